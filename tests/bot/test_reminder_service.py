"""The reminder service without Discord: batched claims, retries, and when the job wakes next."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest_asyncio
import time_machine
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.meeting_session import LATE_START
from bot.reminders.digest import Digest
from bot.reminders.nonces import NONCE_MAX, outbox_nonce
from bot.reminders.policy import PlannedReminder, ReminderPolicy
from bot.reminders.service import BATCH_SIZE, CONFIRM_EVERY, JOB_ID, RETRY_AFTER, ReminderService, RetryLater
from bot.storage.database import Database
from bot.storage.meetings import Meeting, MeetingRepository
from bot.storage.reminders import ReminderRepository
from bot.storage.tasks import Task, TaskRepository

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


class Notifier:
    """Records what was sent; task ids in ``failing`` raise :class:`RetryLater`."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.failing: set[int] = set()
        self.on_send = None
        self.nonces: list[str | None] = []
        self.digests: list[Digest] = []

    async def task_reminder(self, task: Task, kind: str, late: bool, *, nonce: str | None = None) -> bool:
        if task.id in self.failing:
            raise RetryLater()
        self.sent.append((task.id, kind))
        self.nonces.append(nonce)
        if self.on_send is not None:
            self.on_send()
        return True

    async def meeting_digest(self, digest: Digest, late: bool, *, nonce: str | None = None) -> set[int]:
        self.sent.append((-digest.meeting.id, "digest"))
        self.nonces.append(nonce)
        self.digests.append(digest)
        return set(digest.dms)

    async def meeting_rolled(self, meeting: Meeting) -> None:
        pass


