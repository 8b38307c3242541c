"""The community's aims as they change, per server: every version, dated, with its reason.

No policy here (what valid aims are, who may change them, the starting text): that is :mod:`bot.aims`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.database import Database


@dataclass(frozen=True, slots=True)
class AimsVersion:
    """One change of the aims. ``changed_by`` is private (0 once that facilitator is forgotten)."""

    guild_id: int
    version: int
    aims: str
    reason: str
    meeting_number: int | None
    changed_by: int
    changed_at: datetime


_SELECT = "SELECT guild_id, version, aims, reason, meeting_number, changed_by, changed_at FROM community_aims"


def _version(row: Any) -> AimsVersion:
    return AimsVersion(
        int(row[0]),
        int(row[1]),
        str(row[2]),
        str(row[3]),
        int(row[4]) if row[4] is not None else None,
        int(row[5]),
        datetime.fromisoformat(row[6]),
    )


class AimsRepository:
    """Reads and appends :class:`AimsVersion` rows (a version is never changed once written)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def latest(self, guild_id: int) -> AimsVersion | None:
        row = await self._db.fetchone(f"{_SELECT} WHERE guild_id = ? ORDER BY version DESC LIMIT 1", (guild_id,))
        return None if row is None else _version(row)

    async def history(self, guild_id: int) -> list[AimsVersion]:
        """Every change, oldest first."""
        rows = await self._db.fetchall(f"{_SELECT} WHERE guild_id = ? ORDER BY version", (guild_id,))
        return [_version(r) for r in rows]

    async def append(
        self, guild_id: int, aims: str, reason: str, meeting_number: int | None, changed_by: int, now: datetime
    ) -> AimsVersion:
        """Add the next version, numbered after the last one in the same transaction."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT COALESCE(MAX(version), 0) FROM community_aims WHERE guild_id = ?", (guild_id,)
            )
            version = int(row[0]) + 1 if row else 1
            await tx.execute(
                "INSERT INTO community_aims (guild_id, version, aims, reason, meeting_number, changed_by, changed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, version, aims, reason, meeting_number, changed_by, now.isoformat()),
            )
        return AimsVersion(guild_id, version, aims, reason, meeting_number, changed_by, now)
