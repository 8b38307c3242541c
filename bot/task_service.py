"""Tasks, meetings and their reminders: the orchestration behind ``/task``, ``/meeting`` and the buttons.

No Discord here. The tasks cog parses what a member typed or pressed, asks this service, and renders
the answer; Discord delivery (DMs, the digest post, scheduled events) is the cog's side of the
:class:`~bot.reminders.service.Notifier` it attaches at load. What this service decides:

* what a new or changed task is (checked, its date read in the server's timezone, its reminders
  planned with the server's rules) and that every change re-arms the reminder job;
* who may change a task (:mod:`bot.tasks`);
* when a person was told about a task, for the notice budget (:mod:`bot.reminders.budget`);
* re-planning every unsent reminder of a server when its rules or its timezone change, in the
  transaction that saves the change (storage only stores: :mod:`bot.storage.reminder_policies`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler

from bot.clock import utcnow
from bot.config import LimitsConfig
from bot.errors import UserError
from bot.meeting_session import Carried
from bot.reminders.policy import PlannedReminder, PolicyOverrides, ReminderPolicy, plan_digest, plan_task, replan_digest
from bot.reminders.service import Notifier, ReminderService
from bot.storage.database import Database, Shards, Transaction
from bot.storage.meetings import Meeting, MeetingRepository
from bot.storage.reminder_policies import PlannedRow, ReminderPolicyRepository
from bot.storage.reminders import ReminderRepository
from bot.storage.settings import SettingsRepository
from bot.storage.tasks import Task, TaskRepository
from bot.tasks import (
    can_change,
    can_remove,
    clean_description,
    extended_due,
    require_can_change,
    require_can_remove,
    require_open,
)
from bot.timeparse import ParsedWhen, describe, parse_when

SCOPES = ("mine", "all", "overdue")


@dataclass(frozen=True, slots=True)
class NewTask:
    """A task that passed every check and is ready to save (see :meth:`TaskService.check_new`)."""

    guild_id: int
    description: str
    assignee_id: int
    creator_id: int
    when: ParsedWhen
    plan: tuple[PlannedReminder, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Edited:
    """A changed task, how its new date was read (if it moved), and whether someone new does it now."""

    task: Task
    when: ParsedWhen | None
    reassigned: bool


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A newly planned meeting, how its time was read, and the rules its digest follows."""

    meeting: Meeting
    when: ParsedWhen
    policy: ReminderPolicy


