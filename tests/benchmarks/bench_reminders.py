"""Benchmark: reminders for 10,000 open tasks across 50 servers (run by hand).

    /work/main/.venv/bin/python -m tests.benchmarks.bench_reminders   (from the repository root)
    /work/main/.venv/bin/python tests/benchmarks/bench_reminders.py

Uses the real storage layer on a real SQLite file and the real ReminderService with an
AsyncIOScheduler, and a notifier that only counts (so we time copbot, not Discord). Prints JSON lines:
planning 10,000 tasks, one sweep with nothing due (the every-change cost), re-arming the job, the
start-up catch-up (after a day of downtime, and after months with every task's reminders due), one
server's re-plan after ``/settings reminders``, and peak memory. Goals: a sweep or re-plan under 200 ms,
start-up under 2 s. The catch-up with everything due also counts its database round trips, a figure the
machine's load cannot move: the notice budget (issue 26) costs one ``UPDATE tasks SET told_at`` per
recorded batch of sends, and no read.

Every line names its ``backend``: the whole run happens on an SQLite file, then on PostgreSQL (a
throwaway cluster on a unix socket, as in the tests; skipped with a line saying so without PostgreSQL).
The last lines share 10,000 due reminders between two sweepers (two services, two database handles,
two lease owners) running at once: throughput, duplicates and losses.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.reminders.policy import PolicyOverrides, ReminderPolicy, plan_task
from bot.reminders.service import ReminderService
from bot.storage.backend import make_database
from bot.storage.database import Database
from bot.storage.meetings import MeetingRepository
from bot.storage.reminder_policies import ReminderPolicyRepository
from bot.storage.reminders import ReminderRepository
from bot.storage.settings import SettingsRepository
from bot.storage.tasks import TaskRepository
from bot.task_service import TaskService

TASKS = 10_000
SERVERS = 50
ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC")


class CountingNotifier:
    def __init__(self) -> None:
        self.sent = 0

    async def task_reminder(self, task, kind, late, *, nonce=None) -> bool:
        self.sent += 1
        return True  # told: the notice budget records it, as for a real DM

    async def meeting_digest(self, digest, late, *, nonce=None) -> set[int]:
        self.sent += 1
        return set(digest.dms)

    async def meeting_rolled(self, meeting) -> None:
        pass


BACKEND = {"name": "sqlite"}


def count_calls(db: Database) -> dict[str, int]:
    """Count the database round trips made through ``db`` from now on (a statement, a read, or a
    transaction each): a figure that, unlike a timing on a shared machine, does not wobble."""
    calls = {"total": 0}
    for name in ("execute", "fetchone", "fetchall", "transaction"):
        method = getattr(db, name)

        def counted(*args, _method=method, **kwargs):
            calls["total"] += 1
            return _method(*args, **kwargs)

        setattr(db, name, counted)
    return calls


def emit(**fields: object) -> None:
    print(json.dumps({"backend": BACKEND["name"], **fields}), flush=True)


def plan_tasks(start: datetime, policy: ReminderPolicy) -> list[tuple[int, datetime, list]]:
    """(server, due, reminder plan) for the benchmark's 10,000 tasks across 50 servers."""
    plans = []
    for i in range(TASKS):
        due = start + timedelta(days=5 + i % 60, hours=i % 9)
        plans.append((i % SERVERS, due, plan_task(due, start, ZONES[i % SERVERS % len(ZONES)], policy)))
    return plans


async def store_tasks(db: Database, plans: list[tuple[int, datetime, list]], start: datetime) -> None:
    """Write the planned tasks and their reminders in one transaction (also used by bench_privacy)."""
    async with db.transaction() as tx:
        for i, (guild, due, plan) in enumerate(plans):
            task_id = await tx.insert(
                "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild, i + 1, f"Task {i}", 1000 + i % 400, 1, due.isoformat(), start.isoformat()),
            )
            await tx.executemany(
                "INSERT INTO reminders (guild_id, task_id, kind, due_at) VALUES (?, ?, ?, ?)",
                [(guild, task_id, r.kind, r.at.isoformat()) for r in plan],
            )


class RecordingNotifier(CountingNotifier):
    """Counts, and keeps every task id it was asked to remind (to find duplicates and losses)."""

    def __init__(self, seen: list[int]) -> None:
        super().__init__()
        self.seen = seen

    async def task_reminder(self, task, kind, late, *, nonce=None) -> bool:
        self.sent += 1
        self.seen.append(task.id)
        await asyncio.sleep(0)  # a real send yields to the loop; let the other sweeper run
        return True


