"""The reminder outbox: which planned reminders are due and unsent, and claiming one to send it.

Claiming sets ``sent_at`` inside one transaction guarded by ``sent_at IS NULL``, so only one
sender ever wins a row, even across restarts. If sending then fails for a reason worth retrying,
:meth:`ReminderRepository.release` hands the row back; so a reminder is never silently lost either.
"""

from __future__ import annotations

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

    async def due(self, now: datetime, limit: int = 500) -> list[DueReminder]:
        """Unsent reminders for open tasks or scheduled meetings whose time is ``now`` or earlier."""
        rows = await self._db.fetchall(
            "SELECT r.id, r.guild_id, r.task_id, r.meeting_id, r.kind, r.due_at"
            + _LIVE
            + " AND r.due_at <= ? ORDER BY r.due_at, r.id LIMIT ?",
            (now.isoformat(), limit),
        )
        return [
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

    async def next_due_at(self) -> datetime | None:
        """When the next unsent reminder falls due (``None`` if nothing is planned)."""
        row = await self._db.fetchone("SELECT MIN(r.due_at)" + _LIVE)
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def claim(self, reminder_id: int, now: datetime) -> bool:
        """Mark the reminder sent; ``False`` if someone already did (then do not send it)."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE reminders SET sent_at = ? WHERE id = ? AND sent_at IS NULL", (now.isoformat(), reminder_id)
            )
        return changed == 1

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

    async def release(self, reminder_id: int) -> None:
        """Give a claimed reminder back after a failure worth retrying."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE reminders SET sent_at = NULL WHERE id = ?", (reminder_id,))

    async def sent_kinds(self, task_id: int) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT kind FROM reminders WHERE task_id = ? AND sent_at IS NOT NULL ORDER BY sent_at", (task_id,)
        )
        return [str(r[0]) for r in rows]
