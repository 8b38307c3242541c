"""Check-ins (``/pulse``), who was asked, and the anonymous answers.

Rows only; what may be shown is decided in :mod:`bot.pulse.results` and when answers are written in
:mod:`bot.pulse.service`. There is deliberately no column or parameter for who answered: an answer
arrives here with no member, and is written with a random 16-byte key in a ``WITHOUT ROWID`` table
so that neither a rowid nor the key order follows the order of answering.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.errors import UserError
from bot.storage.database import Database

_COLUMNS = "id, guild_id, number, session_id, title, status, opened_at, closes_at, closed_at, invited, opened_by"

#: (felt_able, understood, good_use, role or None, comment or None)
AnswerValues = tuple[int, int, int, str | None, str | None]
#: An answer ready to write: its random 16-byte key (drawn once, so writing it twice writes it once) and values.
AnswerRow = tuple[bytes, AnswerValues]

_INSERT_ANSWER = (
    "INSERT OR IGNORE INTO pulse_answers (id, pulse_id, felt_able, understood, good_use, role, comment)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def answer_key() -> bytes:
    """A random key for one answer row: its place in the table says nothing about when it came."""
    return secrets.token_bytes(16)


ALREADY_SENT = "The check-in for that meeting was already sent. See it with `/pulse results`."


@dataclass(frozen=True, slots=True)
class Pulse:
    """One check-in: ``number`` is its per-server ``#N``; ``session_id`` the meeting it follows, if any."""

    id: int
    guild_id: int
    number: int
    session_id: int | None
    title: str
    status: str
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    invited: int
    opened_by: int

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def _pulse(row: sqlite3.Row) -> Pulse:
    return Pulse(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        number=int(row["number"]),
        session_id=int(row["session_id"]) if row["session_id"] is not None else None,
        title=str(row["title"]),
        status=str(row["status"]),
        opened_at=datetime.fromisoformat(row["opened_at"]),
        closes_at=datetime.fromisoformat(row["closes_at"]),
        closed_at=datetime.fromisoformat(row["closed_at"]) if row["closed_at"] else None,
        invited=int(row["invited"]),
        opened_by=int(row["opened_by"]),
    )


