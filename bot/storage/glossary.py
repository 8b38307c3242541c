"""The community's glossary, per server: terms, their plain-language meanings, and how often each is read.

No policy here (what a valid term is, who may write, what to say): that is :mod:`bot.glossary`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.errors import NotFoundError
from bot.storage.database import Database, Transaction


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """One term and its meaning. ``number`` is its per-server number (what buttons carry; the row ``id``
    counts across servers and is never shown). ``written_by`` is private (0: starter words, or forgotten)."""

    id: int
    guild_id: int
    number: int
    term: str
    meaning: str
    written_by: int
    question_number: int | None
    lookups: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A term to add: its display form, its key (for uniqueness) and its meaning."""

    term: str
    key: str
    meaning: str


_SELECT = (
    "SELECT id, guild_id, number, term, meaning, written_by, question_number, lookups, created_at, updated_at"
    " FROM glossary_terms"
)


def _entry(row: Any) -> GlossaryEntry:
    return GlossaryEntry(
        int(row[0]),
        int(row[1]),
        int(row[2]),
        str(row[3]),
        str(row[4]),
        int(row[5]),
        int(row[6]) if row[6] is not None else None,
        int(row[7]),
        datetime.fromisoformat(row[8]),
        datetime.fromisoformat(row[9]),
    )


async def _next_number(tx: Transaction, guild_id: int) -> int:
    """The server's next word number, never given before (kept in ``glossary_servers``)."""
    await tx.execute("UPDATE glossary_servers SET last_number = last_number + 1 WHERE guild_id = ?", (guild_id,))
    row = await tx.fetchone("SELECT last_number FROM glossary_servers WHERE guild_id = ?", (guild_id,))
    if row is None:
        raise RuntimeError("a server's glossary is started before a word is added to it")
    return int(row[0])


