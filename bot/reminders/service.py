"""Sends reminders and digests when their time comes: the database decides, APScheduler wakes us.

Design (and why):

* **The database is the truth.** Every reminder is planned as a row in the ``reminders`` outbox when
  its task or meeting is created or changed (:mod:`bot.reminders.policy` decides the instants).
  Nothing about what is due lives only in memory.
* **One sweep, one wake-up job.** :meth:`ReminderService.sweep` rolls repeating meetings forward,
  claims and sends the due-and-unsent rows (an index on ``due_at WHERE sent_at IS NULL`` keeps that
  cheap at any size), then re-arms a single APScheduler ``DateTrigger`` job for the next
  instant in the outbox. Every change (task added, edited, done; meeting scheduled or cancelled)
  calls :meth:`ReminderService.rearm`. Compared with one job per reminder this keeps the scheduler
  tiny (one job whatever the number of tasks), start-up is one query, and delivery is still
  punctual because the job fires at the exact instant of the next reminder.
* **Restarts and downtime.** At start-up the cog calls :meth:`start`, which sweeps at once: whatever
  fell due while the bot was down is sent then, once (only the latest one per task: a "3 days to
  go" that is already out of date is recorded but not sent), with "sorry this is late" wording when more
  than a day late (:func:`bot.reminders.policy.is_late`). The job uses ``misfire_grace_time=None``
  and ``coalesce=True``, so APScheduler never skips a late wake-up, however late.
* **Never twice, never lost, in batches, across processes.** The sweep *leases* a batch of due rows
  (owner and until, in one transaction: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE``
  on SQLite; see :mod:`bot.storage.reminders`), loads the batch's tasks and meetings in one query
  each, and records rows sent a few at a time after their messages went out (every
  :data:`CONFIRM_EVERY` sends or :data:`CONFIRM_AFTER` seconds, and at the end of every batch: one
  statement each, where one per send made 10,000 due reminders cost 10,000 statements). Any number
  of processes may sweep one shared outbox: a row is leased to one of them at a time. A process killed
  mid-batch (power cut, ``kill -9``) loses nothing: its leases run out after :data:`LEASE` and the
  next sweep anywhere claims those rows again. The messages sent since the last record can repeat,
  so every message a row stands for carries a nonce derived from the row (:mod:`bot.reminders.nonces`:
  task reminders, and each part and DM of a meeting digest), which discord.py sends with
  ``enforce_nonce``: Discord returns the first message instead of posting a second one within its
  nonce window, which the lease is shorter than. A long batch renews its leases half-way through a
  lease. No database lock or write transaction is held while a message goes out. Failures worth
  retrying and a clean stop hand rows back at once. Meeting roll-forward is a compare-and-set on the
  meeting's start (only one process wins it), and digests are outbox rows like reminders.
* **Waking up.** The job wakes at the earliest of: the next meeting start, the next reminder, and,
  when something failed, the retry time. While a retry is pending, the failed reminders (due in the
  past) do not count as "the next reminder", or the job would fire again at once; an unrelated
  reminder due before the retry still wakes the job on time.
* **Per-server rules.** ``policy_for`` is a coroutine reading the server's rules from the database
  (:class:`bot.storage.reminder_policies.ReminderPolicyRepository`), not a cache: it is one small
  primary-key read, needed only when something is planned, and it can never be stale after a
  facilitator changes the rules or another bot generation shares the file.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import utcnow
from bot.meetings import next_occurrence
from bot.reminders.nonces import outbox_nonce
from bot.reminders.policy import ReminderPolicy, is_late, plan_digest
from bot.storage.meetings import Meeting, MeetingRepository
from bot.storage.reminders import DueReminder, ReminderRepository
from bot.storage.tasks import Task, TaskRepository

log = logging.getLogger(__name__)

JOB_ID = "copbot:reminders:sweep"
RETRY_AFTER = timedelta(minutes=5)
#: Reminders claimed per transaction (see "Never twice, never lost" above). Each claim is a write
#: transaction of its own, so at start-up with 10,000 due a larger batch is fewer of them; a lease
#: covers the whole batch and is renewed when sending it is slow.
BATCH_SIZE = 250
#: How long a claimed reminder stays this process's before another may take it. Shorter than
#: Discord's nonce window (a few minutes), so a repeat after a crash is one Discord can drop.
LEASE = timedelta(minutes=2)
#: Sends are recorded together: after this many, or once this long has passed since the last record,
#: and always at the end of a batch. One statement per record instead of one per send (10,000 due
#: reminders at start-up were 10,000 statements); a crash can repeat the sends since the last record,
#: and their nonces make Discord drop those repeats.
CONFIRM_EVERY = 50
CONFIRM_AFTER = 0.1  # seconds


class _Confirmations:
    """The sends of one batch not yet recorded, and when to record them (see :data:`CONFIRM_EVERY`)."""

    def __init__(self, reminders: ReminderRepository, *, owner: str, now: datetime) -> None:
        self._reminders = reminders
        self._owner = owner
        self._now = now
        self._pending: list[int] = []
        self._since = time.monotonic()

    def add(self, reminder_id: int) -> None:
        self._pending.append(reminder_id)

    def due(self) -> bool:
        return len(self._pending) >= CONFIRM_EVERY or time.monotonic() - self._since >= CONFIRM_AFTER

    async def flush(self) -> None:
        """Record the pending sends in one statement; log any whose lease another process had taken."""
        pending, self._pending = self._pending, []
        self._since = time.monotonic()
        if not pending:
            return
        recorded = await self._reminders.confirm(pending, owner=self._owner, now=self._now)
        if recorded < len(pending):
            log.warning(
                "%d of %d reminders were sent after their lease ran out; another process may send them too"
                " (their nonces let Discord drop the repeat)",
                len(pending) - recorded,
                len(pending),
            )


class RetryLater(Exception):
    """Raised by a notifier when a reminder could not be delivered now but may be later."""


class Notifier(Protocol):
    """What the service needs from the Discord side (implemented by the tasks cog)."""

    async def task_reminder(self, task: Task, kind: str, late: bool, *, nonce: str | None = None) -> None:
        """DM the reminder; ``nonce`` (see :mod:`bot.reminders.nonces`) goes with the message."""
        ...

    async def meeting_digest(self, meeting: Meeting, late: bool, *, nonce: str | None = None) -> None:
        """Post the digest and DM each owner; every message carries a nonce derived from ``nonce``."""
        ...

    async def meeting_rolled(self, meeting: Meeting) -> None: ...


class ReminderService:
    """Sweeps the outbox and keeps one wake-up job armed (see the module docstring)."""

    def __init__(
        self,
        *,
        scheduler: BaseScheduler,
        tasks: TaskRepository,
        meetings: MeetingRepository,
        reminders: ReminderRepository,
        notifier: Notifier,
        timezone_for: Callable[[int], Awaitable[str]],
        policy_for: Callable[[int], Awaitable[ReminderPolicy]],
        owner: str | None = None,
    ) -> None:
        """``owner`` names this sweeper in leases (default: host, process and a random part, so two
        bots in one process, as in tests, are two owners too)."""
        self._scheduler = scheduler
        self._tasks = tasks
        self._meetings = meetings
        self._reminders = reminders
        self._notifier = notifier
        self._timezone_for = timezone_for
        self._policy_for = policy_for
        self._lock = asyncio.Lock()
        self._stopped = False
        self._retry_at: datetime | None = None
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    async def start(self) -> None:
        """Catch up on anything due (sent now, once) and arm the job for the next instant."""
        self._stopped = False
        await self.run()

    def stop(self) -> None:
        self._stopped = True
        if self._scheduler.get_job(JOB_ID) is not None:
            self._scheduler.remove_job(JOB_ID)

    async def run(self) -> None:
        """The job's body: sweep, then arm the next wake-up."""
        if self._stopped:
            return
        retry = await self.sweep(utcnow())
        self._retry_at = utcnow() + RETRY_AFTER if retry else None
        await self.rearm()

    async def sweep(self, now: datetime) -> bool:
        """Send everything due at ``now``; return True if something must be retried later."""
        async with self._lock:
            await self._roll_meetings(now)
            # After downtime a task may have several reminders due at once ("3 days to go",
            # "tomorrow", "today"): only the latest is worth sending; one statement records the
            # older ones as done so they never go out afterwards.
            await self._reminders.supersede(now)
            retry = False
            cursor: tuple[datetime, int] | None = None
            while not self._stopped:
                batch = await self._reminders.claim_due(
                    now, owner=self.owner, lease=LEASE, limit=BATCH_SIZE, after=cursor
                )
                if not batch:
                    break
                cursor = batch[-1].position  # released rows lie behind it: not retried in this sweep
                failed = await self._send_batch(batch, now)
                if failed:
                    retry = True
                    await self._release(failed)
                if len(batch) < BATCH_SIZE:
                    break
            return retry

    async def _send_batch(self, batch: list[DueReminder], now: datetime) -> list[int]:
        """Send a leased batch, recording sends a few at a time; return the ids to try again later.

        Nothing is held while a message goes out: the claim's transaction has committed, and each
        confirm is one autocommit statement of its own, so no write transaction or database lock
        waits on Discord.
        """
        tasks = await self._tasks.by_ids({r.task_id for r in batch if r.task_id is not None})
        meetings = await self._meetings.by_ids({r.meeting_id for r in batch if r.meeting_id is not None})
        latest = {r.task_id: r.id for r in batch if r.task_id is not None}  # the batch is in time order
        failed: list[int] = []
        done = _Confirmations(self._reminders, owner=self.owner, now=now)
        claimed_at = utcnow()
        renewed = timedelta(0)
        try:
            for index, reminder in enumerate(batch):
                if self._stopped:
                    failed.extend(r.id for r in batch[index:])  # claimed but not sent: hand them back
                    break
                if reminder.task_id is not None and latest[reminder.task_id] != reminder.id:
                    done.add(reminder.id)  # out of date: recorded as done, not sent
                    continue
                elapsed = utcnow() - claimed_at
                if elapsed - renewed > LEASE / 2:  # slow going (rate limits): keep the rest of the batch ours
                    await self._reminders.renew(owner=self.owner, until=now + elapsed + LEASE)
                    renewed = elapsed
                try:
                    await self._deliver(reminder, now, tasks, meetings)
                except RetryLater:
                    failed.append(reminder.id)
                    log.warning("Reminder %s (%s) will be retried", reminder.id, reminder.kind)
                    continue
                except Exception:
                    failed.append(reminder.id)
                    log.exception("Reminder %s (%s) failed; it will be retried", reminder.id, reminder.kind)
                    continue
                done.add(reminder.id)
                if done.due():
                    await done.flush()
        finally:
            # The end of every batch, a stop and an error alike: what went out is recorded now.
            await done.flush()
        return failed

    async def _release(self, reminder_ids: list[int]) -> None:
        try:
            await self._reminders.release(reminder_ids, owner=self.owner)
        except Exception:
            if not self._stopped:
                raise
            log.warning(
                "Stopping: %d claimed reminders could not be handed back; their leases will end", len(reminder_ids)
            )

    async def _deliver(
        self, reminder: DueReminder, now: datetime, tasks: dict[int, Task], meetings: dict[int, Meeting]
    ) -> None:
        late = is_late(reminder.due_at, now)
        if reminder.task_id is not None:
            task = tasks.get(reminder.task_id)
            if task is not None and task.is_open:
                await self._notifier.task_reminder(
                    task, reminder.kind, late, nonce=outbox_nonce(reminder.id, reminder.due_at)
                )
        elif reminder.meeting_id is not None:
            meeting = meetings.get(reminder.meeting_id)
            if meeting is not None and meeting.status == "scheduled":
                await self._notifier.meeting_digest(meeting, late, nonce=outbox_nonce(reminder.id, reminder.due_at))

    async def _roll_meetings(self, now: datetime) -> None:
        """Move repeating meetings that have started on to their next occurrence; close one-offs."""
        for meeting in await self._meetings.started(now):
            tz_name = await self._timezone_for(meeting.guild_id)
            following = next_occurrence(meeting.starts_at, meeting.repeat, tz_name, now)
            digest = plan_digest(following, tz_name, await self._policy_for(meeting.guild_id)) if following else None
            rolled = await self._meetings.roll(meeting.id, meeting.starts_at, following, digest)
            if rolled is None:
                log.info("Meeting %s was already rolled forward elsewhere; leaving it", meeting.id)
                continue
            if following is not None:
                try:
                    await self._notifier.meeting_rolled(rolled)
                except Exception:
                    log.exception("Could not set up the next occurrence of meeting %s", meeting.id)

    async def next_wake(self, now: datetime | None = None) -> datetime | None:
        """The earliest instant at which the sweep has something to do.

        With a retry pending, reminders already due are the ones waiting for it, so they count
        only through the retry time; later reminders and meeting starts count as usual.
        """
        retry_at = self._retry_at
        if retry_at is None:
            next_reminder = await self._reminders.next_due_at()
        else:
            next_reminder = await self._reminders.next_due_at(after=now or utcnow())
        candidates = [d for d in (next_reminder, await self._meetings.next_start(), retry_at) if d is not None]
        return min(candidates) if candidates else None

    async def rearm(self) -> None:
        """Point the single wake-up job at the next instant (or remove it if nothing is planned)."""
        if self._stopped:
            return
        at = await self.next_wake()
        if at is None:
            if self._scheduler.get_job(JOB_ID) is not None:
                self._scheduler.remove_job(JOB_ID)
            return
        self._scheduler.add_job(
            self.run,
            DateTrigger(run_date=at),
            id=JOB_ID,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=100,  # sweeps are serialised by a lock; never skip a wake-up
        )