class PulseRepository:
    """Reads and writes :class:`Pulse` rows, their invitees and their answers."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(
        self,
        guild_id: int,
        title: str,
        session_id: int | None,
        opened_by: int,
        invitees: Iterable[int],
        now: datetime,
        closes_at: datetime,
    ) -> Pulse:
        """A new open check-in and the people asked, in one transaction."""
        people = sorted(set(invitees))
        try:
            async with self._db.transaction() as tx:
                row = await tx.fetchone(
                    "SELECT COALESCE(MAX(number), 0) + 1 FROM pulses WHERE guild_id = ?", (guild_id,)
                )
                number = int(row[0]) if row else 1
                new_id = await tx.insert(
                    "INSERT INTO pulses (guild_id, number, session_id, title, opened_at, closes_at, invited, opened_by)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        guild_id,
                        number,
                        session_id,
                        title,
                        now.isoformat(),
                        closes_at.isoformat(),
                        len(people),
                        opened_by,
                    ),
                )
                await tx.executemany(
                    "INSERT INTO pulse_invitees (pulse_id, guild_id, user_id) VALUES (?, ?, ?)",
                    [(new_id, guild_id, uid) for uid in people],
                )
                new = await tx.fetchone(f"SELECT {_COLUMNS} FROM pulses WHERE id = ?", (new_id,))
        except sqlite3.IntegrityError:
            raise UserError(ALREADY_SENT) from None
        assert new is not None
        return _pulse(new)

    async def get(self, pulse_id: int) -> Pulse | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM pulses WHERE id = ?", (pulse_id,))
        return None if row is None else _pulse(row)

    async def by_number(self, guild_id: int, number: int) -> Pulse | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM pulses WHERE guild_id = ? AND number = ?", (guild_id, number)
        )
        return None if row is None else _pulse(row)

    async def for_session(self, session_id: int) -> Pulse | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM pulses WHERE session_id = ?", (session_id,))
        return None if row is None else _pulse(row)

    async def latest(self, guild_id: int) -> Pulse | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM pulses WHERE guild_id = ? ORDER BY number DESC LIMIT 1", (guild_id,)
        )
        return None if row is None else _pulse(row)

    async def latest_without_meeting(self, guild_id: int) -> Pulse | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM pulses WHERE guild_id = ? AND session_id IS NULL ORDER BY number DESC LIMIT 1",
            (guild_id,),
        )
        return None if row is None else _pulse(row)

    async def all_open(self) -> list[Pulse]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM pulses WHERE status = 'open'")
        return [_pulse(r) for r in rows]

    async def recent_closed(self, guild_id: int, limit: int) -> list[Pulse]:
        """The ``limit`` most recent closed check-ins, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM pulses WHERE guild_id = ? AND status = 'closed' ORDER BY number DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_pulse(r) for r in reversed(rows)]

    async def invitees(self, pulse_id: int) -> list[int]:
        rows = await self._db.fetchall("SELECT user_id FROM pulse_invitees WHERE pulse_id = ?", (pulse_id,))
        return [int(r[0]) for r in rows]

    async def write_answers(self, pulse_id: int, rows: Sequence[AnswerRow]) -> bool:
        """Write a batch of answers (the caller shuffles) into the check-in if, and only if, it is still open.

        The check and the write are one transaction, and the check locks the check-in's row (an
        ``UPDATE`` that changes nothing), so a close running at the same time on PostgreSQL either
        comes first (nothing is written: False) or waits for this write. A row whose key is already
        there is skipped, so a batch that the close also wrote is written once.
        """
        if not rows:
            return True
        async with self._db.transaction() as tx:
            still_open = await tx.execute(
                "UPDATE pulses SET status = status WHERE id = ? AND status = 'open'", (pulse_id,)
            )
            if not still_open:
                return False
            await tx.executemany(_INSERT_ANSWER, [(key, pulse_id, *values) for key, values in rows])
        return True

    async def answer_count(self, pulse_id: int) -> int:
        row = await self._db.fetchone("SELECT COUNT(*) FROM pulse_answers WHERE pulse_id = ?", (pulse_id,))
        return int(row[0]) if row else 0

    async def answers(self, pulse_id: int) -> list[AnswerValues]:
        """Every answer of the check-in, in key order (random; never the order of answering)."""
        rows = await self._db.fetchall(
            "SELECT felt_able, understood, good_use, role, comment FROM pulse_answers WHERE pulse_id = ? ORDER BY id",
            (pulse_id,),
        )
        return [(int(r[0]), int(r[1]), int(r[2]), r[3], r[4]) for r in rows]

    async def answers_for(self, pulse_ids: Sequence[int]) -> dict[int, list[AnswerValues]]:
        """Answers of several check-ins in one read (for the trend chart)."""
        out: dict[int, list[AnswerValues]] = {pid: [] for pid in pulse_ids}
        if not pulse_ids:
            return out
        marks = ", ".join("?" for _ in pulse_ids)
        rows = await self._db.fetchall(
            f"SELECT pulse_id, felt_able, understood, good_use, role, comment FROM pulse_answers"
            f" WHERE pulse_id IN ({marks}) ORDER BY pulse_id, id",
            list(pulse_ids),
        )
        for r in rows:
            out[int(r[0])].append((int(r[1]), int(r[2]), int(r[3]), r[4], r[5]))
        return out

    async def close(self, pulse_id: int, now: datetime, last: Sequence[AnswerRow] = ()) -> Pulse | None:
        """Write the last answers, close the check-in and forget who was asked, in one transaction.

        ``None`` if it was already closed (then nothing is written). After this commits, no answer is
        ever added to the check-in (:meth:`write_answers` checks), so its results never change.
        """
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE pulses SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
                (now.isoformat(), pulse_id),
            )
            if changed == 0:
                return None
            if last:
                await tx.executemany(_INSERT_ANSWER, [(key, pulse_id, *values) for key, values in last])
            await tx.execute("DELETE FROM pulse_invitees WHERE pulse_id = ?", (pulse_id,))
            row = await tx.fetchone(f"SELECT {_COLUMNS} FROM pulses WHERE id = ?", (pulse_id,))
        assert row is not None
        return _pulse(row)

    async def checkpoint(self) -> None:
        """Fold the write-ahead log into the file, so its frames no longer show when each batch came.

        On PostgreSQL the invitee table is rewritten instead (``VACUUM FULL``; it only ever holds the
        open check-ins' invitees, so this is quick): a plain vacuum could leave the ids of who was
        asked in the table's free space or its index after they were deleted at close.
        """
        await self._db.checkpoint(("pulse_invitees",))
