"""Anonymous questions and their votes.

There is deliberately no column, parameter or field for who asked a question or who voted: this
repository cannot store an identity even by mistake. Votes arrive as opaque keyed hashes (see
:mod:`bot.questions.anonymity`).

What is kept, and for how long:

* A question that could not be posted is deleted (:meth:`QuestionRepository.delete`).
* A removed or rejected question keeps its number and status but not its text.
* A question that is answered, removed or rejected keeps its "Me too" count (``kept_votes``) but
  its vote fingerprints are deleted.
* After each of these, the write-ahead log is checkpointed and truncated; with ``secure_delete``
  on (see :mod:`bot.storage.database`) the old text is then overwritten in the file itself.

Public ids: members see a question's per-server ``number``; a question waiting for a
facilitator's check has a random ``review_token`` for its buttons. The row ``id`` counts across all
servers and is never shown.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.clock import utcnow
from bot.errors import NotFoundError, UserError
from bot.storage.database import Database, Transaction

KINDS = ("question", "explain")
STATUSES = ("pending", "open", "answered", "removed", "rejected")

_SELECT = (
    "SELECT q.id, q.guild_id, q.number, q.kind, q.text, q.status, q.channel_id, q.message_id,"
    " q.review_channel_id, q.review_message_id, q.review_token, q.created_at, q.answered_at,"
    " COALESCE(q.kept_votes, (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = q.id)) AS votes"
    " FROM questions q"
)


@dataclass(frozen=True, slots=True)
class Question:
    """One anonymous question; ``number`` is its per-server ``#N`` once posted.

    ``id`` is internal (it counts across servers): never show it or put it in a button.
    """

    id: int
    guild_id: int
    number: int | None
    kind: str
    text: str
    status: str
    channel_id: int | None
    message_id: int | None
    review_channel_id: int | None
    review_message_id: int | None
    review_token: int | None
    created_at: datetime
    answered_at: datetime | None
    votes: int


def _question(row: sqlite3.Row) -> Question:
    values = dict(row)
    values["created_at"] = datetime.fromisoformat(values["created_at"])
    values["answered_at"] = datetime.fromisoformat(values["answered_at"]) if values["answered_at"] else None
    return Question(**values)


@dataclass(frozen=True, slots=True)
class VoteResult:
    """What a "Me too" click did."""

    added: bool
    votes: int


class QuestionRepository:
    """Reads and writes :class:`Question` rows and their votes."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, guild_id: int, kind: str, text: str, *, pending: bool) -> Question:
        """Store a new question: ``pending`` (waiting for a facilitator) or open with its next number."""
        if kind not in KINDS:
            raise ValueError(f"Unknown question kind {kind!r}")
        now = utcnow().isoformat()
        async with self._db.transaction() as tx:
            number = None if pending else await _next_number(tx, guild_id)
            token = await _new_review_token(tx) if pending else None
            qid = await tx.insert(
                "INSERT INTO questions (guild_id, number, kind, text, status, review_token, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, number, kind, text, "pending" if pending else "open", token, now),
            )
            row = await tx.fetchone(_SELECT + " WHERE q.id = ?", (qid,))
        assert row is not None
        return _question(row)

    async def get(self, question_id: int) -> Question:
        row = await self._db.fetchone(_SELECT + " WHERE q.id = ?", (question_id,))
        if row is None:
            raise NotFoundError("Sorry, I can't find that question any more.")
        return _question(row)

    async def by_number(self, guild_id: int, number: int) -> Question:
        """The server's question ``#number``."""
        row = await self._db.fetchone(_SELECT + " WHERE q.guild_id = ? AND q.number = ?", (guild_id, number))
        if row is None:
            raise NotFoundError("Sorry, I can't find that question any more.")
        return _question(row)

    async def by_review_token(self, token: int) -> Question:
        """The question whose check buttons carry ``token``."""
        row = await self._db.fetchone(_SELECT + " WHERE q.review_token = ?", (token,))
        if row is None:
            raise NotFoundError("Sorry, I can't find that question any more.")
        return _question(row)

    async def unposted(self, created_before: datetime) -> list[Question]:
        """Questions left without their message by a crash: open with no post, or pending with no
        check message, created before ``created_before``."""
        rows = await self._db.fetchall(
            _SELECT + " WHERE ((q.status = 'open' AND q.message_id IS NULL)"
            " OR (q.status = 'pending' AND q.review_message_id IS NULL)) AND q.created_at < ? ORDER BY q.id",
            (created_before.isoformat(),),
        )
        return [_question(r) for r in rows]

    async def set_review_message(self, question_id: int, channel_id: int, message_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE questions SET review_channel_id = ?, review_message_id = ? WHERE id = ?",
                (channel_id, message_id, question_id),
            )

    async def set_message(self, question_id: int, channel_id: int, message_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE questions SET channel_id = ?, message_id = ? WHERE id = ?",
                (channel_id, message_id, question_id),
            )

    async def approve(self, question_id: int) -> Question:
        """Turn a pending question into an open one with the server's next number."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT guild_id, status FROM questions WHERE id = ?", (question_id,))
            if row is None:
                raise NotFoundError("Sorry, I can't find that question any more.")
            if row["status"] != "pending":
                raise UserError(f"That question has already been dealt with (it is {row['status']}).")
            number = await _next_number(tx, int(row["guild_id"]))
            await tx.execute("UPDATE questions SET status = 'open', number = ? WHERE id = ?", (number, question_id))
        return await self.get(question_id)

    async def set_status(self, question_id: int, status: str, *, allowed_from: tuple[str, ...]) -> Question:
        """Move a question to ``status`` if it is currently in one of ``allowed_from``."""
        if status not in STATUSES:
            raise ValueError(f"Unknown status {status!r}")
        answered_at = utcnow().isoformat() if status == "answered" else None
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT status FROM questions WHERE id = ?", (question_id,))
            if row is None:
                raise NotFoundError("Sorry, I can't find that question any more.")
            if row["status"] not in allowed_from:
                raise UserError(f"That question has already been dealt with (it is {row['status']}).")
            await tx.execute(
                "UPDATE questions SET status = ?, answered_at = COALESCE(?, answered_at) WHERE id = ?",
                (status, answered_at, question_id),
            )
            if status != "open":  # dealt with: keep the count, forget the fingerprints
                await tx.execute(
                    "UPDATE questions SET kept_votes = COALESCE(kept_votes,"
                    " (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = questions.id)) WHERE id = ?",
                    (question_id,),
                )
                await tx.execute("DELETE FROM question_votes WHERE question_id = ?", (question_id,))
            if status in ("removed", "rejected"):
                await tx.execute("UPDATE questions SET text = '' WHERE id = ?", (question_id,))
        await self._scrub()
        return await self.get(question_id)

    async def return_to_pending(self, question_id: int) -> None:
        """Undo :meth:`approve` when the post could not be made, so a facilitator can try again."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE questions SET status = 'pending', number = NULL WHERE id = ? AND message_id IS NULL",
                (question_id,),
            )

    async def delete(self, question_id: int) -> None:
        """Forget a question entirely (used when it could not be posted at all)."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM questions WHERE id = ?", (question_id,))
        await self._scrub()

    async def _scrub(self) -> None:
        """Move the write-ahead log into the file and empty it, so deleted text is not left in the
        ``-wal`` file (``secure_delete`` zeroes it in the main file).

        On PostgreSQL this does nothing: a vacuum of tables every server shares, on each button press,
        would queue the presses behind each other. The removed text is invisible to every query at
        once and leaves the table's file at the next autovacuum or the daily retention rewrite.
        """
        await self._db.checkpoint()

    async def toggle_vote(self, question_id: int, voter_hash: bytes) -> VoteResult:
        """Add the vote if this hash has none on the question, otherwise take it back."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone("SELECT status FROM questions WHERE id = ?", (question_id,))
            if row is None:
                raise NotFoundError("Sorry, I can't find that question any more.")
            if row["status"] != "open":
                raise UserError("Votes are closed for this question: it has already been dealt with.")
            removed = await tx.execute(
                "DELETE FROM question_votes WHERE question_id = ? AND voter_hash = ?", (question_id, voter_hash)
            )
            if not removed:
                await tx.execute(
                    "INSERT INTO question_votes (question_id, voter_hash) VALUES (?, ?)", (question_id, voter_hash)
                )
            count = await tx.fetchone("SELECT COUNT(*) FROM question_votes WHERE question_id = ?", (question_id,))
        assert count is not None
        return VoteResult(added=not removed, votes=int(count[0]))

    async def list(self, guild_id: int, statuses: tuple[str, ...]) -> list[Question]:
        """The server's questions in ``statuses``, oldest first."""
        marks = ", ".join("?" for _ in statuses)
        rows = await self._db.fetchall(
            _SELECT + f" WHERE q.guild_id = ? AND q.status IN ({marks}) ORDER BY q.id", (guild_id, *statuses)
        )
        return [_question(r) for r in rows]

    async def open_by_votes(self, guild_id: int) -> list[Question]:
        """Open questions, most votes first, then oldest first."""
        questions = await self.list(guild_id, ("open",))
        return sorted(questions, key=lambda q: (-q.votes, q.id))


async def _new_review_token(tx: Transaction) -> int:
    """A random, unused token for a waiting question's buttons (says nothing about order or servers)."""
    while True:
        token = secrets.randbelow(2**53 - 1) + 1
        if await tx.fetchone("SELECT 1 FROM questions WHERE review_token = ?", (token,)) is None:
            return token


async def _next_number(tx: Transaction, guild_id: int) -> int:
    row = await tx.fetchone("SELECT COALESCE(MAX(number), 0) + 1 FROM questions WHERE guild_id = ?", (guild_id,))
    assert row is not None
    return int(row[0])
