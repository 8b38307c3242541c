"""Meeting sessions (``/meeting start`` … ``/meeting end``), their attendance, and recap opt-outs.

Rows and typed objects only: what counts as "attended", who gets a recap and what goes in it is
decided in :mod:`bot.meeting_session`. The ``items_between`` readers fetch what happened in a
meeting's time window from the questions, tasks and breakouts tables, read-only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.errors import UserError
from bot.storage.backend import INTEGRITY_ERRORS
from bot.storage.database import Database

_COLUMNS = (
    "id, guild_id, number, meeting_id, title, status, started_at, ended_at, started_by,"
    " panel_channel_id, panel_message_id, recap_channel_id, recap_message_id, planned_at"
)

ALREADY_OPEN = "A meeting is already open here. End it with `/meeting end` before starting another."


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)
class MeetingSession:
    """One meeting as it was held: ``number`` is its per-server ``#N``."""

    id: int
    guild_id: int
    number: int
    meeting_id: int | None
    title: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    started_by: int
    panel_channel_id: int | None
    panel_message_id: int | None
    #: The planned occurrence this meeting is (its planned start), or ``None`` for one nobody planned.
    planned_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def held_on(self) -> datetime:
        """The date members know this meeting by: the planned start, however early or late it began."""
        return self.planned_at or self.started_at


@dataclass(frozen=True, slots=True)
class Stay:
    """One stay in the main voice channel during a meeting (``left_at`` is ``None`` while there)."""

    user_id: int
    joined_at: datetime
    left_at: datetime | None


@dataclass(frozen=True, slots=True)
class QuestionRow:
    number: int
    kind: str
    text: str
    status: str
    votes: int
    answer: str | None


@dataclass(frozen=True, slots=True)
class TaskRow:
    number: int
    description: str
    assignee_id: int
    due_at: datetime
    status: str


def _session(row: sqlite3.Row) -> MeetingSession:
    return MeetingSession(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        number=int(row["number"]),
        meeting_id=int(row["meeting_id"]) if row["meeting_id"] is not None else None,
        title=str(row["title"]),
        status=str(row["status"]),
        started_at=datetime.fromisoformat(row["started_at"]),
        ended_at=_dt(row["ended_at"]),
        started_by=int(row["started_by"]),
        panel_channel_id=int(row["panel_channel_id"]) if row["panel_channel_id"] is not None else None,
        panel_message_id=int(row["panel_message_id"]) if row["panel_message_id"] is not None else None,
        planned_at=_dt(row["planned_at"]),
    )


