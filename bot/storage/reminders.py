"""The reminder outbox: which planned reminders are due and unsent, and claiming them to send them.

Claiming sets ``sent_at`` on a batch of due rows in one transaction guarded by ``sent_at IS NULL``
(``UPDATE … RETURNING``, SQLite 3.35 or later), so only one sender ever wins a row, even across
restarts. If sending then fails for a reason worth retrying, :meth:`ReminderRepository.release`
hands those rows back in one transaction; so a reminder is never silently lost either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database


@dataclass(frozen=True, slots=True)
class DueReminder:
    """One reminder whose time has come; exactly one of ``task_id`` and ``meeting_id`` is set."""

    id: int
    guild_id: int
    task_id: int | None
    meeting_id: int | None
    kind: str
    due_at: datetime

    @property
    def position(self) -> tuple[datetime, int]:
        """Where the reminder stands in sending order (due time, then id): a sweep's cursor."""
        return (self.due_at, self.id)


_LIVE = (
    " FROM reminders r"
    " LEFT JOIN tasks t ON t.id = r.task_id"
    " LEFT JOIN meetings m ON m.id = r.meeting_id"
    " WHERE r.sent_at IS NULL"
    " AND (t.status = 'open' OR m.status = 'scheduled')"
)


class ReminderRepository:
    """Reads the outbox and claims rows from it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim_due(
        self, now: datetime, *, limit: int = 100, after: tuple[datetime, int] | None = None
    ) -> list[DueReminder]:
        """Claim (mark sent) up to ``limit`` live reminders due at ``now`` or earlier, in one transaction.

        Only the caller that gets a row back may send it. Rows come in sending order (due time, then
        id), starting after the ``after`` position if given: a sweep passes the last row it handled, so
        rows it released for a retry are not claimed again in the same sweep.
        """
        stamp = now.isoformat()
        sql = "SELECT r.id" + _LIVE + " AND r.due_at <= ?"
        params: list[object] = [stamp]
        if after is not None:
            # A row value keeps this a range scan of the index: rows released for a retry (say, in a
            # Discord outage) are stepped over, not read again by every batch.
            sql += " AND (r.due_at, r.id) > (?, ?)"
            params += [after[0].isoformat(), after[1]]
        sql += " ORDER BY r.due_at, r.id LIMIT ?"
        params.append(limit)
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                f"UPDATE reminders SET sent_at = ? WHERE sent_at IS NULL AND id IN ({sql})"
                " RETURNING id, guild_id, task_id, meeting_id, kind, due_at",
                [stamp, *params],
            )
        claimed = [
            DueReminder(
                id=int(r[0]),
                guild_id=int(r[1]),
                task_id=int(r[2]) if r[2] is not None else None,
                meeting_id=int(r[3]) if r[3] is not None else None,
                kind=str(r[4]),
                due_at=datetime.fromisoformat(r[5]),
            )
            for r in rows
        ]
        return sorted(claimed, key=lambda r: r.position)  # RETURNING promises no order

    async def next_due_at(self, *, after: datetime | None = None) -> datetime | None:
        """When the next live unsent reminder falls due, optionally only those strictly ``after``."""
        if after is None:
            row = await self._db.fetchone("SELECT MIN(r.due_at)" + _LIVE)
        else:
            row = await self._db.fetchone("SELECT MIN(r.due_at)" + _LIVE + " AND r.due_at > ?", (after.isoformat(),))
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def supersede(self, now: datetime) -> int:
        """Record as done every due task reminder that a later due one of the same task replaces.

        After downtime, "3 days to go" and "tomorrow" are out of date once "today" is due; one
        statement settles them all, so catching up costs one send per task, not one per reminder.
        """
        stamp = now.isoformat()
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE reminders SET sent_at = ? WHERE sent_at IS NULL AND task_id IS NOT NULL AND due_at <= ?"
                " AND EXISTS (SELECT 1 FROM reminders later WHERE later.task_id = reminders.task_id"
                " AND later.sent_at IS NULL AND later.due_at <= ? AND later.due_at > reminders.due_at)",
                (stamp, stamp, stamp),
            )

    async def release(self, reminder_ids: Sequence[int]) -> None:
        """Give claimed reminders back (not sent after all), in one transaction."""
        if not reminder_ids:
            return
        marks = ", ".join("?" for _ in reminder_ids)
        async with self._db.transaction() as tx:
            await tx.execute(f"UPDATE reminders SET sent_at = NULL WHERE id IN ({marks})", list(reminder_ids))

    async def sent_kinds(self, task_id: int) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT kind FROM reminders WHERE task_id = ? AND sent_at IS NOT NULL ORDER BY sent_at", (task_id,)
        )
        return [str(r[0]) for r in rows]
