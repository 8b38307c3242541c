"""Members' stakeholder roles, per server."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.clock import utcnow
from bot.roles import is_role
from bot.storage.database import Database


@dataclass(frozen=True, slots=True)
class MemberProfile:
    """The stakeholder role one member chose (or was given) in one server."""

    guild_id: int
    user_id: int
    role: str


class MemberRepository:
    """Reads and writes :class:`MemberProfile` rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_role(self, guild_id: int, user_id: int, role: str) -> MemberProfile:
        """Record ``role`` for the member, replacing any earlier choice."""
        if not is_role(role):
            raise ValueError(f"Unknown stakeholder role {role!r}")
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO member_profiles (guild_id, user_id, role, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET role = excluded.role, updated_at = excluded.updated_at",
                (guild_id, user_id, role, utcnow().isoformat()),
            )
        return MemberProfile(guild_id, user_id, role)

    async def get_role(self, guild_id: int, user_id: int) -> str | None:
        row = await self._db.fetchone(
            "SELECT role FROM member_profiles WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return None if row is None else str(row[0])

    async def roles_for(self, guild_id: int, user_ids: Iterable[int] | None = None) -> dict[int, str]:
        """user id → role for the server (optionally only for ``user_ids``)."""
        rows = await self._db.fetchall("SELECT user_id, role FROM member_profiles WHERE guild_id = ?", (guild_id,))
        roles = {int(r[0]): str(r[1]) for r in rows}
        if user_ids is None:
            return roles
        wanted = set(user_ids)
        return {uid: role for uid, role in roles.items() if uid in wanted}
