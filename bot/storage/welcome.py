"""The welcome's one memory in the database: each server's "Start here" post.

copbot keeps nothing about who was welcomed or how far they got. The welcome message in a member's own
direct messages is its memory: its buttons carry the step they lead to (so it carries on after a
restart), and finding it there is how copbot knows not to send it again (:mod:`cogs.welcome`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database


@dataclass(frozen=True, slots=True)
class StartHerePost:
    """The server's "Start here" post in its meeting channel (for newcomers whose DMs are closed)."""

    guild_id: int
    channel_id: int
    message_id: int
    posted_at: datetime


class WelcomeRepository:
    """Reads and writes :class:`StartHerePost` rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def start_here_post(self, guild_id: int) -> StartHerePost | None:
        """The server's current "Start here" post (``message_id`` 0 while it is being posted)."""
        row = await self._db.fetchone(
            "SELECT guild_id, channel_id, message_id, posted_at FROM welcome_posts WHERE guild_id = ?", (guild_id,)
        )
        if row is None:
            return None
        return StartHerePost(int(row[0]), int(row[1]), int(row[2]), datetime.fromisoformat(row[3]))

    async def claim_start_here(
        self, guild_id: int, channel_id: int, now: datetime, fresh_since: datetime
    ) -> tuple[bool, StartHerePost | None]:
        """Take the server's one "Start here" slot for a new post, unless the last post is newer than
        ``fresh_since``; returns whether it was taken and the post it replaces (to delete).

        One statement decides (an upsert whose update only happens for an older post), so two newcomers
        joining at once make one post, on either backend.
        """
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT guild_id, channel_id, message_id, posted_at FROM welcome_posts WHERE guild_id = ?", (guild_id,)
            )
            taken = await tx.execute(
                "INSERT INTO welcome_posts (guild_id, channel_id, message_id, posted_at) VALUES (?, ?, 0, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, message_id = 0,"
                " posted_at = excluded.posted_at WHERE welcome_posts.posted_at < ?",
                (guild_id, channel_id, now.isoformat(), fresh_since.isoformat()),
            )
        if taken != 1:
            return False, None
        if row is None or not int(row[2]):
            return True, None
        return True, StartHerePost(int(row[0]), int(row[1]), int(row[2]), datetime.fromisoformat(row[3]))

    async def set_start_here_message(self, guild_id: int, message_id: int) -> None:
        """The post was made: remember it, so the next one can replace it."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE welcome_posts SET message_id = ? WHERE guild_id = ?", (message_id, guild_id))
