"""Benchmark: /forget-me for a busy member, /mydata, and the daily retention job (run by hand).

    python tests/benchmarks/bench_privacy.py        (from the repository root)

Builds the reminders benchmark's database (10,000 tasks with their reminders across 50 servers, from
``bench_reminders.store_tasks``) on a real SQLite file, then adds: one member with 200 tasks (with
reminders) and 50 past meetings (50 breakout groups and 50 speaking rounds they were in), a profile and
keep-apart rules; 2,000 questions; 500 breakout histories. Half the 10,000 tasks are finished, most of
them over a year ago. Prints JSON lines: erasure time (one transaction + WAL checkpoint), export time,
and the retention job's time and rows removed. Goal: erasure and export well under Discord's 3 seconds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reminders import plan_tasks, store_tasks

from bot.config import load_config
from bot.privacy.service import PrivacyService
from bot.reminders.policy import ReminderPolicy, plan_task
from bot.storage.database import Database

MEMBER = 1_400_000_000_000_000_001
GUILD = 0
START = datetime(2026, 1, 1, tzinfo=UTC)


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


async def add_busy_member(db: Database) -> None:
    policy = ReminderPolicy()
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO member_profiles (guild_id, user_id, role, updated_at) VALUES (?, ?, 'gp', ?)",
            (GUILD, MEMBER, START.isoformat()),
        )
        for i in range(200):
            due = START + timedelta(days=10 + i % 30)
            task_id = await tx.insert(
                "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (GUILD, 100_000 + i, f"Busy task {i}", MEMBER, 1000 + i % 7, due.isoformat(), START.isoformat()),
            )
            await tx.executemany(
                "INSERT INTO reminders (guild_id, task_id, kind, due_at) VALUES (?, ?, ?, ?)",
                [(GUILD, task_id, r.kind, r.at.isoformat()) for r in plan_task(due, START, "Europe/London", policy)],
            )
        for i in range(50):
            held = (START - timedelta(days=7 * i)).isoformat()
            group = [{"id": MEMBER, "role": "gp", "facilitator": False}] + [
                {"id": 2000 + k, "role": "lay", "facilitator": False} for k in range(4)
            ]
            session = await tx.insert(
                "INSERT INTO breakout_sessions (guild_id, status, size, seed, groups_json, created_by, created_at)"
                " VALUES (?, 'closed', 5, 0, ?, 3000, ?)",
                (GUILD, json.dumps([group]), held),
            )
            await tx.execute(
                "INSERT INTO breakout_meetings (guild_id, session_id, groups_json, held_at) VALUES (?, ?, ?, ?)",
                (GUILD, session, json.dumps([[MEMBER, 2000, 2001, 2002, 2003], [2004, 2005]]), held),
            )
            await tx.execute(
                "INSERT INTO icebreaker_rounds (guild_id, channel_id, prompt_text, phase, speaker_order, position,"
                " outcomes, created_at, updated_at) VALUES (?, ?, 'Hi', 'finished', ?, 6, ?, ?, ?)",
                (GUILD, 5000 + i, json.dumps([2000, MEMBER, 2001]), json.dumps([[MEMBER, "spoke"]]), held, held),
            )
        for k in range(5):
            await tx.execute(
                "INSERT INTO breakout_keep_apart (guild_id, user_a, user_b, created_by, created_at)"
                " VALUES (?, ?, ?, 3000, ?)",
                (GUILD, 2000 + k, MEMBER, START.isoformat()),
            )


async def add_history(db: Database) -> None:
    """Questions, breakout histories and finished tasks, old and recent, across the 50 servers."""
    old = (START - timedelta(days=400)).isoformat()
    recent = (START - timedelta(days=30)).isoformat()
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO questions (guild_id, number, kind, text, status, created_at)"
            " VALUES (?, ?, 'question', ?, ?, ?)",
            [
                (
                    i % 50,
                    i + 1,
                    f"Question {i} about the pathway?",
                    "answered" if i % 2 else "open",
                    old if i % 3 else recent,
                )
                for i in range(2000)
            ],
        )
        for i in range(500):
            session = await tx.insert(
                "INSERT INTO breakout_sessions (guild_id, status, size, seed, groups_json, created_by, created_at,"
                " closed_at) VALUES (?, 'closed', 4, 0, '[]', 3000, ?, ?)",
                (i % 50, old, old),
            )
            await tx.execute(
                "INSERT INTO breakout_meetings (guild_id, session_id, groups_json, held_at) VALUES (?, ?, ?, ?)",
                (i % 50, session, json.dumps([[2000 + i % 40, 2001 + i % 40]]), old),
            )
        await tx.execute(
            "UPDATE tasks SET status = 'done', closed_at = CASE WHEN id % 4 = 0 THEN ? ELSE ? END"
            " WHERE id % 2 = 0 AND assignee_id != ?",
            (recent, old, MEMBER),
        )


async def main() -> None:
    config = load_config({}).privacy
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "bench.db")
        await db.open()
        await store_tasks(db, plan_tasks(START, ReminderPolicy()), START)
        await add_busy_member(db)
        await add_history(db)
        await db.checkpoint()
        service = PrivacyService(db, config)
        size = (Path(folder) / "bench.db").stat().st_size
        emit(metric="database_mb", value=round(size / 1e6, 1), tasks=10_200)

        t0 = time.perf_counter()
        export = await service.export(MEMBER, GUILD)
        ms = (time.perf_counter() - t0) * 1000
        rows = sum(len(t.rows) for t in export.tables)
        emit(metric="mydata_export_ms", value=round(ms, 1), rows=rows, json_kb=round(len(export.as_json()) / 1e3, 1))

        t0 = time.perf_counter()
        result = await service.forget(MEMBER, GUILD)
        ms = (time.perf_counter() - t0) * 1000
        emit(
            metric="forget_me_200_tasks_50_meetings_ms",
            value=round(ms, 1),
            rows_changed=result.total,
            tasks_left_with_nobody=len(result.orphaned_tasks),
        )
        assert (await service.export(MEMBER, GUILD)).is_empty
        path = Path(folder) / "bench.db"
        wal = path.with_name("bench.db-wal")
        data = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        emit(
            metric="member_id_left_in_file_and_wal",
            value=data.count(MEMBER.to_bytes(8, "big")) + data.count(str(MEMBER).encode()),
        )

        t0 = time.perf_counter()
        removed = await service.apply_retention(START)
        ms = (time.perf_counter() - t0) * 1000
        emit(metric="retention_job_10k_tasks_ms", value=round(ms, 1), removed=removed)
        t0 = time.perf_counter()
        again = await service.apply_retention(START)
        emit(
            metric="retention_job_nothing_to_do_ms",
            value=round((time.perf_counter() - t0) * 1000, 1),
            removed=sum(again.values()),
        )
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