class MeetingSessionRepository:
    """Reads and writes :class:`MeetingSession` rows and their :class:`Stay` rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(
        self,
        guild_id: int,
        title: str,
        meeting_id: int | None,
        started_by: int,
        now: datetime,
        *,
        planned_at: datetime | None = None,
    ) -> MeetingSession:
        """A new open meeting (``planned_at``: the planned occurrence it is); refuses (one sentence)
        while another is open in the server."""
        try:
            async with self._db.transaction() as tx:
                row = await tx.fetchone(
                    "SELECT COALESCE(MAX(number), 0) + 1 FROM meeting_sessions WHERE guild_id = ?", (guild_id,)
                )
                number = int(row[0]) if row else 1
                new_id = await tx.insert(
                    "INSERT INTO meeting_sessions"
                    " (guild_id, number, meeting_id, title, started_at, started_by, planned_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        guild_id,
                        number,
                        meeting_id,
                        title,
                        now.isoformat(),
                        started_by,
                        planned_at.isoformat() if planned_at else None,
                    ),
                )
                new = await tx.fetchone(f"SELECT {_COLUMNS} FROM meeting_sessions WHERE id = ?", (new_id,))
        except INTEGRITY_ERRORS:
            raise UserError(ALREADY_OPEN) from None
        assert new is not None
        return _session(new)

    async def current(self, guild_id: int) -> MeetingSession | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM meeting_sessions WHERE guild_id = ? AND status = 'open'", (guild_id,)
        )
        return None if row is None else _session(row)

    async def all_open(self) -> list[MeetingSession]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM meeting_sessions WHERE status = 'open'")
        return [_session(r) for r in rows]

    async def by_number(self, guild_id: int, number: int) -> MeetingSession | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM meeting_sessions WHERE guild_id = ? AND number = ?", (guild_id, number)
        )
        return None if row is None else _session(row)

    async def last_closed(self, guild_id: int) -> MeetingSession | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM meeting_sessions WHERE guild_id = ? AND status = 'closed'"
            " ORDER BY number DESC LIMIT 1",
            (guild_id,),
        )
        return None if row is None else _session(row)

    async def recent_closed(self, guild_id: int, limit: int) -> list[MeetingSession]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM meeting_sessions WHERE guild_id = ? AND status = 'closed'"
            " ORDER BY number DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_session(r) for r in reversed(rows)]

    async def set_panel(self, session_id: int, channel_id: int, message_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE meeting_sessions SET panel_channel_id = ?, panel_message_id = ? WHERE id = ?",
                (channel_id, message_id, session_id),
            )

    async def close(self, session_id: int, now: datetime) -> MeetingSession | None:
        """Close an open meeting and end every stay still running; ``None`` if it was already closed."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE meeting_sessions SET status = 'closed', ended_at = ? WHERE id = ? AND status = 'open'",
                (now.isoformat(), session_id),
            )
            if changed == 0:
                return None
            await tx.execute(
                "UPDATE meeting_attendance SET left_at = ? WHERE session_id = ? AND left_at IS NULL",
                (now.isoformat(), session_id),
            )
            row = await tx.fetchone(f"SELECT {_COLUMNS} FROM meeting_sessions WHERE id = ?", (session_id,))
        assert row is not None
        return _session(row)

    async def set_recap(self, session_id: int, channel_id: int, message_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE meeting_sessions SET recap_channel_id = ?, recap_message_id = ? WHERE id = ?",
                (channel_id, message_id, session_id),
            )

    # -- attendance -----------------------------------------------------------------------------

    async def joined(self, guild_id: int, session_id: int, user_id: int, now: datetime) -> bool:
        """Start a stay unless one is running; True if a new one began.

        One statement in autocommit (one round trip, as atomic as a transaction): this runs on every
        voice join during a meeting."""
        changed = await self._db.execute(
            "INSERT OR IGNORE INTO meeting_attendance (guild_id, session_id, user_id, joined_at) VALUES (?, ?, ?, ?)",
            (guild_id, session_id, user_id, now.isoformat()),
        )
        return changed > 0

    async def left(self, session_id: int, user_id: int, now: datetime) -> bool:
        """End the member's running stay (one autocommit statement, as :meth:`joined`)."""
        changed = await self._db.execute(
            "UPDATE meeting_attendance SET left_at = ? WHERE session_id = ? AND user_id = ? AND left_at IS NULL",
            (now.isoformat(), session_id, user_id),
        )
        return changed > 0

    async def present(self, session_id: int) -> set[int]:
        rows = await self._db.fetchall(
            "SELECT user_id FROM meeting_attendance WHERE session_id = ? AND left_at IS NULL", (session_id,)
        )
        return {int(r[0]) for r in rows}

    async def stays(self, session_id: int) -> list[Stay]:
        rows = await self._db.fetchall(
            "SELECT user_id, joined_at, left_at FROM meeting_attendance WHERE session_id = ? ORDER BY id",
            (session_id,),
        )
        return [Stay(int(r[0]), datetime.fromisoformat(r[1]), _dt(r[2])) for r in rows]

    async def attendees_by_session(self, session_ids: Iterable[int]) -> dict[int, set[int]]:
        ids = list(session_ids)
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self._db.fetchall(
            f"SELECT DISTINCT session_id, user_id FROM meeting_attendance WHERE session_id IN ({marks})", ids
        )
        out: dict[int, set[int]] = {i: set() for i in ids}
        for row in rows:
            out[int(row[0])].add(int(row[1]))
        return out

    # -- recap opt-outs -------------------------------------------------------------------------

    async def set_recaps(self, guild_id: int, user_id: int, wanted: bool, now: datetime) -> None:
        async with self._db.transaction() as tx:
            if wanted:
                await tx.execute("DELETE FROM recap_opt_outs WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
            else:
                await tx.execute(
                    "INSERT OR IGNORE INTO recap_opt_outs (guild_id, user_id, created_at) VALUES (?, ?, ?)",
                    (guild_id, user_id, now.isoformat()),
                )

    async def opted_out(self, guild_id: int) -> set[int]:
        rows = await self._db.fetchall("SELECT user_id FROM recap_opt_outs WHERE guild_id = ?", (guild_id,))
        return {int(r[0]) for r in rows}

    # -- what happened in a meeting's window ----------------------------------------------------

    async def questions_between(self, guild_id: int, start: datetime, end: datetime) -> list[QuestionRow]:
        """Posted questions asked in the window (never pending or rejected ones), by number."""
        rows = await self._db.fetchall(
            "SELECT q.number, q.kind, q.text, q.status,"
            " COALESCE(q.kept_votes, (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = q.id)) AS votes,"
            " (SELECT a.text FROM question_answers a WHERE a.question_id = q.id) AS answer"
            " FROM questions q WHERE q.guild_id = ? AND q.number IS NOT NULL"
            " AND q.status IN ('open', 'answered') AND q.created_at >= ? AND q.created_at <= ?"
            " ORDER BY q.number",
            (guild_id, start.isoformat(), end.isoformat()),
        )
        return [
            QuestionRow(int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), str(r[5]) if r[5] else None)
            for r in rows
        ]

    async def tasks_between(self, guild_id: int, start: datetime, end: datetime) -> list[TaskRow]:
        rows = await self._db.fetchall(
            "SELECT number, description, assignee_id, due_at, status FROM tasks WHERE guild_id = ?"
            " AND status != 'removed' AND created_at >= ? AND created_at <= ? ORDER BY number",
            (guild_id, start.isoformat(), end.isoformat()),
        )
        return [TaskRow(int(r[0]), str(r[1]), int(r[2]), datetime.fromisoformat(r[3]), str(r[4])) for r in rows]

    async def breakout_groups_between(self, guild_id: int, start: datetime, end: datetime) -> list[list[list[int]]]:
        """Each breakout opened in the window: its groups as lists of member ids."""
        rows = await self._db.fetchall(
            "SELECT groups_json FROM breakout_sessions WHERE guild_id = ? AND opened_at IS NOT NULL"
            " AND opened_at >= ? AND opened_at <= ? ORDER BY id",
            (guild_id, start.isoformat(), end.isoformat()),
        )
        out: list[list[list[int]]] = []
        for row in rows:
            groups = json.loads(row[0])
            out.append([[int(m["id"]) for m in group] for group in groups])
        return out
