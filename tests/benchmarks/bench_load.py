"""Benchmark: a load of 1,000 servers x 50 members on each backend, database time per interaction.

    python tests/benchmarks/bench_load.py        (from the repository root; prints JSON lines)

What it measures: the storage work of the interactions that carry load in a meeting (ask a question,
"Me too" votes, add a task with its reminders, list my tasks), through the real repositories, with
20 interactions in flight at once (members of many servers pressing buttons together), on an SQLite
file and on PostgreSQL (a throwaway cluster on a unix socket). Reported per kind: p50 and p99 in
milliseconds, and the throughput. It does *not* include Discord or discord.py (SimCord handler time
for this many servers would time the simulator); the end-to-end handler time under a burst is
``bench_questions.py``'s job.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.reminders.policy import ReminderPolicy, plan_task
from bot.storage.backend import make_database
from bot.storage.questions import QuestionRepository
from bot.storage.tasks import TaskRepository

SERVERS = 1_000
MEMBERS = 50
INTERACTIONS = 6_000
IN_FLIGHT = 20
MIX = (("vote", 0.45), ("ask", 0.2), ("task_add", 0.15), ("task_list", 0.2))


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 2)


async def run(backend: str, target: str) -> None:
    db = make_database(target)
    await db.open()
    questions, tasks = QuestionRepository(db), TaskRepository(db)
    rng = random.Random(20)
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    policy = ReminderPolicy()
    t0 = time.perf_counter()
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO member_profiles (guild_id, user_id, role, updated_at) VALUES (?, ?, ?, ?)",
            [(g, g * 1000 + m, "lay", now.isoformat()) for g in range(1, SERVERS + 1) for m in range(MEMBERS)],
        )
    emit(backend=backend, metric="seed_members", rows=SERVERS * MEMBERS, seconds=round(time.perf_counter() - t0, 2))
    open_questions: dict[int, list[int]] = {}
    for g in range(1, SERVERS + 1, 10):  # one server in ten is in a meeting with a question up
        open_questions[g] = [(await questions.create(g, "question", "Seed question?", pending=False)).id]

    timings: dict[str, list[float]] = {kind: [] for kind, _ in MIX}
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]

    async def one(i: int) -> None:
        kind = rng.choices(kinds, weights)[0]
        guild = rng.choice(list(open_questions)) if kind in ("vote", "ask") else rng.randint(1, SERVERS)
        member = guild * 1000 + rng.randrange(MEMBERS)
        start = time.perf_counter()
        if kind == "vote":
            await questions.toggle_vote(rng.choice(open_questions[guild]), f"{guild}:{member}:{i}".encode())
        elif kind == "ask":
            await questions.create(guild, "question", f"Question {i}?", pending=False)
        elif kind == "task_add":
            due = now + timedelta(days=rng.randint(3, 30))
            await tasks.add(guild, f"Task {i}", member, guild * 1000, due, plan_task(due, now, "UTC", policy))
        else:
            await tasks.open_tasks(guild, assignee_id=member)
        timings[kind].append(time.perf_counter() - start)

    queue = iter(range(INTERACTIONS))

    async def worker() -> None:
        for i in queue:
            await one(i)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    elapsed = time.perf_counter() - t0
    every = [t for values in timings.values() for t in values]
    emit(
        backend=backend,
        metric="load_db_time_per_interaction_ms",
        servers=SERVERS,
        members=SERVERS * MEMBERS,
        interactions=INTERACTIONS,
        in_flight=IN_FLIGHT,
        p50=pct(every, 0.5),
        p99=pct(every, 0.99),
        per_second=round(INTERACTIONS / elapsed),
        by_kind={k: {"n": len(v), "p50": pct(v, 0.5), "p99": pct(v, 0.99)} for k, v in timings.items() if v},
    )
    await db.close()


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        await run("sqlite", str(Path(folder) / "load.db"))
    from tests.pgcluster import start_cluster

    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        emit(backend="postgresql", skipped=str(exc))
        return
    try:
        await run("postgresql", await cluster.new_database())
    finally:
        cluster.stop()


if __name__ == "__main__":
    asyncio.run(main())
