"""Benchmark: /meeting end for a big meeting, and attendance bookkeeping per voice event (run by hand).

    pytest -q -s -n 0 tests/benchmarks/bench_meeting_recap.py

Not collected by the default run. The meeting has 60 attendees (of 80 members with a role, so 20 get
the recap by DM), 50 anonymous questions (some with votes), 30 tasks and one breakout of 12 groups,
seeded inside the meeting's time window. Each run starts a meeting, seeds it and times the real
``/meeting end`` slash command under SimCord with the test suite's Discord (20 ms per call and the
rate-limit buckets, ``tests/realdiscord.py``), on the wall clock: from the command to the reply,
which comes once the recap thread is posted, and to the last recap DM. ``LoopLag`` records the
longest single step of the event loop (a stall). The heap is frozen after start-up as ``copbot run``
does (``bot/heap.py``). Prints JSON lines: p50/p99 handler time and the worst stall, then the time of
one attendance write per voice join or leave.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import timedelta

import pytest

from bot.clock import utcnow
from bot.heap import freeze_start_up_heap

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


class LoopLag:
    """The longest single step the event loop ran (one callback or task step): a stall.

    Each ``Handle._run`` is timed while the block runs. Neither a watchdog task (which keeps SimCord
    from settling) nor a thread poking the loop (whose callbacks SimCord waits for) can be used here.
    """

    def __init__(self) -> None:
        self.worst = 0.0
        self.culprit = ""  # what the longest step ran, to tell the bot's stalls from SimCord's
        self._original = asyncio.events.Handle._run

    def __enter__(self) -> LoopLag:
        original = self._original
        lag = self

        def timed(handle: asyncio.events.Handle) -> None:
            started = time.perf_counter()
            try:
                original(handle)
            finally:
                took = time.perf_counter() - started
                if took > lag.worst:
                    lag.worst, lag.culprit = took, step_name(handle)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]


def step_name(handle: asyncio.events.Handle) -> str:
    """The coroutine a task step resumed (or the callback), to name the longest step."""
    callback = getattr(handle, "_callback", None)
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        return f"task step: {getattr(coro, '__qualname__', repr(coro))}"[:160]
    return repr(handle)[:160]


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


@pytest.mark.simcord(settle_timeout=120)
@pytest.mark.timeout(900)
@pytest.mark.discord(real_time=True)  # timed on the wall clock, Discord's waits included
async def test_recap_of_a_big_meeting(simcord_env, community, discord_layer) -> None:
    roles = ["lay", "gp", "clinician", "commissioner", "manager", "researcher"]
    members = [community.add_member(f"member_{i:02d}") for i in range(80)]  # joined before set-up: no welcomes
    await community.configure()
    for i, member in enumerate(members):
        await simcord_env.bot.members.set_role(community.guild.id, member.id, roles[i % len(roles)])
    freeze_start_up_heap()  # as ``copbot run`` does once the bot is ready (bot/heap.py)
    attendees = members[:60]
    to_reply: list[float] = []
    to_last_dm: list[float] = []
    stalls: list[float] = []
    for _ in range(RUNS):
        await community.facilitator.slash(community.meeting, "meeting start")
        await _seed(simcord_env, community, members, attendees)
        with LoopLag() as lag:
            first = len(discord_layer.calls)
            t0 = time.perf_counter()
            ended = await community.facilitator.slash(community.meeting, "meeting end")
        stalls.append(lag.worst * 1000)
        assert "has ended" in ended.response.content and "60 came" in ended.response.content
        calls = discord_layer.calls[first:]
        # The reply (the follow-up after the deferral) comes once the recap thread is posted; the 20
        # recap DMs go out after it, paced by Discord's limit on opening DM chats (10 per 10 s).
        reply = next(c for c in calls if c.bucket is not None and c.bucket.startswith("followup"))
        to_reply.append((reply.wall_end - t0) * 1000)
        to_last_dm.append((max(c.wall_end for c in calls) - t0) * 1000)
        assert sum(1 for c in calls if c.method == "POST" and c.path == "/users/@me/channels") <= 20
    print(
        json.dumps(
            {
                "metric": "meeting_end_recap_60_attendees_50_questions_30_tasks_12_groups_ms",
                "runs": RUNS,
                "discord_latency_ms": round(discord_layer.latency * 1000),
                "rate_limits": discord_layer.rate_limits,
                "p50": round(statistics.median(to_reply), 1),
                "p99": round(_p99(to_reply), 1),
                "max_loop_stall_ms": round(max(stalls), 1),
                "p50_to_last_recap_dm": round(statistics.median(to_last_dm), 1),
                "max_to_last_recap_dm": round(max(to_last_dm), 1),
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
