"""The welcome's memory: who was welcomed in which server and how far they got, and the "Start here" post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database

VIAS = ("dm", "channel", "command")


@dataclass(frozen=True, slots=True)
class WelcomeProgress:
    """One member's welcome in one server: the furthest step they were shown (1–5)."""

    guild_id: int
    user_id: int
    step: int
    sent_via: str
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class StartHerePost:
    """The server's "Start here" post in its meeting channel (for newcomers whose DMs are closed)."""

    guild_id: int
    channel_id: int
    message_id: int
    posted_at: datetime


class WelcomeRepository:
    """Reads and writes :class:`WelcomeProgress` and :class:`StartHerePost` rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, guild_id: int, user_id: int, via: str, now: datetime) -> bool:
        """Record that the member is being welcomed; ``False`` if they already were (then send nothing).

        The row is written before anything is sent, so a second join event (or a member who left and
        came back) never gets the welcome twice, even across a restart.
        """
        async with self._db.transaction() as tx:
            added = await tx.execute(
                "INSERT OR IGNORE INTO welcome_progress (guild_id, user_id, step, sent_via, started_at, updated_at)"
                " VALUES (?, ?, 1, ?, ?, ?)",
                (guild_id, user_id, via, now.isoformat(), now.isoformat()),
            )
        return added == 1

    async def set_via(self, guild_id: int, user_id: int, via: str) -> None:
        """How the join welcome reached them in the end (a direct message, or the "Start here" post)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE welcome_progress SET sent_via = ? WHERE guild_id = ? AND user_id = ?", (via, guild_id, user_id)
            )

    async def reached(self, guild_id: int, user_id: int, step: int, via: str, now: datetime) -> None:
        """The member was shown ``step``: keep the furthest step (a row is made for ``/welcome``)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT OR IGNORE INTO welcome_progress (guild_id, user_id, step, sent_via, started_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (guild_id, user_id, step, via, now.isoformat(), now.isoformat()),
            )
            await tx.execute(
                "UPDATE welcome_progress SET step = ?, updated_at = ? WHERE guild_id = ? AND user_id = ? AND step < ?",
                (step, now.isoformat(), guild_id, user_id, step),
            )

    async def finished(self, guild_id: int, user_id: int, now: datetime) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE welcome_progress SET step = 5, updated_at = ?, finished_at = COALESCE(finished_at, ?)"
                " WHERE guild_id = ? AND user_id = ?",
                (now.isoformat(), now.isoformat(), guild_id, user_id),
            )

    async def get(self, guild_id: int, user_id: int) -> WelcomeProgress | None:
        row = await self._db.fetchone(
            "SELECT guild_id, user_id, step, sent_via, started_at, updated_at, finished_at FROM welcome_progress"
            " WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        if row is None:
            return None
        return WelcomeProgress(
            int(row[0]),
            int(row[1]),
            int(row[2]),
            str(row[3]),
            datetime.fromisoformat(row[4]),
            datetime.fromisoformat(row[5]),
            datetime.fromisoformat(row[6]) if row[6] else None,
        )

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
