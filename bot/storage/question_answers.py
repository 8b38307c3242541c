"""Written answers to anonymous questions, by the question's per-server number. No identities."""

from __future__ import annotations

from datetime import datetime

from bot.errors import NotFoundError
from bot.storage.database import Database

MAX_ANSWER = 1000


class QuestionAnswerRepository:
    """Save and read the one written answer a posted question may have."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, guild_id: int, number: int, text: str, now: datetime) -> None:
        """Write (or replace) the answer to question ``#number``; refuses a question that is not posted."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT id FROM questions WHERE guild_id = ? AND number = ? AND status IN ('open', 'answered')",
                (guild_id, number),
            )
            if row is None:
                raise NotFoundError(f"Question #{number} is not on show any more, so it can't have an answer.")
            await tx.execute(
                "INSERT INTO question_answers (question_id, guild_id, text, answered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id) DO UPDATE SET text = excluded.text, answered_at = excluded.answered_at",
                (int(row[0]), guild_id, text, now.isoformat()),
            )

    async def get(self, guild_id: int, number: int) -> str | None:
        row = await self._db.fetchone(
            "SELECT a.text FROM question_answers a JOIN questions q ON q.id = a.question_id"
            " WHERE q.guild_id = ? AND q.number = ?",
            (guild_id, number),
        )
        return None if row is None else str(row[0])

    async def for_guild(self, guild_id: int) -> dict[int, str]:
        """Question number → answer, for the export."""
        rows = await self._db.fetchall(
            "SELECT q.number, a.text FROM question_answers a JOIN questions q ON q.id = a.question_id"
            " WHERE q.guild_id = ?",
            (guild_id,),
        )
        return {int(r[0]): str(r[1]) for r in rows}
