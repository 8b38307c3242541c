"""Benchmark: /meeting end for a big meeting, and attendance bookkeeping per voice event (run by hand).

    pytest -q -s -n 0 tests/benchmarks/bench_meeting_recap.py

Not collected by the default run. The meeting has 60 attendees (of 80 members with a role, so 20 get
the recap by DM), 50 anonymous questions (some with votes), 30 tasks and one breakout of 12 groups,
seeded inside the meeting's time window. Each run starts a meeting, seeds it and times the real
``/meeting end`` slash command under SimCord, from the command to the recap posted (thread, every
part, the DMs), while a watchdog coroutine records the longest gap between two turns of the event
loop (a stall). Prints JSON lines: p50/p99 handler time and the worst stall, then the time of one
attendance write per voice join or leave.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import timedelta

from bot.clock import utcnow

RUNS = 15


async def _seed(env, community, members, attendees) -> None:
    bot = env.bot
    guild = community.guild.id
    session = await bot.meeting_sessions.current(guild)
    assert session is not None
    now = utcnow()
    async with bot.db.transaction() as tx:
        for member in attendees:
            await tx.execute(
                "INSERT INTO meeting_attendance (guild_id, session_id, user_id, joined_at) VALUES (?, ?, ?, ?)",
                (guild, session.id, member.id, now.isoformat()),
            )
        base = await tx.fetchone("SELECT COALESCE(MAX(number), 0) FROM questions WHERE guild_id = ?", (guild,))
        for i in range(50):
            qid = await tx.insert(
                "INSERT INTO questions (guild_id, number, kind, text, status, created_at)"
                " VALUES (?, ?, 'question', ?, ?, ?)",
                (guild, int(base[0]) + i + 1, f"What does term {i} mean for patients like me? " * 3,
                 "answered" if i % 3 == 0 else "open", now.isoformat()),
            )  # fmt: skip
            for v in range(i % 4):
                await tx.execute(
                    "INSERT INTO question_votes (question_id, voter_hash) VALUES (?, ?)", (qid, bytes([v]) * 32)
                )
        tbase = await tx.fetchone("SELECT COALESCE(MAX(number), 0) FROM tasks WHERE guild_id = ?", (guild,))
        for i in range(30):
            await tx.execute(
                "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild, int(tbase[0]) + i + 1, f"Follow up on item {i} with the practice team", members[i].id,
                 community.facilitator.id, (now + timedelta(days=14)).isoformat(), now.isoformat()),
            )  # fmt: skip
        groups = [
            [{"id": m.id, "role": "gp", "facilitator": False} for m in attendees[g * 5 : g * 5 + 5]] for g in range(12)
        ]
        await tx.execute(
            "INSERT INTO breakout_sessions (guild_id, status, size, seed, groups_json, created_by, created_at,"
            " opened_at, closed_at) VALUES (?, 'closed', 5, 0, ?, ?, ?, ?, ?)",
            (guild, json.dumps(groups), community.facilitator.id, now.isoformat(), now.isoformat(), now.isoformat()),
        )


async def _watchdog(stop: asyncio.Event) -> float:
    """The longest time, in seconds, between two turns of the event loop until ``stop`` is set."""
    worst = 0.0
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0)
        now = time.perf_counter()
        worst = max(worst, now - last)
        last = now
    return worst


async def test_recap_of_a_big_meeting(simcord_env, community) -> None:
    await community.configure()
    roles = ["lay", "gp", "clinician", "commissioner", "manager", "researcher"]
    members = [community.add_member(f"member_{i:02d}") for i in range(80)]
    for i, member in enumerate(members):
        await simcord_env.bot.members.set_role(community.guild.id, member.id, roles[i % len(roles)])
    attendees = members[:60]
    times: list[float] = []
    stalls: list[float] = []
    for _ in range(RUNS):
        await community.facilitator.slash(community.meeting, "meeting start")
        await _seed(simcord_env, community, members, attendees)
        stop = asyncio.Event()
        dog = asyncio.create_task(_watchdog(stop))
        t0 = time.perf_counter()
        ended = await community.facilitator.slash(community.meeting, "meeting end")
        times.append((time.perf_counter() - t0) * 1000)
        stop.set()
        stalls.append(await dog * 1000)
        assert "has ended" in ended.response.content and "60 came" in ended.response.content
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    print(
        json.dumps(
            {
                "metric": "meeting_end_recap_60_attendees_50_questions_30_tasks_12_groups_ms",
                "runs": RUNS,
                "p50": round(statistics.median(times), 1),
                "p99": round(p99, 1),
                "max_loop_stall_ms": round(max(stalls), 1),
            }
        ),
        flush=True,
    )


async def test_attendance_bookkeeping_per_voice_event(simcord_env, community) -> None:
    await community.configure()
    await community.facilitator.slash(community.meeting, "meeting start")
    service = simcord_env.bot.meeting_sessions
    guild = community.guild.id
    samples: list[float] = []
    for i in range(1000):
        user_id = 10_000 + i % 60
        joining = (i // 60) % 2 == 0
        t0 = time.perf_counter()
        await service.voice_moved(guild, user_id, was_in=not joining, now_in=joining, now=utcnow())
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    print(
        json.dumps(
            {
                "metric": "attendance_write_per_voice_event_ms",
                "events": len(samples),
                "mean": round(statistics.fmean(samples), 3),
                "p99": round(samples[int(0.99 * (len(samples) - 1))], 3),
            }
        ),
        flush=True,
    )