class CountingReminders(ReminderRepository):
    """The real repository, keeping the size of every confirm (one statement each)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.confirms: list[int] = []

    async def confirm(self, reminder_ids, *, owner: str, now: datetime) -> int:
        self.confirms.append(len(reminder_ids))
        return await super().confirm(reminder_ids, owner=owner, now=now)


class Setup:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.tasks = TaskRepository(db)
        self.reminders = CountingReminders(db)
        self.notifier = Notifier()
        # Started paused: jobs are stored and replaced as in production, but never fire by themselves.
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.scheduler.start(paused=True)

        async def tz(_: int) -> str:
            return "Europe/London"

        async def rules(_: int) -> ReminderPolicy:
            return ReminderPolicy()

        self.service = ReminderService(
            scheduler=self.scheduler,
            tasks=self.tasks,
            meetings=MeetingRepository(db),
            reminders=self.reminders,
            notifier=self.notifier,
            timezone_for=tz,
            policy_for=rules,
        )

    async def task_with(self, *instants: datetime) -> Task:
        plan = [PlannedReminder(at, f"before:{i + 1}") for i, at in enumerate(instants)]
        return await self.tasks.add(1, "Read the leaflet", 42, 7, T0 + timedelta(days=30), plan, created_at=T0)

    def armed_at(self) -> datetime | None:
        job = self.scheduler.get_job(JOB_ID)
        return None if job is None else job.trigger.run_date

    async def unsent(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM reminders WHERE sent_at IS NULL")
        return int(row[0])


@pytest_asyncio.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    db = Database(tmp_path / "service.db")
    await db.open()
    setup = Setup(db)
    try:
        yield setup
    finally:
        setup.scheduler.shutdown(wait=False)
        await db.close()


async def test_a_failed_reminder_does_not_delay_an_earlier_unrelated_one(setup: Setup) -> None:
    failing = await setup.task_with(T0 - timedelta(minutes=1))
    other = await setup.task_with(T0 + timedelta(minutes=2))
    setup.notifier.failing = {failing.id}
    with time_machine.travel(T0, tick=False) as t:
        await setup.service.run()
        # The retry is due at T0 + 5 minutes, but the other task's reminder at T0 + 2 minutes still
        # wakes the job on time (it used to wait for the retry).
        assert setup.armed_at() == T0 + timedelta(minutes=2)

        # A change elsewhere re-arms: the failed reminder (due in the past) must not make the job
        # fire at once and hammer a failing Discord; it waits for its retry.
        await setup.service.rearm()
        assert setup.armed_at() == T0 + timedelta(minutes=2)

        t.move_to(T0 + timedelta(minutes=2))
        await setup.service.run()
        assert setup.notifier.sent == [(other.id, "before:1")]
        assert setup.armed_at() == T0 + timedelta(minutes=2) + RETRY_AFTER

        setup.notifier.failing = set()
        t.move_to(T0 + timedelta(minutes=2) + RETRY_AFTER)
        await setup.service.run()
        assert setup.notifier.sent == [(other.id, "before:1"), (failing.id, "before:1")]
        assert setup.armed_at() is None  # nothing left: no wake-up
        assert await setup.unsent() == 0


async def test_without_a_retry_a_past_due_reminder_wakes_the_job_at_once(setup: Setup) -> None:
    await setup.task_with(T0 - timedelta(minutes=1), T0 + timedelta(hours=1))
    with time_machine.travel(T0, tick=False):
        await setup.service.rearm()
        assert setup.armed_at() == T0 - timedelta(minutes=1)


async def test_catch_up_in_batches_sends_each_once_and_hands_back_failures(setup: Setup) -> None:
    count = BATCH_SIZE * 2 + 30
    tasks = [await setup.task_with(T0 - timedelta(hours=1, seconds=i)) for i in range(count)]
    failing = {tasks[5].id, tasks[BATCH_SIZE + 7].id}
    setup.notifier.failing = failing
    with time_machine.travel(T0, tick=False):
        retry = await setup.service.sweep(T0)
        assert retry
        assert len(setup.notifier.sent) == count - 2
        assert len({task_id for task_id, _ in setup.notifier.sent}) == count - 2
        assert await setup.unsent() == 2  # only the failures were handed back

        again = await setup.service.sweep(T0)  # the failures fail again; nothing is sent twice
        assert again and len(setup.notifier.sent) == count - 2

        setup.notifier.failing = set()
        assert not await setup.service.sweep(T0 + RETRY_AFTER)
        assert sorted(task_id for task_id, _ in setup.notifier.sent[-2:]) == sorted(failing)
        assert len(setup.notifier.sent) == count and await setup.unsent() == 0


async def test_only_the_latest_reminder_per_task_is_sent_after_downtime(setup: Setup) -> None:
    task = await setup.task_with(T0 - timedelta(days=3), T0 - timedelta(days=1), T0 - timedelta(hours=1))
    with time_machine.travel(T0, tick=False):
        await setup.service.sweep(T0)
    assert setup.notifier.sent == [(task.id, "before:3")]
    assert sorted(await setup.reminders.sent_kinds(task.id)) == ["before:1", "before:2", "before:3"]


async def test_stopping_mid_batch_hands_back_what_was_not_sent(setup: Setup) -> None:
    for i in range(20):
        await setup.task_with(T0 - timedelta(minutes=30, seconds=i))

    def stop_after_five() -> None:
        if len(setup.notifier.sent) == 5:
            setup.service.stop()

    setup.notifier.on_send = stop_after_five
    with time_machine.travel(T0, tick=False):
        await setup.service.sweep(T0)
    assert len(setup.notifier.sent) == 5
    assert await setup.unsent() == 15


async def test_sends_are_recorded_a_few_at_a_time_not_one_statement_each(setup: Setup) -> None:
    count = BATCH_SIZE + 30
    for i in range(count):
        await setup.task_with(T0 - timedelta(hours=1, seconds=i))
    with time_machine.travel(T0, tick=False):
        assert not await setup.service.sweep(T0)
    assert len(setup.notifier.sent) == count and await setup.unsent() == 0
    assert sum(setup.reminders.confirms) == count
    # Every CONFIRM_EVERY sends (or sooner, on a slow machine, every CONFIRM_AFTER), and at the end of
    # each batch: far fewer statements than sends, none larger than CONFIRM_EVERY.
    assert len(setup.reminders.confirms) < count // 10
    assert max(setup.reminders.confirms) <= CONFIRM_EVERY


async def test_no_database_lock_or_transaction_is_held_while_a_message_goes_out(setup: Setup) -> None:
    """A send can wait seconds on Discord's rate limits; every other write in the process (a vote, a
    task added) would wait with it if the sweep held the single-writer lock or a write transaction."""
    for i in range(CONFIRM_EVERY + 10):
        await setup.task_with(T0 - timedelta(minutes=5, seconds=i))
    held: list[bool] = []
    setup.notifier.on_send = lambda: held.append(setup.db._lock.locked() or setup.db.conn.in_transaction)
    with time_machine.travel(T0, tick=False):
        await setup.service.sweep(T0)
    assert len(held) == CONFIRM_EVERY + 10 and not any(held)


async def test_every_reminder_carries_a_nonce_from_its_row_the_same_in_any_process(setup: Setup) -> None:
    tasks = [await setup.task_with(T0 - timedelta(minutes=5, seconds=i)) for i in range(3)]
    with time_machine.travel(T0, tick=False):
        await setup.service.sweep(T0)
    rows = await setup.db.fetchall("SELECT id, due_at FROM reminders ORDER BY due_at, id")
    expected = [outbox_nonce(int(r[0]), datetime.fromisoformat(r[1])) for r in rows]
    assert setup.notifier.nonces == expected
    assert len(set(expected)) == len(tasks)
    assert all(nonce and len(nonce) <= NONCE_MAX for nonce in expected)
    assert outbox_nonce(1, T0) == outbox_nonce(1, T0) != outbox_nonce(1, T0 + timedelta(minutes=1))


async def test_an_error_mid_batch_still_records_what_went_out_before_it(setup: Setup) -> None:
    for i in range(CONFIRM_EVERY + 20):
        await setup.task_with(T0 - timedelta(minutes=30, seconds=i))

    def crash_at_sixty() -> None:
        if len(setup.notifier.sent) == 60:
            raise asyncio.CancelledError  # not an Exception: it ends the sweep, as a shutdown would

    setup.notifier.on_send = crash_at_sixty
    with time_machine.travel(T0, tick=False):
        try:
            await setup.service.sweep(T0)
        except asyncio.CancelledError:
            pass
        else:
            raise AssertionError("the sweep should have stopped")
    assert len(setup.notifier.sent) == 60
    # The 59 whose sends finished are recorded; the 60th was in flight (its lease ends, it goes again).
    assert await setup.unsent() == CONFIRM_EVERY + 20 - 59


async def test_rolling_a_meeting_forward_twice_from_the_same_reading_changes_it_once(setup: Setup) -> None:
    """Two sweeps (or two processes) that read the same start: only the first moves it on."""
    meetings = MeetingRepository(setup.db)
    start = T0 + timedelta(days=1)
    meeting = await meetings.add(1, "Monthly catch-up", start, "weekly", 7, PlannedReminder(T0, "digest"))
    following = start + timedelta(days=7)
    digest = PlannedReminder(following - timedelta(days=1), "digest")
    first = await meetings.roll(meeting.id, start, following, digest)
    assert first is not None and first.starts_at == following
    second = await meetings.roll(meeting.id, start, following + timedelta(days=7), digest)
    assert second is None
    assert (await meetings.by_id(meeting.id)).starts_at == following
    rows = await setup.db.fetchall("SELECT due_at FROM reminders WHERE meeting_id = ?", (meeting.id,))
    assert [r[0] for r in rows] == [digest.at.isoformat()]
    # A one-off closed by a stale reading is not closed again either.
    assert await meetings.roll(meeting.id, start, None, None) is None
    assert (await meetings.by_id(meeting.id)).status == "scheduled"


async def test_the_sweep_rolls_a_repeating_meeting_once_and_tells_the_notifier_once(setup: Setup) -> None:
    meetings = MeetingRepository(setup.db)
    start = T0 + timedelta(hours=1)
    meeting = await meetings.add(1, "Weekly", start, "weekly", 7, PlannedReminder(T0, "digest"))
    rolled: list[Meeting] = []

    async def record(m: Meeting) -> None:
        rolled.append(m)

    setup.notifier.meeting_rolled = record  # type: ignore[method-assign]
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        # Within LATE_START of its start the meeting is left alone: a late /meeting start still finds it.
        await setup.service.run()
        assert rolled == [] and (await meetings.by_id(meeting.id)).starts_at == start
    with time_machine.travel(start + LATE_START, tick=False):
        stale = await meetings.started(start + LATE_START)
        await setup.service.run()
        # A second copbot that read the meeting before the first rolled it tries with its stale reading.
        assert await meetings.roll(meeting.id, stale[0].starts_at, start + timedelta(days=14), None) is None
    assert len(rolled) == 1 and rolled[0].starts_at == start + timedelta(days=7)


async def test_a_reminder_within_a_day_of_another_notice_is_recorded_but_not_sent(setup: Setup) -> None:
    """The notice budget: a task's person told less than a day ago hears nothing more about it now."""
    quiet = await setup.task_with(T0)
    told = await setup.task_with(T0)
    await setup.tasks.mark_told({quiet.id: T0 - timedelta(hours=15), told.id: T0 - timedelta(hours=24)})
    with time_machine.travel(T0, tick=False):
        await setup.service.run()
    assert setup.notifier.sent == [(told.id, "before:1")]
    assert await setup.unsent() == 0  # the silent one is done too: it never goes out later
    stored = await setup.tasks.by_ids({quiet.id, told.id})
    assert stored[told.id].told_at == T0 and stored[quiet.id].told_at == T0 - timedelta(hours=15)


async def test_a_second_reminder_two_hours_after_the_first_is_held_back(setup: Setup) -> None:
    """A reminder sent, then another planned two hours later (a re-plan, a server's tight rules): the
    second is recorded as done and not sent."""
    task = await setup.tasks.add(
        1,
        "Read the leaflet",
        42,
        7,
        T0 + timedelta(days=30),
        [PlannedReminder(T0 - timedelta(minutes=1), "before:2")],
        created_at=T0,
    )
    with time_machine.travel(T0, tick=False) as t:
        await setup.service.run()
        await setup.db.execute(
            "INSERT INTO reminders (guild_id, task_id, kind, due_at) VALUES (1, ?, 'before:1', ?)",
            (task.id, (T0 + timedelta(hours=2)).isoformat()),
        )
        t.move_to(T0 + timedelta(hours=2))
        await setup.service.run()
    assert setup.notifier.sent == [(task.id, "before:2")] and await setup.unsent() == 0
