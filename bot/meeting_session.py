"""The meeting itself: open and close it, count who is in the main voice channel, build the recap.

No Discord here. The cog tells the service about voice joins and leaves (and, on start-up, who it
sees in the channel); the service keeps the open meetings' ids in memory so a voice event costs
one small write, and builds a :class:`Recap` of what fell inside the meeting: attendance by role,
questions with their status and written answers, tasks agreed, breakout groups, and the open
questions carried to the next meeting. Rendering for Discord stays in the cog.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import NotFoundError, UserError
from bot.roles import ROLE_KEYS
from bot.storage.glossary import GlossaryEntry, GlossaryRepository
from bot.storage.meeting_sessions import MeetingSession, MeetingSessionRepository, QuestionRow, Stay, TaskRow
from bot.storage.meetings import MeetingRepository
from bot.storage.members import MemberRepository

#: ``/meeting start`` without an id runs the scheduled meeting that starts within this window.
START_WINDOW = timedelta(hours=2)
#: …or one that began this recently (someone is a little late pressing start). The reminder sweep
#: rolls a meeting to its next occurrence only this long after its start, so the occurrence that was
#: due is still there to be found (:mod:`bot.reminders.service`).
LATE_START = timedelta(hours=1)
#: New posts copbot makes in the meeting channel for one meeting, whatever the number of people: the
#: members' start post, the speaking round's one message (edited for each turn), and the recap's head
#: (the recap itself is in a thread). See :func:`meeting_channel_posts`.
MEETING_POSTS = 3
NO_ROLE = "none"
NOT_OPEN = "No meeting is open here. Start one with `/meeting start`."


@dataclass(frozen=True, slots=True)
class Recap:
    """Everything the recap shows about one meeting."""

    session: MeetingSession
    attendees: frozenset[int]
    minutes: dict[int, int]
    by_role: dict[str, list[int]]
    questions: tuple[QuestionRow, ...]
    tasks: tuple[TaskRow, ...]
    breakouts: tuple[tuple[tuple[int, ...], ...], ...]
    carried: tuple[QuestionRow, ...]
    show_names: bool
    #: Glossary words added or changed during the meeting: "explained at the meeting".
    terms: tuple[GlossaryEntry, ...] = ()

    @property
    def attendance_count(self) -> int:
        return len(self.attendees)


@dataclass(frozen=True, slots=True)
class Carried:
    """What the last meeting hands to the next one's digest."""

    session: MeetingSession
    questions: tuple[QuestionRow, ...]
    tasks: tuple[TaskRow, ...]


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    """One past meeting's attendance by role (for ``/meeting attendance``)."""

    session: MeetingSession
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def minutes_attended(stays: Iterable[Stay], end: datetime) -> dict[int, int]:
    """Whole minutes each member spent in the channel (a stay still running counts up to ``end``)."""
    seconds: dict[int, float] = {}
    for stay in stays:
        until = stay.left_at or end
        seconds[stay.user_id] = seconds.get(stay.user_id, 0.0) + max((until - stay.joined_at).total_seconds(), 0.0)
    return {uid: int(s // 60) for uid, s in seconds.items()}


def by_role(attendees: Iterable[int], roles: dict[int, str]) -> dict[str, list[int]]:
    """Attendees grouped by stakeholder role, in the roles' order; members without one under ``none``."""
    out: dict[str, list[int]] = {}
    for uid in sorted(attendees):
        out.setdefault(roles.get(uid, NO_ROLE), []).append(uid)
    order = {key: i for i, key in enumerate((*ROLE_KEYS, NO_ROLE))}
    return dict(sorted(out.items(), key=lambda item: order.get(item[0], len(order))))


def meeting_channel_posts(people: int, questions: int = 0, tasks: int = 0) -> int:
    """The budget: the most new posts copbot makes in the meeting channel for one meeting.

    It does not grow with ``people``: a speaking round is one message edited in place (each speaker
    pinged once, when it begins), facilitators' notes go to them privately or to their panel, and
    recaps for those who missed the meeting go by DM (a mention under the recap only for closed DMs, up
    to 100 people a post). On top of it, each thing someone asks copbot to post there is one post of
    its own: an anonymous question (where the questions channel is the meeting channel), a task set
    with ``/task add`` in the channel (everyone sees what was agreed).
    """
    del people  # the point: the count does not depend on it
    return MEETING_POSTS + questions + tasks


def default_title(now: datetime, tz_name: str) -> str:
    """An unscheduled meeting is titled by its date in the server's timezone."""
    local = now.astimezone(ZoneInfo(tz_name))
    return f"Meeting on {local.day} {local.strftime('%B %Y')}"


def is_this_occurrence(planned_start: datetime, now: datetime) -> bool:
    """Whether a meeting started at ``now`` is the occurrence planned for ``planned_start``: up to
    :data:`START_WINDOW` early, or up to :data:`LATE_START` late."""
    return now - LATE_START <= planned_start <= now + START_WINDOW


class MeetingSessionService:
    """Open and close meetings, keep attendance, build recaps (see the module docstring)."""

    def __init__(
        self,
        sessions: MeetingSessionRepository,
        meetings: MeetingRepository,
        members: MemberRepository,
        *,
        recap_names: bool,
        max_hours: int,
        glossary: GlossaryRepository | None = None,
    ) -> None:
        self.sessions = sessions
        self.glossary = glossary
        self.meetings = meetings
        self.members = members
        self.recap_names = recap_names
        self.max_hours = max_hours
        self._open: dict[int, int] = {}  # guild id → open session id

    async def load(self) -> list[MeetingSession]:
        """Remember the open meetings (after a restart); returns them."""
        found = await self.sessions.all_open()
        self._open = {s.guild_id: s.id for s in found}
        return found

    def is_open(self, guild_id: int) -> bool:
        """Whether a meeting is open in the server (from memory: no database read)."""
        return guild_id in self._open

    def closes_at(self, session: MeetingSession) -> datetime:
        return session.started_at + timedelta(hours=self.max_hours)

    async def current(self, guild_id: int) -> MeetingSession | None:
        return await self.sessions.current(guild_id)

    async def require_current(self, guild_id: int) -> MeetingSession:
        session = await self.sessions.current(guild_id)
        if session is None:
            raise UserError(NOT_OPEN)
        return session

    async def start(
        self,
        guild_id: int,
        started_by: int,
        now: datetime,
        tz_name: str,
        *,
        meeting_number: int | None = None,
        present: Iterable[int] = (),
    ) -> MeetingSession:
        """Open a meeting: the scheduled one asked for (or the one due now), else one titled by date.

        A meeting started up to :data:`START_WINDOW` before or :data:`LATE_START` after a planned
        occurrence *is* that occurrence: its title, and its planned date (``planned_at``) wherever it
        is named, so members see the meeting they were told about."""
        if await self.sessions.current(guild_id) is not None:
            raise UserError("A meeting is already open here. End it with `/meeting end` before starting another.")
        meeting_id: int | None = None
        planned_at: datetime | None = None
        title = default_title(now, tz_name)
        if meeting_number is not None:
            planned = await self.meetings.get(guild_id, meeting_number)
            meeting_id, title = planned.id, planned.title
            if is_this_occurrence(planned.starts_at, now):
                planned_at = planned.starts_at
        else:
            for planned in await self.meetings.upcoming(guild_id):
                if is_this_occurrence(planned.starts_at, now):
                    meeting_id, title, planned_at = planned.id, planned.title, planned.starts_at
                    break
        session = await self.sessions.open(guild_id, title, meeting_id, started_by, now, planned_at=planned_at)
        self._open[guild_id] = session.id
        for user_id in present:
            await self.sessions.joined(guild_id, session.id, user_id, now)
        return session

    async def voice_moved(self, guild_id: int, user_id: int, *, was_in: bool, now_in: bool, now: datetime) -> None:
        """A member joined (``now_in``) or left (``was_in``) the main voice channel."""
        session_id = self._open.get(guild_id)
        if session_id is None or was_in == now_in:
            return
        if now_in:
            await self.sessions.joined(guild_id, session_id, user_id, now)
        else:
            await self.sessions.left(session_id, user_id, now)

    async def resync(self, session: MeetingSession, present: set[int], now: datetime) -> None:
        """After a restart: end the stays of people who left while copbot was away, start the new ones."""
        recorded = await self.sessions.present(session.id)
        for user_id in recorded - present:
            await self.sessions.left(session.id, user_id, now)
        for user_id in present - recorded:
            await self.sessions.joined(session.guild_id, session.id, user_id, now)

    async def set_panel(self, session: MeetingSession, channel_id: int, message_id: int) -> None:
        await self.sessions.set_panel(session.id, channel_id, message_id)

    async def end(self, guild_id: int, now: datetime, *, session_number: int | None = None) -> Recap:
        """Close the open meeting (``session_number``: only if it is still that one) and build its recap."""
        session = await self.sessions.current(guild_id)
        if session is None or (session_number is not None and session.number != session_number):
            raise UserError("That meeting has already ended.")
        closed = await self.sessions.close(session.id, now)
        self._open.pop(guild_id, None)
        if closed is None:
            raise UserError("That meeting has already ended.")
        return await self.recap(closed)

    async def recap(self, session: MeetingSession) -> Recap:
        end = session.ended_at or session.started_at
        stays = await self.sessions.stays(session.id)
        minutes = minutes_attended(stays, end)
        attendees = frozenset(minutes)
        roles = await self.members.roles_for(session.guild_id)
        questions = await self.sessions.questions_between(session.guild_id, session.started_at, end)
        tasks = await self.sessions.tasks_between(session.guild_id, session.started_at, end)
        groups = await self.sessions.breakout_groups_between(session.guild_id, session.started_at, end)
        terms = await self.glossary.changed_between(session.guild_id, session.started_at, end) if self.glossary else []
        return Recap(
            session=session,
            attendees=attendees,
            minutes=minutes,
            by_role=by_role(attendees, roles),
            questions=tuple(questions),
            tasks=tuple(tasks),
            breakouts=tuple(tuple(tuple(g) for g in groups_) for groups_ in groups),
            carried=tuple(q for q in questions if q.status == "open"),
            show_names=self.recap_names,
            terms=tuple(terms),
        )

    async def recap_recipients(self, recap: Recap, members_here: set[int]) -> list[int]:
        """Members with a role, still in the server, who did not attend and did not turn recaps off."""
        roles = await self.members.roles_for(recap.session.guild_id)
        opted_out = await self.sessions.opted_out(recap.session.guild_id)
        return sorted(
            uid for uid in roles if uid in members_here and uid not in recap.attendees and uid not in opted_out
        )

    async def set_recaps(self, guild_id: int, user_id: int, wanted: bool, now: datetime) -> None:
        await self.sessions.set_recaps(guild_id, user_id, wanted, now)

    async def carried(self, guild_id: int) -> Carried | None:
        """The last meeting's questions still open and its tasks still open, for the next digest."""
        last = await self.sessions.last_closed(guild_id)
        if last is None or last.ended_at is None:
            return None
        questions = await self.sessions.questions_between(guild_id, last.started_at, last.ended_at)
        tasks = await self.sessions.tasks_between(guild_id, last.started_at, last.ended_at)
        return Carried(
            last,
            tuple(q for q in questions if q.status == "open"),
            tuple(t for t in tasks if t.status == "open"),
        )

    async def recent_attendance(self, guild_id: int, last: int) -> list[set[int]]:
        """Who came to each of the ``last`` closed meetings, oldest first (empty when none was held with
        ``/meeting start``): the breakout planner weighs people by how often they come."""
        found = await self.sessions.recent_closed(guild_id, last)
        attendees = await self.sessions.attendees_by_session(s.id for s in found)
        return [attendees.get(s.id, set()) for s in found]

    async def attendance_history(self, guild_id: int, last: int) -> list[AttendanceRow]:
        """Attendance by role for the ``last`` closed meetings, oldest first."""
        if not 1 <= last <= 50:
            raise UserError("Please choose between 1 and 50 meetings.")
        found = await self.sessions.recent_closed(guild_id, last)
        if not found:
            raise NotFoundError(
                "No meeting has been held with `/meeting start` yet, so there is no attendance to show."
            )
        attendees = await self.sessions.attendees_by_session(s.id for s in found)
        roles = await self.members.roles_for(guild_id)
        rows = []
        for session in found:
            grouped = by_role(attendees.get(session.id, set()), roles)
            rows.append(AttendanceRow(session, {k: len(v) for k, v in grouped.items()}))
        return rows
