"""Sends reminders and digests when their time comes: the database decides, APScheduler wakes us.

Design (and why):

* **The database is the truth.** Every reminder is planned as a row in the ``reminders`` outbox when
  its task or meeting is created or changed (:mod:`bot.reminders.policy` decides the instants).
  Nothing about what is due lives only in memory.
* **One sweep, one wake-up job.** :meth:`ReminderService.sweep` selects the due-and-unsent rows (an
  index on ``due_at WHERE sent_at IS NULL`` keeps that cheap at any size), sends each one, rolls
  repeating meetings forward, then re-arms a single APScheduler ``DateTrigger`` job for the next
  instant in the outbox. Every change (task added, edited, done; meeting scheduled or cancelled)
  calls :meth:`ReminderService.rearm`. Compared with one job per reminder this keeps the scheduler
  tiny (one job whatever the number of tasks), start-up is one query, and delivery is still
  punctual because the job fires at the exact instant of the next reminder.
* **Restarts and downtime.** At start-up the cog calls :meth:`start`, which sweeps at once: whatever
  fell due while the bot was down is sent then, once (only the latest one per task: a "3 days to
  go" that is already out of date is recorded but not sent), with "sorry this is late" wording when more
  than a day late (:func:`bot.reminders.policy.is_late`). The job uses ``misfire_grace_time=None``
  and ``coalesce=True``, so APScheduler never skips a late wake-up, however late.
* **Never twice.** A row is *claimed* (``sent_at`` set where it was NULL, in one transaction)
  before the message goes out, so two sweeps or two bot generations can never both send it. If the
  send fails for a reason worth retrying, the claim is released and the sweep tries again in a few
  minutes; only a crash between claim and send could lose one, which we prefer to sending twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import utcnow
from bot.meetings import next_occurrence
from bot.reminders.policy import ReminderPolicy, is_late, plan_digest
from bot.storage.meetings import Meeting, MeetingRepository
from bot.storage.reminders import DueReminder, ReminderRepository
from bot.storage.tasks import Task, TaskRepository

log = logging.getLogger(__name__)

JOB_ID = "copbot:reminders:sweep"
RETRY_AFTER = timedelta(minutes=5)


class RetryLater(Exception):
    """Raised by a notifier when a reminder could not be delivered now but may be later."""


class Notifier(Protocol):
    """What the service needs from the Discord side (implemented by the tasks cog)."""

    async def task_reminder(self, task: Task, kind: str, late: bool) -> None: ...

    async def meeting_digest(self, meeting: Meeting, late: bool) -> None: ...

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
        policy_for: Callable[[int], ReminderPolicy],
    ) -> None:
        self._scheduler = scheduler
        self._tasks = tasks
        self._meetings = meetings
        self._reminders = reminders
        self._notifier = notifier
        self._timezone_for = timezone_for
        self._policy_for = policy_for
        self._lock = asyncio.Lock()
        self._stopped = False

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
        await self.rearm(retry_at=utcnow() + RETRY_AFTER if retry else None)

    async def sweep(self, now: datetime) -> bool:
        """Send everything due at ``now``; return True if something must be retried later."""
        async with self._lock:
            await self._roll_meetings(now)
            await self._reminders.supersede(now)
            retry = False
            while True:
                batch = await self._reminders.due(now)
                # After downtime a task may have several reminders due at once ("3 days to go",
                # "tomorrow", "today"): only the latest is worth sending; the older ones are
                # recorded as done so they never go out afterwards.
                latest = {r.task_id: r.id for r in batch if r.task_id is not None}
                sent_any = False
                for reminder in batch:
                    if self._stopped:
                        return retry
                    if not await self._reminders.claim(reminder.id, now):
                        continue
                    if reminder.task_id is not None and latest[reminder.task_id] != reminder.id:
                        sent_any = True
                        continue
                    try:
                        await self._deliver(reminder, now)
                        sent_any = True
                    except RetryLater:
                        retry = True
                        await self._reminders.release(reminder.id)
                        log.warning("Reminder %s (%s) will be retried", reminder.id, reminder.kind)
                    except Exception:
                        retry = True
                        await self._reminders.release(reminder.id)
                        log.exception("Reminder %s (%s) failed; it will be retried", reminder.id, reminder.kind)
                if len(batch) < 500 or not sent_any:
                    return retry

    async def _deliver(self, reminder: DueReminder, now: datetime) -> None:
        late = is_late(reminder.due_at, now)
        if reminder.task_id is not None:
            task = await self._tasks.by_id(reminder.task_id)
            if task is not None and task.is_open:
                await self._notifier.task_reminder(task, reminder.kind, late)
        elif reminder.meeting_id is not None:
            meeting = await self._meetings.by_id(reminder.meeting_id)
            if meeting is not None and meeting.status == "scheduled":
                await self._notifier.meeting_digest(meeting, late)

    async def _roll_meetings(self, now: datetime) -> None:
        """Move repeating meetings that have started on to their next occurrence; close one-offs."""
        for meeting in await self._meetings.started(now):
            tz_name = await self._timezone_for(meeting.guild_id)
            following = next_occurrence(meeting.starts_at, meeting.repeat, tz_name, now)
            digest = plan_digest(following, tz_name, self._policy_for(meeting.guild_id)) if following else None
            rolled = await self._meetings.roll(meeting.id, following, digest)
            if following is not None:
                try:
                    await self._notifier.meeting_rolled(rolled)
                except Exception:
                    log.exception("Could not set up the next occurrence of meeting %s", meeting.id)

    async def next_wake(self) -> datetime | None:
        """The earliest instant at which the sweep has something to do."""
        candidates = [d for d in (await self._reminders.next_due_at(), await self._meetings.next_start()) if d]
        return min(candidates) if candidates else None

    async def rearm(self, *, retry_at: datetime | None = None) -> None:
        """Point the single wake-up job at the next instant (or remove it if nothing is planned)."""
        if self._stopped:
            return
        at = await self.next_wake()
        if retry_at is not None:
            at = max(at, retry_at) if at is not None else retry_at
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
