"""Read-only rows for the impact report (``/meeting report``, ``copbot report``).

Rows only, read in a handful of statements whatever the span (so a report of 50 meetings and
thousands of tasks stays quick): the meetings held, who attended each, the tasks and questions of
the span, and the closed check-ins that followed those meetings. What the figures are, and what may
be shown, is decided in :mod:`bot.report`. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database
from bot.storage.meeting_sessions import MeetingSession, MeetingSessionRepository
from bot.storage.pulses import AnswerValues, Pulse, PulseRepository


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)
class ReportTask:
    """A task as the report needs it: when it was set, due and closed, and who does it (for the role)."""

    created_at: datetime
    due_at: datetime
    status: str
    closed_at: datetime | None
    assignee_id: int


@dataclass(frozen=True, slots=True)
class ReportQuestion:
    """A posted question (``kind`` ``question`` or ``explain``): when it was asked and answered. No text."""

    kind: str
    status: str
    created_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReportCheckIn:
    """A closed check-in that followed one meeting, with its anonymous answers."""

    pulse: Pulse
    answers: tuple[AnswerValues, ...]


class ReportRepository:
    """The reads behind one impact report (see the module docstring)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._sessions = MeetingSessionRepository(db)
        self._pulses = PulseRepository(db)

    async def guilds_with_meetings(self) -> dict[int, int]:
        """Server id → how many meetings it has held (for ``copbot report`` on a shared database)."""
        rows = await self._db.fetchall(
            "SELECT guild_id, COUNT(*) FROM meeting_sessions WHERE status = 'closed' GROUP BY guild_id"
        )
        return {int(r[0]): int(r[1]) for r in rows}

    async def meetings(self, guild_id: int, last: int) -> list[MeetingSession]:
        """The ``last`` meetings held (closed), oldest first."""
        return await self._sessions.recent_closed(guild_id, last)

    async def next_start(self, guild_id: int, number: int) -> datetime | None:
        """When the meeting after ``#number`` started (open or closed), if one has."""
        row = await self._db.fetchone(
            "SELECT started_at FROM meeting_sessions WHERE guild_id = ? AND number > ? ORDER BY number LIMIT 1",
            (guild_id, number),
        )
        return _dt(row[0]) if row else None

    async def attendees(self, session_ids: Sequence[int]) -> dict[int, set[int]]:
        """Session id → the members recorded in its main voice channel."""
        return await self._sessions.attendees_by_session(session_ids)

    async def earlier_attendees(self, guild_id: int, before_number: int) -> set[int]:
        """Members who attended any meeting numbered below ``before_number`` (to tell new faces)."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT a.user_id FROM meeting_attendance a JOIN meeting_sessions s ON s.id = a.session_id"
            " WHERE s.guild_id = ? AND s.number < ?",
            (guild_id, before_number),
        )
        return {int(r[0]) for r in rows}

    async def tasks(self, guild_id: int, until: datetime) -> list[ReportTask]:
        """Every task set up to ``until`` and not removed (removed tasks were never meant to be done)."""
        rows = await self._db.fetchall(
            "SELECT created_at, due_at, status, closed_at, assignee_id FROM tasks"
            " WHERE guild_id = ? AND status != 'removed' AND created_at <= ?",
            (guild_id, until.isoformat()),
        )
        return [
            ReportTask(datetime.fromisoformat(r[0]), datetime.fromisoformat(r[1]), str(r[2]), _dt(r[3]), int(r[4]))
            for r in rows
        ]

    async def questions(self, guild_id: int, since: datetime, until: datetime) -> list[ReportQuestion]:
        """Posted questions asked in ``[since, until]`` that were not removed (as the recap counts them)."""
        rows = await self._db.fetchall(
            "SELECT kind, status, created_at, answered_at FROM questions WHERE guild_id = ?"
            " AND number IS NOT NULL AND status IN ('open', 'answered') AND created_at >= ? AND created_at <= ?",
            (guild_id, since.isoformat(), until.isoformat()),
        )
        return [ReportQuestion(str(r[0]), str(r[1]), datetime.fromisoformat(r[2]), _dt(r[3])) for r in rows]

    async def check_ins(self, session_ids: Sequence[int]) -> dict[int, ReportCheckIn]:
        """Session id → its closed check-in and answers. Open check-ins are left out: their results
        are not shown until they close (see :mod:`bot.pulse.results`)."""
        ids = list(session_ids)
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self._db.fetchall(
            f"SELECT id FROM pulses WHERE status = 'closed' AND session_id IN ({marks})", ids
        )
        found = [p for p in [await self._pulses.get(int(r[0])) for r in rows] if p is not None]
        answers = await self._pulses.answers_for([p.id for p in found])
        return {p.session_id: ReportCheckIn(p, tuple(answers.get(p.id, ()))) for p in found if p.session_id is not None}