async def two_sweepers(target: str, start: datetime) -> None:
    """Two services on two database handles share 10,000 due reminders."""
    setup = make_database(target, exclusive=False)
    await setup.open()
    async with setup.transaction() as tx:
        await tx.execute("DELETE FROM reminders")
        await tx.execute("DELETE FROM tasks")
        await tx.executemany(
            "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(1, n, f"T{n}", 1000 + n % 400, 1, start.isoformat(), start.isoformat()) for n in range(1, TASKS + 1)],
        )
        await tx.execute(
            "INSERT INTO reminders (guild_id, task_id, kind, due_at) SELECT guild_id, id, 'due', due_at FROM tasks"
        )
    seen: list[int] = []
    services = []
    for _ in range(2):
        db = make_database(target, exclusive=False)
        await db.open()
        policy = ReminderPolicy()

        async def tz(_: int) -> str:
            return "UTC"

        async def rules(_: int, policy=policy) -> ReminderPolicy:
            return policy

        services.append(
            (
                db,
                ReminderService(
                    scheduler=AsyncIOScheduler(timezone=UTC),
                    tasks=TaskRepository(db),
                    meetings=MeetingRepository(db),
                    reminders=ReminderRepository(db),
                    notifier=RecordingNotifier(seen),
                    timezone_for=tz,
                    policy_for=rules,
                ),
            )
        )
    t0 = time.perf_counter()
    await asyncio.gather(*(service.sweep(start + timedelta(minutes=1)) for _, service in services))
    elapsed = time.perf_counter() - t0
    row = await setup.fetchone("SELECT COUNT(*) FROM reminders WHERE sent_at IS NULL")
    counts = [service._notifier.sent for _, service in services]
    emit(
        metric="two_sweepers_10k_due",
        seconds=round(elapsed, 2),
        per_second=round(len(seen) / elapsed),
        sent_by_each=counts,
        duplicates=len(seen) - len(set(seen)),
        lost=TASKS - len(set(seen)),
        unsent_rows=int(row[0]),
    )
    for db, _ in services:
        await db.close()
    await setup.close()


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        BACKEND["name"] = "sqlite"
        await run_all(str(Path(folder) / "bench.db"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.pgcluster import start_cluster

    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        print(json.dumps({"backend": "postgresql", "skipped": str(exc)}), flush=True)
        return
    try:
        BACKEND["name"] = "postgresql"
        await run_all(await cluster.new_database())
    finally:
        cluster.stop()


async def run_all(target: str) -> None:
    tracemalloc.start()
    policy = ReminderPolicy()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    if True:
        db = make_database(target)
        await db.open()
        tasks, meetings, reminders = TaskRepository(db), MeetingRepository(db), ReminderRepository(db)

        t0 = time.perf_counter()
        plans = plan_tasks(start, policy)
        emit(metric="plan_10k_tasks_ms", value=round((time.perf_counter() - t0) * 1000, 1))

        t0 = time.perf_counter()
        await store_tasks(db, plans, start)
        emit(metric="store_10k_tasks_ms", value=round((time.perf_counter() - t0) * 1000, 1))

        # Re-plan one task (what /task edit does).
        t0 = time.perf_counter()
        task = await tasks.by_id(5000)
        assert task is not None
        new_due = task.due_at + timedelta(days=7)
        await tasks.update(task.id, due_at=new_due, plan=plan_task(new_due, start, "Europe/London", policy))
        emit(metric="replan_one_task_ms", value=round((time.perf_counter() - t0) * 1000, 2))

        # Not started: the job would otherwise fire on the real clock, far past these dates.
        scheduler = AsyncIOScheduler(timezone=UTC)
        notifier = CountingNotifier()

        async def tz(_: int) -> str:
            return "Europe/London"

        async def rules(_: int) -> ReminderPolicy:
            return policy

        service = ReminderService(
            scheduler=scheduler,
            tasks=tasks,
            meetings=meetings,
            reminders=reminders,
            notifier=notifier,
            timezone_for=tz,
            policy_for=rules,
        )
        t0 = time.perf_counter()
        await service.sweep(start)
        emit(metric="sweep_nothing_due_ms", value=round((time.perf_counter() - t0) * 1000, 2))
        t0 = time.perf_counter()
        await service.rearm()
        emit(metric="rearm_job_ms", value=round((time.perf_counter() - t0) * 1000, 2))

        # Normal day: the sweep at one 09:00 (the reminders due in that hour for all servers).
        nine = start + timedelta(days=10, hours=9)
        await service.sweep(nine - timedelta(days=1))
        before = notifier.sent
        t0 = time.perf_counter()
        await service.sweep(nine)
        emit(
            metric="sweep_one_morning_ms",
            value=round((time.perf_counter() - t0) * 1000, 1),
            reminders=notifier.sent - before,
        )

        # Start-up after a day of downtime: everything due in that day is caught up, once.
        before = notifier.sent
        t0 = time.perf_counter()
        await service.sweep(nine + timedelta(days=1, hours=1))
        await service.rearm()
        emit(
            metric="startup_catch_up_after_1_day_down_ms",
            value=round((time.perf_counter() - t0) * 1000, 1),
            reminders=notifier.sent - before,
        )

        # Worst case: down for months (the real clock is long past every due date), so every
        # task has reminders waiting; only the latest per task is sent.
        before = notifier.sent
        calls = count_calls(db)
        t0 = time.perf_counter()
        await service.sweep(datetime(2027, 1, 1, tzinfo=UTC))
        await service.rearm()
        emit(
            metric="startup_catch_up_everything_due_ms",
            value=round((time.perf_counter() - t0) * 1000, 1),
            reminders=notifier.sent - before,
            database_calls=calls["total"],
        )
        rows = await db.fetchone("SELECT COUNT(*) FROM reminders")
        emit(metric="reminder_rows", value=int(rows[0]) if rows else 0)

        # /settings reminders in one server: its rules saved and its open tasks re-planned, in one transaction
        # (the task service decides the plan; storage stores it).
        planner = TaskService(
            db,
            scheduler,
            settings=SettingsRepository(db),
            policies=ReminderPolicyRepository(db, policy),
            carried_for=None,
            default_timezone="Europe/London",
            limits=None,  # type: ignore[arg-type]  # no task is added here
        )
        t0 = time.perf_counter()
        await planner.save_rules(0, PolicyOverrides(days_before=(2,), send_hour=10), now=start)
        await service.rearm()
        emit(
            metric="replan_one_server_after_rule_change_ms",
            value=round((time.perf_counter() - t0) * 1000, 1),
            tasks=TASKS // SERVERS,
        )
        service.stop()
        await db.close()
        await two_sweepers(target, datetime(2027, 1, 1, tzinfo=UTC))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    emit(metric="peak_traced_memory_mb", value=round(peak / 1e6, 1))
    emit(metric="max_rss_mb", value=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))


if __name__ == "__main__":
    asyncio.run(main())