class GlossaryRepository:
    """Reads and writes :class:`GlossaryEntry` rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_started(self, guild_id: int) -> bool:
        return await self._db.fetchone("SELECT 1 FROM glossary_servers WHERE guild_id = ?", (guild_id,)) is not None

    async def start(self, guild_id: int, starter: Iterable[NewEntry], now: datetime) -> bool:
        """Give a server its starter words, once ever (``False`` if it already had them)."""
        async with self._db.transaction() as tx:
            if not await tx.execute(
                "INSERT OR IGNORE INTO glossary_servers (guild_id, started_at) VALUES (?, ?)",
                (guild_id, now.isoformat()),
            ):
                return False
            entries = list(starter)
            await tx.executemany(
                "INSERT OR IGNORE INTO glossary_terms (guild_id, number, term, term_key, meaning, written_by,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                [
                    (guild_id, number, e.term, e.key, e.meaning, now.isoformat(), now.isoformat())
                    for number, e in enumerate(entries, start=1)
                ],
            )
            await tx.execute("UPDATE glossary_servers SET last_number = ? WHERE guild_id = ?", (len(entries), guild_id))
        return True

    async def all(self, guild_id: int) -> list[GlossaryEntry]:
        """Every entry, in alphabetical order of its key."""
        rows = await self._db.fetchall(f"{_SELECT} WHERE guild_id = ? ORDER BY term_key", (guild_id,))
        return [_entry(r) for r in rows]

    async def count(self, guild_id: int) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM glossary_terms WHERE guild_id = ?", (guild_id,))
        return int(row[0]) if row else 0

    async def by_key(self, guild_id: int, key: str) -> GlossaryEntry | None:
        row = await self._db.fetchone(f"{_SELECT} WHERE guild_id = ? AND term_key = ?", (guild_id, key))
        return None if row is None else _entry(row)

    async def get(self, guild_id: int, number: int) -> GlossaryEntry:
        """The server's word number ``number``."""
        row = await self._db.fetchone(f"{_SELECT} WHERE guild_id = ? AND number = ?", (guild_id, number))
        if row is None:
            raise NotFoundError("That word is not in the glossary any more.")
        return _entry(row)

    async def most_read(self, guild_id: int, limit: int) -> list[GlossaryEntry]:
        """The entries read most often (ties: the oldest first, so starter words keep their order)."""
        rows = await self._db.fetchall(
            f"{_SELECT} WHERE guild_id = ? ORDER BY lookups DESC, number LIMIT ?", (guild_id, limit)
        )
        return [_entry(r) for r in rows]

    async def changed_between(self, guild_id: int, start: datetime, end: datetime) -> list[GlossaryEntry]:
        """Entries added or changed in the window (for a meeting's recap), alphabetically; starter words
        copied in during the window (and not touched since) are not news, so they are left out."""
        rows = await self._db.fetchall(
            f"{_SELECT} WHERE guild_id = ? AND updated_at >= ? AND updated_at <= ? AND updated_at NOT IN"
            " (SELECT started_at FROM glossary_servers s WHERE s.guild_id = glossary_terms.guild_id)"
            " ORDER BY term_key",
            (guild_id, start.isoformat(), end.isoformat()),
        )
        return [_entry(r) for r in rows]

    async def add(
        self, guild_id: int, entry: NewEntry, written_by: int, now: datetime, *, question_number: int | None = None
    ) -> GlossaryEntry | None:
        """Add an entry; ``None`` if the server already has one with that key (nothing is written)."""
        async with self._db.transaction() as tx:
            if await tx.fetchone(
                "SELECT 1 FROM glossary_terms WHERE guild_id = ? AND term_key = ?", (guild_id, entry.key)
            ):
                return None
            added = await tx.execute(
                "INSERT OR IGNORE INTO glossary_terms (guild_id, number, term, term_key, meaning, written_by,"
                " question_number, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    guild_id,
                    await _next_number(tx, guild_id),
                    entry.term,
                    entry.key,
                    entry.meaning,
                    written_by,
                    question_number,
                    now.isoformat(),
                    now.isoformat(),
                ),
            )
            if not added:
                return None
            row = await tx.fetchone(f"{_SELECT} WHERE guild_id = ? AND term_key = ?", (guild_id, entry.key))
        assert row is not None
        return _entry(row)

    async def change(
        self, guild_id: int, number: int, entry: NewEntry, written_by: int, now: datetime
    ) -> GlossaryEntry | None:
        """Rewrite word ``number`` (its term may change); ``None`` if another word already has the new key."""
        async with self._db.transaction() as tx:
            clash = await tx.fetchone(
                "SELECT 1 FROM glossary_terms WHERE guild_id = ? AND term_key = ? AND number != ?",
                (guild_id, entry.key, number),
            )
            if clash is not None:
                return None
            changed = await tx.execute(
                "UPDATE glossary_terms SET term = ?, term_key = ?, meaning = ?, written_by = ?, updated_at = ?"
                " WHERE guild_id = ? AND number = ?",
                (entry.term, entry.key, entry.meaning, written_by, now.isoformat(), guild_id, number),
            )
            if not changed:
                raise NotFoundError("Nothing was saved: that word is not in the glossary any more.")
            row = await tx.fetchone(f"{_SELECT} WHERE guild_id = ? AND number = ?", (guild_id, number))
        assert row is not None
        return _entry(row)

    async def remove(self, guild_id: int, key: str) -> GlossaryEntry | None:
        """Delete the entry with ``key``; the entry as it was, or ``None`` if there was none."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(f"{_SELECT} WHERE guild_id = ? AND term_key = ?", (guild_id, key))
            if row is None:
                return None
            await tx.execute("DELETE FROM glossary_terms WHERE guild_id = ? AND id = ?", (guild_id, int(row[0])))
        return _entry(row)

    async def count_lookup(self, guild_id: int, number: int) -> None:
        """Someone read word ``number`` (so the welcome can show the words read most)."""
        await self._db.execute(
            "UPDATE glossary_terms SET lookups = lookups + 1 WHERE guild_id = ? AND number = ?", (guild_id, number)
        )
