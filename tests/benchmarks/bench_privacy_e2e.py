"""Benchmark: the whole /forget-me click under SimCord for a busy member (run by hand).

    pytest -q -s -n 0 tests/benchmarks/bench_privacy_e2e.py

Not collected by the default run (the file name does not start with ``test_``); given on the command
line, pytest runs it with the suite's fixtures. The member has 200 open tasks (each with three planned
reminders) set by one facilitator, 50 past breakouts and 50 speaking rounds. It prints a JSON line with
the wall-clock time from the click to the reply (erasure, WAL checkpoint, the edited message and the
one grouped notice to the task setter), with the realistic-Discord layer's default latency (20 ms a
call), its waits on the wall clock.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest


@pytest.mark.discord(real_time=True)  # timed on the wall clock, Discord's waits included
async def test_forget_me_for_a_member_with_200_tasks_and_50_past_meetings(simcord_env, community) -> None:
    await community.configure()
    sam = community.add_member("samira_k")
    guild = community.guild.id
    start = simcord_env.now()
    async with simcord_env.bot.db.transaction() as tx:
        for i in range(200):
            task_id = await tx.insert(
                "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild, i + 1, f"Task {i}", sam.id, community.facilitator.id,
                 (start + timedelta(days=5)).isoformat(), start.isoformat()),
            )  # fmt: skip
            for kind in ("before:3", "before:1", "due"):
                await tx.execute(
                    "INSERT INTO reminders (guild_id, task_id, kind, due_at) VALUES (?, ?, ?, ?)",
                    (guild, task_id, kind, (start + timedelta(days=4)).isoformat()),
                )
        for i in range(50):
            held = (start - timedelta(days=7 * i)).isoformat()
            session = await tx.insert(
                "INSERT INTO breakout_sessions (guild_id, status, size, seed, groups_json, created_by, created_at)"
                " VALUES (?, 'closed', 5, 0, ?, ?, ?)",
                (guild, json.dumps([[{"id": sam.id, "role": "gp", "facilitator": False}]]), community.facilitator.id,
                 held),
            )  # fmt: skip
            await tx.execute(
                "INSERT INTO breakout_meetings (guild_id, session_id, groups_json, held_at) VALUES (?, ?, ?, ?)",
                (guild, session, json.dumps([[sam.id, 5, 6], [7, 8]]), held),
            )
            await tx.execute(
                "INSERT INTO icebreaker_rounds (guild_id, channel_id, prompt_text, phase, speaker_order, position,"
                " outcomes, created_at, updated_at) VALUES (?, ?, 'Hi', 'finished', ?, 3, ?, ?, ?)",
                (guild, 9000 + i, json.dumps([5, sam.id, 6]), json.dumps([[sam.id, "spoke"]]), held, held),
            )
    asked = await sam.slash(community.meeting, "forget-me")
    t0 = time.perf_counter()
    done = await sam.click(asked.response, label="Delete everything about me")
    elapsed = (time.perf_counter() - t0) * 1000
    assert done.response.content.startswith("Done.")
    print(json.dumps({"metric": "forget_me_click_200_tasks_50_meetings_ms", "value": round(elapsed, 1)}), flush=True)
