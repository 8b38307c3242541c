"""What the list before a meeting says, and to whom: pure, no I/O, no Discord.

The digest is one list of the server's open tasks by person, each task once, with the tasks agreed at
the last meeting marked as such, and the questions that meeting left open. It is said in two places:

* **in public**, in the meeting channel, so everyone can prepare. A task is called late only from the
  day after its due date (on the server's calendar), and then kindly (the wording is the cog's);
* **in private**, each person's own tasks by DM, with a *Done* and a *Need more time* button for each.

The two never both notify one person (see :mod:`bot.reminders.budget`). The DM is the notice: it is
private, it can carry the buttons, and it is where a person is told about their own work. The public
post names everyone but pings only those it must: a person whose DM could not be delivered (their DMs
are closed). A person who was told about a task in the last day hears nothing about it now (not in a
DM, not as a ping); the task is still listed in public.

There is no digest when there is nothing to say: no open task and no open question from last time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.meeting_session import Carried
from bot.privacy.registry import FORGOTTEN
from bot.reminders.budget import latest, told_recently
from bot.storage.meeting_sessions import QuestionRow
from bot.storage.meetings import Meeting
from bot.storage.tasks import Task


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One open task as the digest shows it."""

    task: Task
    #: Its due date is before today on the server's calendar (on the due day itself it is not late).
    past_due: bool
    #: It was agreed at the last meeting.
    agreed_last_time: bool


@dataclass(frozen=True, slots=True)
class Digest:
    """The list before one meeting, and who is to be told what (see the module docstring)."""

    meeting: Meeting
    #: Every open task, by person (in order of each person's soonest due date), each task once.
    by_owner: tuple[tuple[int, tuple[DigestItem, ...]], ...]
    #: Questions the last meeting left open.
    questions: tuple[QuestionRow, ...]
    #: The tasks each person is sent by DM: theirs, less those they were told about in the last day.
    dms: Mapping[int, tuple[DigestItem, ...]]

    @property
    def task_count(self) -> int:
        return sum(len(items) for _, items in self.by_owner)

    def may_ping(self, owner: int) -> bool:
        """Whether the public post may ping ``owner``: only instead of a DM they could not be sent."""
        return owner in self.dms


def past_due(task: Task, now: datetime, tz_name: str) -> bool:
    """True from the day after the due date, on the server's calendar."""
    zone = ZoneInfo(tz_name)
    return task.due_at.astimezone(zone).date() < now.astimezone(zone).date()


def build_digest(
    meeting: Meeting,
    open_tasks: Sequence[Task],
    carried: Carried | None,
    now: datetime,
    tz_name: str,
    told: Mapping[int, datetime] | None = None,
) -> Digest | None:
    """The digest for ``meeting`` at ``now``, or ``None`` when there is nothing to say.

    ``told`` overrides tasks' stored ``told_at`` with later notices not yet written (a sweep that
    reminded someone a moment ago, in the same batch).
    """
    questions = carried.questions if carried is not None else ()
    if not open_tasks and not questions:
        return None
    told = told or {}
    agreed = {t.number for t in carried.tasks} if carried is not None else set()
    grouped: dict[int, list[DigestItem]] = {}
    for task in sorted(open_tasks, key=lambda t: (t.due_at, t.number)):
        item = DigestItem(task, past_due(task, now, tz_name), task.number in agreed)
        grouped.setdefault(task.assignee_id, []).append(item)
    dms: dict[int, tuple[DigestItem, ...]] = {}
    for owner, items in grouped.items():
        if owner == FORGOTTEN:
            continue
        fresh = tuple(i for i in items if not told_recently(latest(i.task.told_at, told.get(i.task.id)), now, tz_name))
        if fresh:
            dms[owner] = fresh
    return Digest(
        meeting=meeting,
        by_owner=tuple((owner, tuple(items)) for owner, items in grouped.items()),
        questions=tuple(questions),
        dms=dms,
    )
