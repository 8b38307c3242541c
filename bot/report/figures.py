"""The impact report's figures, computed from rows copbot already keeps. Pure: no Discord, no I/O.

Four questions from the study (Swaithes et al., 2023) and the rows that answer them:

* **Who comes?** Attendance by role per meeting (the main voice channel during ``/meeting start`` …
  ``/meeting end``), the share of lay members, new faces, and new faces who did not come again.
* **Is the room equal?** The anonymous check-in's "I felt able to say what I thought" and "I
  understood the discussion", by role, with exactly the rule ``/pulse results`` applies
  (:func:`bot.pulse.results.build_results`, ``pulse.min_group``): a check-in with fewer answers shows
  only its count, a role gets a line only with enough answers, smaller roles are merged, and a
  statement where some group all gave the same score is held back (no average, no gap). The gap
  between lay members and everyone else is taken only from lines that rule shows (everyone else is
  the union of the other shown lines, so it isolates nothing smaller).
* **Do things get done?** Tasks agreed during each meeting, how many were done by the next meeting
  (only where there has been a next meeting), and how many were overdue as each meeting began; by
  the role of the person doing them only for role groups of at least ``min_group`` people (the same
  partition rule, :func:`bot.pulse.results.role_partition`, applied to the people doing tasks).
* **Are questions heard?** Questions asked during each meeting, answered before it ended, carried
  forward, and "please explain" requests.

Nothing here names a person: member ids are only counted, never carried into a figure. Check-in
comments are left out (free text can name someone), and so are meeting titles (typed by
facilitators, they can too). Roles are members' roles now, not when the meeting was held.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.meeting_session import NO_ROLE
from bot.pulse.results import OTHER_ROLES, Answer, build_results, role_partition
from bot.roles import ROLE_KEYS, short_label
from bot.storage.meeting_sessions import MeetingSession
from bot.storage.report import ReportCheckIn, ReportQuestion, ReportTask

LAY = "lay"
#: A chart of fewer points than this says so instead of drawing a trend.
MIN_TREND_POINTS = 3
#: The two check-in statements the report follows (custom ids of :data:`bot.pulse.results.STATEMENTS`).
REPORT_STATEMENTS: tuple[tuple[str, str], ...] = (
    ("felt_able", "I felt able to say what I thought"),
    ("understood", "I understood the discussion"),
)
EVERYONE_ELSE = "Everyone else"


def role_name(key: str) -> str:
    """A role's short name for tables and charts ("No role yet" for members without one)."""
    return "No role yet" if key == NO_ROLE else short_label(key)


@dataclass(frozen=True, slots=True)
class MeetingRef:
    """One meeting as the report shows it: its ``#N`` and when it started and ended (no title)."""

    number: int
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    meeting: MeetingRef
    by_role: dict[str, int]
    total: int
    lay: int
    new_faces: int


