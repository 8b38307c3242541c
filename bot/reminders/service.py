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
* **Waking up.** The job wakes at the earliest of: the next meeting roll, the next reminder, and,
  when something failed, the retry time. While a retry is pending, the failed reminders (due in the
  past) do not count as "the next reminder", or the job would fire again at once; an unrelated
  reminder due before the retry still wakes the job on time.
* **The notice budget** (:mod:`bot.reminders.budget`). Before a task reminder goes out, the sweep
  checks when its person was last told about the task (``told_at`` on the task, loaded with the batch's
  tasks, and the sends of this process not yet written); within a day, the reminder is recorded as done
  and not sent. A digest leaves such tasks out of the person's DM (:mod:`bot.reminders.digest`). The
  notices that went out are written to ``told_at`` once per batch, at its end (one statement for up to
  :data:`BATCH_SIZE` sends), so the budget adds no read and one write per batch; until then this
  process's own memory of them counts (``_told``).
* **Meetings keep their identity.** A meeting is rolled to its next occurrence (or, once, marked past)
  only :data:`~bot.meeting_session.LATE_START` after its start: until then ``/meeting start`` still finds
  the occurrence that was due, so a meeting begun late keeps its title and date.
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
from bot.meeting_session import LATE_START, Carried
from bot.meetings import next_occurrence
from bot.reminders.budget import NOTICE_GAP, latest, told_recently
from bot.reminders.digest import Digest, build_digest
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

    def __init__(self, reminders: ReminderRepository, tasks: TaskRepository, *, owner: str, now: datetime) -> None:
        self._reminders = reminders
        self._tasks = tasks
        self._owner = owner
        self._now = now
        self._pending: list[int] = []
        self._told: dict[int, datetime] = {}
        self._since = time.monotonic()

    def add(self, reminder_id: int, told: dict[int, datetime] | None = None) -> None:
        """A row done; ``told``: the tasks whose person its message told (``{task id: when}``)."""
        self._pending.append(reminder_id)
        if told:
            self._told.update(told)

    def due(self) -> bool:
        return len(self._pending) >= CONFIRM_EVERY or time.monotonic() - self._since >= CONFIRM_AFTER

    async def flush(self, *, final: bool = False) -> None:
        """Record the pending sends in one statement; log any whose lease another process had taken.

        ``final`` (the end of the batch) also writes who was told, for the notice budget: one statement
        per batch, not per flush. It goes first: if the process dies between the two, a repeat of these
        sends finds the budget spent and stays silent, rather than the other way round.
        """
        pending, self._pending = self._pending, []
        self._since = time.monotonic()
        if final:
            told, self._told = self._told, {}
            await self._tasks.mark_told(told)
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

    async def task_reminder(self, task: Task, kind: str, late: bool, *, nonce: str | None = None) -> bool:
        """DM the reminder (or mention the person where DMs are closed); ``nonce`` (see
        :mod:`bot.reminders.nonces`) goes with the message. True if the person was told."""
        ...

    async def meeting_digest(self, digest: Digest, late: bool, *, nonce: str | None = None) -> set[int]:
        """DM each person in ``digest.dms`` their list and post the digest, pinging only those whose DM
        failed; every message carries a nonce derived from ``nonce``. Returns the people told."""
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
        carried_for: Callable[[int], Awaitable[Carried | None]] | None = None,
        owner: str | None = None,
    ) -> None:
        """``carried_for`` gives what a server's last meeting left open (for its digest); ``owner``
        names this sweeper in leases (default: host, process and a random part, so two bots in one
        process, as in tests, are two owners too)."""
        self._scheduler = scheduler
        self._tasks = tasks
        self._meetings = meetings
        self._reminders = reminders
        self._notifier = notifier
        self._timezone_for = timezone_for
        self._policy_for = policy_for
        self._carried_for = carried_for
        #: Notices this process sent in the last day (task id → when), for the budget between a send and
        #: its write to ``told_at`` (a digest right after a reminder in the same batch).
        self._told: dict[int, datetime] = {}
        self._lock = asyncio.Lock()
        self._stopped = False
        self._retry_at: datetime | None = None
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def attach(self, notifier: Notifier) -> None:
        """Deliver through ``notifier`` from now on (the tasks cog, once it is loaded)."""
        self._notifier = notifier

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

    def notified(self, task_id: int, at: datetime) -> None:
        """A notice about ``task_id`` went to its person outside the sweep (when it was given to them)."""
        self._told[task_id] = max(at, self._told.get(task_id, at))

    def reassigned(self, task_id: int) -> None:
        """Someone else does ``task_id`` now: what the last person was told does not count for them."""
        self._told.pop(task_id, None)

    async def sweep(self, now: datetime) -> bool:
        """Send everything due at ``now``; return True if something must be retried later."""
        async with self._lock:
            self._told = {k: v for k, v in self._told.items() if now - v < NOTICE_GAP + timedelta(hours=1)}
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
        newest = {r.task_id: r.id for r in batch if r.task_id is not None}  # the batch is in time order
        zones: dict[int, str] = {}  # one settings read per server in the batch, not one per reminder
        failed: list[int] = []
        done = _Confirmations(self._reminders, self._tasks, owner=self.owner, now=now)
        claimed_at = utcnow()
        renewed = timedelta(0)
        try:
            for index, reminder in enumerate(batch):
                if self._stopped:
                    failed.extend(r.id for r in batch[index:])  # claimed but not sent: hand them back
                    break
                if reminder.task_id is not None and newest[reminder.task_id] != reminder.id:
                    done.add(reminder.id)  # out of date: recorded as done, not sent
                    continue
                elapsed = utcnow() - claimed_at
                if elapsed - renewed > LEASE / 2:  # slow going (rate limits): keep the rest of the batch ours
                    await self._reminders.renew(owner=self.owner, until=now + elapsed + LEASE)
                    renewed = elapsed
                if reminder.guild_id not in zones:
                    zones[reminder.guild_id] = await self._timezone_for(reminder.guild_id)
                try:
                    told = await self._deliver(reminder, now, zones[reminder.guild_id], tasks, meetings)
                except RetryLater:
                    failed.append(reminder.id)
                    log.warning("Reminder %s (%s) will be retried", reminder.id, reminder.kind)
                    continue
                except Exception:
                    failed.append(reminder.id)
                    log.exception("Reminder %s (%s) failed; it will be retried", reminder.id, reminder.kind)
                    continue
                for task_id in told:
                    self.notified(task_id, now)
                done.add(reminder.id, dict.fromkeys(told, now))
                if done.due():
                    await done.flush()
        finally:
            # The end of every batch, a stop and an error alike: what went out is recorded now.
            await done.flush(final=True)
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
        self, reminder: DueReminder, now: datetime, tz_name: str, tasks: dict[int, Task], meetings: dict[int, Meeting]
    ) -> set[int]:
        """Send one row's message(s), within the budget; return the ids of the tasks whose person was told."""
        late = is_late(reminder.due_at, now)
        nonce = outbox_nonce(reminder.id, reminder.due_at)
        if reminder.task_id is not None:
            task = tasks.get(reminder.task_id)
            if task is None or not task.is_open:
                return set()
            if told_recently(latest(task.told_at, self._told.get(task.id)), now, tz_name):
                log.debug("Reminder %s not sent: its person heard about the task less than a day ago", reminder.id)
                return set()
            return {task.id} if await self._notifier.task_reminder(task, reminder.kind, late, nonce=nonce) else set()
        meeting = meetings.get(reminder.meeting_id) if reminder.meeting_id is not None else None
        if meeting is None or meeting.status != "scheduled":
            return set()
        open_tasks = await self._tasks.open_tasks(meeting.guild_id)
        carried = await self._carried_for(meeting.guild_id) if self._carried_for is not None else None
        digest = build_digest(meeting, open_tasks, carried, now, tz_name, self._told)
        if digest is None:
            log.info("No digest before meeting %s: no open task and no open question", meeting.id)
            return set()
        owners = await self._notifier.meeting_digest(digest, late, nonce=nonce)
        return {item.task.id for owner in owners for item in digest.dms.get(owner, ())}

    async def _roll_meetings(self, now: datetime) -> None:
        """Move repeating meetings on to their next occurrence, and close one-offs, once
        :data:`LATE_START` has passed since they began: until then a late ``/meeting start`` still finds
        the occurrence that was due (see the module docstring)."""
        for meeting in await self._meetings.started(now - LATE_START):
            tz_name = await self._timezone_for(meeting.guild_id)
            following = next_occurrence(meeting.starts_at, meeting.repeat, tz_name, now)
            policy = await self._policy_for(meeting.guild_id)
            digest = plan_digest(following, tz_name, policy) if following else None
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
        """The earliest instant at which the sweep has something to do (a meeting counts from
        :data:`LATE_START` after its start, when it is rolled).

        With a retry pending, reminders already due are the ones waiting for it, so they count
        only through the retry time; later reminders and meeting starts count as usual.
        """
        retry_at = self._retry_at
        if retry_at is None:
            next_reminder = await self._reminders.next_due_at()
        else:
            next_reminder = await self._reminders.next_due_at(after=now or utcnow())
        next_start = await self._meetings.next_start()
        next_roll = next_start + LATE_START if next_start is not None else None
        candidates = [d for d in (next_reminder, next_roll, retry_at) if d is not None]
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
