"""Meetings scheduled with ``/meeting schedule``, numbered per server, with their digest reminders."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from bot.clock import utcnow
from bot.errors import NotFoundError
from bot.reminders.policy import PlannedReminder
from bot.storage.database import Database, Shards, shard_condition

_COLUMNS = "id, guild_id, number, title, starts_at, repeat, event_id, status, created_by, created_at"


@dataclass(frozen=True, slots=True)
class Meeting:
    """One meeting (for a repeating one: its next occurrence)."""

    id: int
    guild_id: int
    number: int
    title: str
    starts_at: datetime
    repeat: str
    event_id: int | None
    status: str
    created_by: int


def _meeting(row: sqlite3.Row) -> Meeting:
    return Meeting(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        number=int(row["number"]),
        title=str(row["title"]),
        starts_at=datetime.fromisoformat(row["starts_at"]),
        repeat=str(row["repeat"]),
        event_id=int(row["event_id"]) if row["event_id"] is not None else None,
        status=str(row["status"]),
        created_by=int(row["created_by"]),
    )


class MeetingRepository:
    """Reads and writes :class:`Meeting` rows and their digest reminders."""

    def __init__(self, db: Database, *, shards: Shards | None = None) -> None:
        """``shards``: only these shards' servers count for :meth:`started` and :meth:`next_start`
        (the scheduled roll-forward of a process that serves some shards)."""
        self._db = db
        self._shards = shards

    async def add(
        self, guild_id: int, title: str, starts_at: datetime, repeat: str, created_by: int, digest: PlannedReminder
    ) -> Meeting:
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT COALESCE(MAX(number), 0) + 1 FROM meetings WHERE guild_id = ?", (guild_id,))
            number = int(row[0]) if row else 1
            meeting_id = await tx.insert(
                "INSERT INTO meetings (guild_id, number, title, starts_at, repeat, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, number, title, starts_at.isoformat(), repeat, created_by, utcnow().isoformat()),
            )
            await tx.execute(
                "INSERT INTO reminders (guild_id, meeting_id, kind, due_at) VALUES (?, ?, ?, ?)",
                (guild_id, meeting_id, digest.kind, digest.at.isoformat()),
            )
            new = await tx.fetchone(f"SELECT {_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
        assert new is not None
        return _meeting(new)

    async def set_event(self, meeting_id: int, event_id: int | None) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE meetings SET event_id = ? WHERE id = ?", (event_id, meeting_id))

    async def get(self, guild_id: int, number: int) -> Meeting:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM meetings WHERE guild_id = ? AND number = ? AND status = 'scheduled'",
            (guild_id, number),
        )
        if row is None:
            raise NotFoundError(f"There is no upcoming meeting #{number}. `/next-meeting` shows what is planned.")
        return _meeting(row)

    async def by_id(self, meeting_id: int) -> Meeting | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
        return None if row is None else _meeting(row)

    async def by_ids(self, meeting_ids: Collection[int]) -> dict[int, Meeting]:
        """Several meetings in one query (a reminder sweep's batch), keyed by id."""
        if not meeting_ids:
            return {}
        marks = ", ".join("?" for _ in meeting_ids)
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM meetings WHERE id IN ({marks})", list(meeting_ids))
        return {int(r["id"]): _meeting(r) for r in rows}

    async def upcoming(self, guild_id: int) -> list[Meeting]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM meetings WHERE guild_id = ? AND status = 'scheduled' ORDER BY starts_at",
            (guild_id,),
        )
        return [_meeting(r) for r in rows]

    async def cancel(self, meeting_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE meetings SET status = 'cancelled' WHERE id = ?", (meeting_id,))
            await tx.execute("DELETE FROM reminders WHERE meeting_id = ? AND sent_at IS NULL", (meeting_id,))

    async def started(self, now: datetime) -> list[Meeting]:
        """Scheduled meetings whose start has passed: to roll forward or to close."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM meetings WHERE status = 'scheduled' AND starts_at <= ?"
            f"{shard_condition(self._shards, 'guild_id')} ORDER BY starts_at",
            (now.isoformat(),),
        )
        return [_meeting(r) for r in rows]

    async def next_start(self) -> datetime | None:
        row = await self._db.fetchone(
            "SELECT MIN(starts_at) FROM meetings WHERE status = 'scheduled'" + shard_condition(self._shards, "guild_id")
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def roll(
        self, meeting_id: int, read_starts_at: datetime, starts_at: datetime | None, digest: PlannedReminder | None
    ) -> Meeting | None:
        """Move a passed meeting to its next occurrence (with a new digest), or mark it past.

        Compare-and-set on ``read_starts_at``, the start time the caller read: if the row has moved on
        since (another sweep, or another process, rolled it already) nothing changes and ``None`` is
        returned, so the next occurrence, its digest and its Discord event are made exactly once.
        """
        async with self._db.transaction() as tx:
            guard = "id = ? AND status = 'scheduled' AND starts_at = ?"
            params = (meeting_id, read_starts_at.isoformat())
            if starts_at is None:
                changed = await tx.execute(f"UPDATE meetings SET status = 'past' WHERE {guard}", params)
            else:
                changed = await tx.execute(
                    f"UPDATE meetings SET starts_at = ?, event_id = NULL WHERE {guard}",
                    (starts_at.isoformat(), *params),
                )
            if changed == 0:
                return None
            await tx.execute("DELETE FROM reminders WHERE meeting_id = ? AND sent_at IS NULL", (meeting_id,))
            if digest is not None:
                row = await tx.fetchone("SELECT guild_id FROM meetings WHERE id = ?", (meeting_id,))
                assert row is not None
                await tx.execute(
                    "INSERT OR IGNORE INTO reminders (guild_id, meeting_id, kind, due_at) VALUES (?, ?, ?, ?)",
                    (int(row[0]), meeting_id, digest.kind, digest.at.isoformat()),
                )
            new = await tx.fetchone(f"SELECT {_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
        assert new is not None
        return _meeting(new)