@dataclass(frozen=True, slots=True)
class Attendance:
    rows: tuple[AttendanceRow, ...]
    roles: tuple[str, ...]
    #: Different people who came to at least one meeting of the span.
    people: int
    #: People whose first meeting ever was in the span and before its last meeting …
    new_before_last: int
    #: … and of them, those who came to no later meeting.
    came_once: int

    @property
    def attendances(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def lay_attendances(self) -> int:
        return sum(r.lay for r in self.rows)


@dataclass(frozen=True, slots=True)
class GroupLine:
    """One line ``/pulse results`` shows for a check-in: a group, its answers, its averages."""

    name: str
    role: str | None
    answers: int
    #: ``None`` for a statement whose numbers ``/pulse results`` holds back (a group all gave one score).
    means: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class Gap:
    """Lay members' average minus everyone else's, for one statement of one check-in."""

    lay: float
    others: float
    lay_answers: int
    other_answers: int

    @property
    def difference(self) -> float:
        return self.lay - self.others


@dataclass(frozen=True, slots=True)
class CheckInRow:
    meeting: MeetingRef
    #: ``None``: no check-in was sent after this meeting (or it has not closed yet).
    number: int | None
    invited: int
    answers: int
    #: Empty when fewer than ``min_group`` answered: then only the count is shown.
    lines: tuple[GroupLine, ...]
    merged_roles: tuple[str, ...]
    gaps: dict[str, Gap]

    @property
    def shown(self) -> bool:
        return bool(self.lines)

    def everyone(self) -> GroupLine | None:
        return self.lines[0] if self.lines else None

    def line_for(self, role: str) -> GroupLine | None:
        return next((line for line in self.lines if line.role == role), None)


@dataclass(frozen=True, slots=True)
class CheckIns:
    rows: tuple[CheckInRow, ...]
    min_group: int

    @property
    def sent(self) -> int:
        return sum(1 for r in self.rows if r.number is not None)

    @property
    def answers(self) -> int:
        return sum(r.answers for r in self.rows)

    @property
    def shown(self) -> tuple[CheckInRow, ...]:
        return tuple(r for r in self.rows if r.shown)


@dataclass(frozen=True, slots=True)
class TaskRow:
    meeting: MeetingRef
    agreed: int
    #: Done by the time the next meeting started; ``None`` while there has been no next meeting.
    done_by_next: int | None
    #: Done so far (for the last meeting, where there is no next one yet).
    done_so_far: int
    #: Tasks still open as the meeting began whose due date had passed, and all still open then.
    overdue_at_start: int
    open_at_start: int


@dataclass(frozen=True, slots=True)
class TaskRoleLine:
    """Tasks agreed in the span (with a next meeting) for one group of the people doing them."""

    name: str
    people: int
    tasks: int
    done_by_next: int


@dataclass(frozen=True, slots=True)
class Tasks:
    rows: tuple[TaskRow, ...]
    by_role: tuple[TaskRoleLine, ...]
    #: People doing tasks agreed in the span (with a next meeting): the by-role lines need ``min_group``.
    people: int
    min_group: int

    @property
    def agreed(self) -> int:
        return sum(r.agreed for r in self.rows)

    @property
    def with_next(self) -> tuple[TaskRow, ...]:
        return tuple(r for r in self.rows if r.done_by_next is not None)


@dataclass(frozen=True, slots=True)
class QuestionRow:
    meeting: MeetingRef
    asked: int
    explain: int
    answered_in_meeting: int
    carried: int
    answered_since: int


@dataclass(frozen=True, slots=True)
class Questions:
    rows: tuple[QuestionRow, ...]

    @property
    def asked(self) -> int:
        return sum(r.asked for r in self.rows)


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything the report shows; each part says what it counts."""

    community: str
    timezone: str
    made_at: datetime
    asked_for: int
    meetings: tuple[MeetingRef, ...]
    attendance: Attendance
    check_ins: CheckIns
    tasks: Tasks
    questions: Questions


def meeting_ref(session: MeetingSession) -> MeetingRef:
    return MeetingRef(session.number, session.started_at, session.ended_at or session.started_at)


def attendance_figures(
    meetings: Sequence[MeetingRef],
    attendees: Sequence[set[int]],
    roles: Mapping[int, str],
    seen_before: set[int],
) -> Attendance:
    """Attendance by role per meeting, new faces, and new faces who did not come again.

    ``attendees[i]`` is who came to ``meetings[i]``; ``seen_before`` who came to any earlier meeting.
    """
    rows: list[AttendanceRow] = []
    present: set[str] = set()
    seen = set(seen_before)
    first_in_span: dict[int, int] = {}
    last_in_span: dict[int, int] = {}
    for index, (meeting, people) in enumerate(zip(meetings, attendees, strict=True)):
        counts: dict[str, int] = {}
        for uid in people:
            key = roles.get(uid, NO_ROLE)
            counts[key] = counts.get(key, 0) + 1
            last_in_span[uid] = index
            if uid not in seen:
                first_in_span[uid] = index
        new = len(people - seen)
        seen |= people
        present |= {k for k, v in counts.items() if v}
        rows.append(AttendanceRow(meeting, counts, len(people), counts.get(LAY, 0), new))
    last = len(meetings) - 1
    new_before_last = [uid for uid, first in first_in_span.items() if first < last]
    came_once = sum(1 for uid in new_before_last if last_in_span[uid] == first_in_span[uid])
    order = [k for k in (*ROLE_KEYS, NO_ROLE) if k in present]
    return Attendance(tuple(rows), tuple(order), len(last_in_span), len(new_before_last), came_once)


def check_in_row(meeting: MeetingRef, check_in: ReportCheckIn | None, min_group: int) -> CheckInRow:
    """One meeting's check-in, through the very rule ``/pulse results`` applies (see the module docstring)."""
    if check_in is None:
        return CheckInRow(meeting, None, 0, 0, (), (), {})
    answers = [Answer(*values) for values in check_in.answers]
    results = build_results(answers, min_group)
    lines = tuple(
        GroupLine(
            role_name(group.role) if group.role else group.name,  # the short names the rest of the page uses
            group.role,
            group.count,
            {s.key: s.mean for s in group.statements if s.key in dict(REPORT_STATEMENTS)},
        )
        for group in results.lines()
    )
    gaps: dict[str, Gap] = {}
    everyone = lines[0] if lines else None
    lay = next((line for line in lines if line.role == LAY), None)
    if everyone is not None and lay is not None and everyone.answers > lay.answers:
        others = everyone.answers - lay.answers
        for key, _ in REPORT_STATEMENTS:
            whole, part = everyone.means[key], lay.means[key]
            if whole is None or part is None:  # held back: no gap is worked out from it either
                continue
            rest = (whole * everyone.answers - part * lay.answers) / others
            gaps[key] = Gap(part, rest, lay.answers, others)
    return CheckInRow(
        meeting, check_in.pulse.number, check_in.pulse.invited, results.total, lines, results.merged_roles, gaps
    )


def _done_by(task: ReportTask, when: datetime) -> bool:
    return task.status == "done" and task.closed_at is not None and task.closed_at <= when


def _open_at(task: ReportTask, when: datetime) -> bool:
    return task.created_at <= when and (task.closed_at is None or task.closed_at > when)


def task_figures(
    meetings: Sequence[MeetingRef],
    next_start: datetime | None,
    tasks: Sequence[ReportTask],
    roles: Mapping[int, str],
    min_group: int,
) -> Tasks:
    """Tasks agreed per meeting, done by the next one, overdue at each start; by role where allowed.

    ``next_start`` is when the meeting after the span's last one started (``None``: not yet).
    A task is "agreed during" a meeting when it was set between the meeting's start and end.
    """
    rows: list[TaskRow] = []
    counted: list[tuple[ReportTask, datetime]] = []  # tasks agreed in a meeting that has had a next one
    for index, meeting in enumerate(meetings):
        after = meetings[index + 1].started_at if index + 1 < len(meetings) else next_start
        agreed = [t for t in tasks if meeting.started_at <= t.created_at <= meeting.ended_at]
        if after is not None:
            counted.extend((t, after) for t in agreed)
        open_then = [t for t in tasks if _open_at(t, meeting.started_at)]
        rows.append(
            TaskRow(
                meeting=meeting,
                agreed=len(agreed),
                done_by_next=sum(1 for t in agreed if _done_by(t, after)) if after is not None else None,
                done_so_far=sum(1 for t in agreed if t.status == "done"),
                overdue_at_start=sum(1 for t in open_then if t.due_at < meeting.started_at),
                open_at_start=len(open_then),
            )
        )
    people = sorted({t.assignee_id for t, _ in counted})
    by_role: list[TaskRoleLine] = []
    if len(people) >= min_group:
        person_roles = [roles.get(uid) for uid in people]
        kept, rest = role_partition(person_roles, min_group)
        if kept:
            groups: list[tuple[str, set[int]]] = [
                (role_name(role), {uid for uid, r in zip(people, person_roles, strict=True) if r == role})
                for role in kept
            ]
            if rest:
                groups.append((OTHER_ROLES, {people[i] for i in rest}))
            for name, members in groups:
                mine = [(t, after) for t, after in counted if t.assignee_id in members]
                done = sum(1 for t, after in mine if _done_by(t, after))
                by_role.append(TaskRoleLine(name, len(members), len(mine), done))
    return Tasks(tuple(rows), tuple(by_role), len(people), min_group)


def question_figures(meetings: Sequence[MeetingRef], questions: Sequence[ReportQuestion]) -> Questions:
    """Questions asked during each meeting, answered before it ended, carried forward, "please explain"."""
    rows = []
    for meeting in meetings:
        mine = [q for q in questions if meeting.started_at <= q.created_at <= meeting.ended_at]
        answered = [q for q in mine if q.answered_at is not None and q.answered_at <= meeting.ended_at]
        carried = [q for q in mine if q.answered_at is None or q.answered_at > meeting.ended_at]
        rows.append(
            QuestionRow(
                meeting=meeting,
                asked=len(mine),
                explain=sum(1 for q in mine if q.kind == "explain"),
                answered_in_meeting=len(answered),
                carried=len(carried),
                answered_since=sum(1 for q in carried if q.status == "answered"),
            )
        )
    return Questions(tuple(rows))