class TaskService:
    """Tasks, meetings and reminders for every server (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        scheduler: BaseScheduler,
        *,
        settings: SettingsRepository,
        policies: ReminderPolicyRepository,
        carried_for: Callable[[int], Awaitable[Carried | None]] | None,
        default_timezone: str,
        limits: LimitsConfig,
        shards: Shards | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self.policies = policies
        self._default_timezone = default_timezone
        self._limits = limits
        self.tasks = TaskRepository(db)
        self.meetings = MeetingRepository(db, shards=shards)
        self.reminders = ReminderService(
            scheduler=scheduler,
            tasks=self.tasks,
            meetings=self.meetings,
            reminders=ReminderRepository(db, shards=shards),
            notifier=_NoNotifier(),
            timezone_for=self.timezone_for,
            policy_for=self.policy_for,
            carried_for=carried_for,
        )

    # -- the Discord side and the job -----------------------------------------------------------

    async def start(self, notifier: Notifier) -> None:
        """Deliver through ``notifier`` (the tasks cog); send what is overdue now and arm the job."""
        self.reminders.attach(notifier)
        await self.reminders.start()

    def stop(self) -> None:
        self.reminders.stop()

    async def rearm(self) -> None:
        await self.reminders.rearm()

    # -- per-server facts -----------------------------------------------------------------------

    async def timezone_for(self, guild_id: int) -> str:
        settings = await self._settings.get(guild_id)
        return settings.timezone_or(self._default_timezone)

    async def policy_for(self, guild_id: int) -> ReminderPolicy:
        """The server's reminder rules, read fresh (see :mod:`bot.reminders.service`)."""
        return await self.policies.policy_for(guild_id)

    async def parse(self, text: str, guild_id: int, now: datetime | None = None) -> ParsedWhen:
        """A date or time typed by a member, read in the server's timezone (off the event loop:
        dateparser is slow)."""
        tz_name = await self.timezone_for(guild_id)
        return await asyncio.to_thread(parse_when, text, tz_name, now=now or utcnow())

    async def _plan(self, guild_id: int, due_at: datetime, not_before: datetime) -> tuple[PlannedReminder, ...]:
        tz_name = await self.timezone_for(guild_id)
        return tuple(plan_task(due_at, not_before, tz_name, await self.policy_for(guild_id)))

    # -- tasks ----------------------------------------------------------------------------------

    async def check_new(
        self, guild_id: int, creator_id: int, assignee_id: int, description: str, due: str, now: datetime
    ) -> NewTask:
        """Every check a new task must pass, by reads only, so a refusal can still be private: the
        text, the date, and fair use (``[limits]``). :meth:`add` saves it."""
        text = clean_description(description)
        when = await self.parse(due, guild_id, now)
        plan = await self._plan(guild_id, when.at, now)
        await self.tasks.check_limits(guild_id, creator_id, assignee_id, now, **self._limit_options())
        return NewTask(guild_id, text, assignee_id, creator_id, when, plan, now)

    async def add(self, new: NewTask) -> Task:
        """Save a checked task with its reminders (fair use checked again in the same transaction)."""
        task = await self.tasks.add(
            new.guild_id,
            new.description,
            new.assignee_id,
            new.creator_id,
            new.when.at,
            new.plan,
            created_at=new.created_at,
            **self._limit_options(),
        )
        await self.rearm()
        return task

    def _limit_options(self) -> dict[str, int]:
        return {"per_hour": self._limits.tasks_per_hour, "open_per_assignee": self._limits.open_tasks_per_assignee}

    async def told(self, task: Task, at: datetime | None = None) -> None:
        """Its person was just told about ``task`` (given it, or passed it): the budget counts from now."""
        at = at or utcnow()
        self.reminders.notified(task.id, at)
        await self.tasks.mark_told({task.id: at})

    async def get(self, guild_id: int, number: int) -> Task:
        return await self.tasks.get(guild_id, number)

    async def for_change(self, task_id: int, user_id: int, facilitator: bool, action: str) -> Task:
        """The open task behind a button, if ``user_id`` may ``action`` it (the commands' rule)."""
        task = await self.tasks.by_id(task_id)
        if task is None or task.status == "removed":
            raise UserError("That task no longer exists.")
        require_can_change(task, user_id, facilitator, action)
        require_open(task)
        return task

    async def finish(self, guild_id: int, number: int, user_id: int, facilitator: bool) -> Task:
        """``/task done``: the person doing it, the person who set it, or a facilitator."""
        task = await self.tasks.get(guild_id, number)
        require_can_change(task, user_id, facilitator, "finish")
        require_open(task)
        return await self.complete(task)

    async def complete(self, task: Task) -> Task:
        done = await self.tasks.close(task.id, "done")
        await self.rearm()
        return done

    async def remove(self, guild_id: int, number: int, user_id: int, facilitator: bool) -> Task:
        """``/task remove``: the person who set it, or a facilitator."""
        task = await self.tasks.get(guild_id, number)
        require_can_remove(task, user_id, facilitator)
        await self.tasks.close(task.id, "removed")
        await self.rearm()
        return task

    async def extend(self, task: Task, days: int) -> tuple[Task, str]:
        """*Need more time*: ``days`` more, from the due date or from today if it has passed."""
        tz_name = await self.timezone_for(task.guild_id)
        due = extended_due(task, days, tz_name, utcnow())
        return await self._set_due(task, due), describe(due, tz_name)

    async def move_due(self, task: Task, text: str) -> tuple[Task, str]:
        """A new due date typed in the *Choose a date* form."""
        when = await self.parse(text, task.guild_id)
        return await self._set_due(task, when.at), f"{when.echo}. {when.note}" if when.note else when.echo

    async def _set_due(self, task: Task, due_at: datetime) -> Task:
        plan = await self._plan(task.guild_id, due_at, utcnow())
        updated = await self.tasks.update(task.id, due_at=due_at, plan=plan)
        await self.rearm()
        return updated

    async def edit(
        self,
        guild_id: int,
        number: int,
        user_id: int,
        facilitator: bool,
        *,
        description: str | None = None,
        assignee_id: int | None = None,
        due: str | None = None,
    ) -> Edited:
        """``/task edit``: any of a new description, person and due date (a new date, new reminders)."""
        task = await self.tasks.get(guild_id, number)
        require_can_change(task, user_id, facilitator, "change")
        require_open(task)
        if description is None and assignee_id is None and due is None:
            raise UserError("Nothing to change: choose a new description, person or due date.")
        text = clean_description(description) if description is not None else None
        now = utcnow()
        when = await self.parse(due, guild_id, now) if due is not None else None
        plan = await self._plan(guild_id, when.at, now) if when else None
        reassigned = assignee_id is not None and assignee_id != task.assignee_id
        updated = await self.tasks.update(
            task.id,
            description=text,
            assignee_id=assignee_id if reassigned else None,
            due_at=when.at if when else None,
            plan=plan,
        )
        if reassigned:
            self.reminders.reassigned(task.id)  # the stored told_at was cleared with the change
        await self.rearm()
        return Edited(updated, when, reassigned)

    async def still_open(self, guild_id: int, numbers: Iterable[int]) -> list[Task]:
        """The open tasks among ``numbers``, by number: whoever set a task whose person was forgotten
        is told about it by its words (one done or removed since needs no notice)."""
        wanted = set(numbers)
        return [task for task in await self.tasks.open_tasks(guild_id) if task.number in wanted]

    async def choosable(
        self, guild_id: int, user_id: int, facilitator: bool, typed: str, *, remove: bool
    ) -> list[Task]:
        """What ``/task done``, ``/task edit`` and ``/task remove`` offer as the member types, so nobody
        has to know a task's number (issue 25): the open tasks ``user_id`` may change (``remove``: may
        remove), by the commands' own rules, whose words contain ``typed`` (or whose number it is), the
        member's own tasks first."""
        allowed = can_remove if remove else can_change
        wanted = typed.casefold().strip().lstrip("#")
        mine, others = [], []
        for task in await self.tasks.open_tasks(guild_id):
            if not allowed(task, user_id, facilitator):
                continue
            if wanted and wanted not in task.description.casefold() and wanted != str(task.number):
                continue
            (mine if task.assignee_id == user_id else others).append(task)
        return mine + others

    async def listed(self, guild_id: int, scope: str, user_id: int, now: datetime) -> list[Task]:
        """``/task list``: the member's open tasks, everyone's, or the overdue ones."""
        if scope not in SCOPES:
            raise UserError("Please choose which tasks to show.")
        if scope == "mine":
            return await self.tasks.open_tasks(guild_id, assignee_id=user_id)
        found = await self.tasks.open_tasks(guild_id)
        return [t for t in found if t.is_overdue(now)] if scope == "overdue" else found

    # -- meetings -------------------------------------------------------------------------------

    async def schedule(self, guild_id: int, when: str, title: str, repeat: str, by: int) -> Scheduled:
        """``/meeting schedule``: the meeting and its digest, planned with the server's rules."""
        clean_title = " ".join(title.split())[:100]
        if not clean_title:
            raise UserError("Please give the meeting a short title.")
        parsed = await self.parse(when, guild_id)
        tz_name = await self.timezone_for(guild_id)
        policy = await self.policy_for(guild_id)
        digest = plan_digest(parsed.at, tz_name, policy)
        meeting = await self.meetings.add(guild_id, clean_title, parsed.at, repeat, by, digest)
        return Scheduled(meeting, parsed, policy)

    async def set_event(self, meeting: Meeting, event_id: int | None) -> None:
        """The Discord event the cog made for the meeting's next occurrence; the job then re-arms."""
        await self.meetings.set_event(meeting.id, event_id)
        await self.rearm()

    async def cancel(self, guild_id: int, number: int) -> Meeting:
        """``/meeting cancel``: the meeting and any repeats, with their unsent digests."""
        meeting = await self.meetings.get(guild_id, number)
        await self.meetings.cancel(meeting.id)
        await self.rearm()
        return meeting

    async def upcoming(self, guild_id: int) -> list[Meeting]:
        return await self.meetings.upcoming(guild_id)

    # -- a server's rules -----------------------------------------------------------------------

    async def save_rules(
        self, guild_id: int, overrides: PolicyOverrides, now: datetime | None = None
    ) -> ReminderPolicy:
        """``/settings reminders``: store the server's rules and re-plan its unsent reminders, in one
        transaction, then point the job at the new next reminder."""
        now = now or utcnow()
        tz_name = await self.timezone_for(guild_id)
        policy = overrides.apply(self.policies.defaults)
        async with self._db.transaction() as tx:
            await self.policies.store(tx, guild_id, overrides, now)
            await self._replan(tx, guild_id, policy, tz_name, now)
        await self.rearm()
        return policy

    async def replan_in(self, tx: Transaction, guild_id: int, tz_name: str, now: datetime) -> None:
        """Re-plan the server's unsent reminders for ``tz_name`` inside ``tx`` (a new timezone saved by
        ``/settings update`` in the same transaction, so reminders never disagree with it). The caller
        re-arms the job afterwards (:meth:`rearm`)."""
        overrides = await self.policies.overrides_in(tx, guild_id)
        await self._replan(tx, guild_id, overrides.apply(self.policies.defaults), tz_name, now)

    async def _replan(
        self, tx: Transaction, guild_id: int, policy: ReminderPolicy, tz_name: str, now: datetime
    ) -> None:
        items = await self.policies.open_items(tx, guild_id)
        rows = [
            PlannedRow(task_id, None, planned.kind, planned.at)
            for task_id, due_at in items.tasks
            # Instants already past under the new rules are skipped, as for a task created now.
            for planned in plan_task(due_at, now, tz_name, policy)
        ]
        for meeting_id, starts_at in items.meetings:
            digest = replan_digest(starts_at, now, tz_name, policy)
            if digest is not None:
                rows.append(PlannedRow(None, meeting_id, digest.kind, digest.at))
        await self.policies.replace_unsent(tx, guild_id, rows)


class _NoNotifier:
    """Until the tasks cog attaches itself nothing is sent (the job is not armed before then)."""

    async def task_reminder(self, *args: object, **kwargs: object) -> bool:
        raise RuntimeError("reminders are not being delivered yet")

    async def meeting_digest(self, *args: object, **kwargs: object) -> set[int]:
        raise RuntimeError("reminders are not being delivered yet")

    async def meeting_rolled(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("reminders are not being delivered yet")
