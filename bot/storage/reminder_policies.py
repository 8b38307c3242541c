"""Each server's own reminder rules (``/settings reminders``), and the rows a re-plan reads and writes.

Storage only: what the new plan is, is decided by the caller (:class:`bot.task_service.TaskService`,
with :mod:`bot.reminders.policy`). A re-plan happens in one transaction the caller holds, with the rules
(or the server's timezone) it follows: :meth:`ReminderPolicyRepository.store` saves the rules,
:meth:`ReminderPolicyRepository.open_items` reads the open tasks and scheduled meetings, and
:meth:`ReminderPolicyRepository.replace_unsent` swaps their unsent reminders for the new plan. So no
reminder planned under the old rules can slip out afterwards and no task is left without reminders.
Reminders already sent keep their row: the new plan is inserted with ``INSERT OR IGNORE`` against the
UNIQUE ``(task_id, kind)`` and ``(meeting_id, kind)`` keys, so a kind that went out before is never
sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from sqlite3 import Row

from bot.reminders.policy import PolicyOverrides, ReminderPolicy
from bot.storage.database import Database, Transaction

_COLUMNS = ("days_before", "on_due_day", "send_hour", "overdue_every_days", "overdue_max", "digest_hours_before")


def _days_to_text(days: tuple[int, ...] | None) -> str | None:
    return None if days is None else ",".join(str(d) for d in days)


def _days_from_text(text: str | None) -> tuple[int, ...] | None:
    return None if text is None else tuple(int(d) for d in text.split(",") if d)


@dataclass(frozen=True, slots=True)
class OpenItems:
    """What a re-plan covers: open tasks ``(id, due)`` and scheduled meetings ``(id, start)``."""

    tasks: tuple[tuple[int, datetime], ...]
    meetings: tuple[tuple[int, datetime], ...]


@dataclass(frozen=True, slots=True)
class PlannedRow:
    """One reminder to write: for a task or for a meeting (exactly one of the two ids)."""

    task_id: int | None
    meeting_id: int | None
    kind: str
    at: datetime


class ReminderPolicyRepository:
    """Reads and writes servers' reminder rules on top of the configured ``defaults``.

    Reads go to the database every time instead of a cache: one primary-key read, done only when
    something is planned, which can never be stale (another bot generation may share the file).
    """

    def __init__(self, db: Database, defaults: ReminderPolicy) -> None:
        self._db = db
        self.defaults = defaults

    async def overrides(self, guild_id: int) -> PolicyOverrides:
        """What the server chose itself (all ``None`` if it never changed a rule)."""
        return _overrides_from_row(await self._db.fetchone(_SELECT_OVERRIDES, (guild_id,)))

    async def policy_for(self, guild_id: int) -> ReminderPolicy:
        """The rules reminders follow in this server."""
        return (await self.overrides(guild_id)).apply(self.defaults)

    async def overrides_in(self, tx: Transaction, guild_id: int) -> PolicyOverrides:
        """What the server chose, read inside the caller's transaction (a re-plan reads what it follows)."""
        return _overrides_from_row(await tx.fetchone(_SELECT_OVERRIDES, (guild_id,)))

    async def store(self, tx: Transaction, guild_id: int, overrides: PolicyOverrides, now: datetime) -> None:
        """Save the server's choices inside ``tx`` (no row at all when they are all the defaults)."""
        if overrides.is_default:
            await tx.execute("DELETE FROM reminder_policies WHERE guild_id = ?", (guild_id,))
            return
        await tx.execute(
            f"INSERT INTO reminder_policies (guild_id, {', '.join(_COLUMNS)}, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT (guild_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _COLUMNS)},"
            " updated_at = excluded.updated_at",
            (
                guild_id,
                _days_to_text(overrides.days_before),
                None if overrides.on_due_day is None else int(overrides.on_due_day),
                overrides.send_hour,
                overrides.overdue_every_days,
                overrides.overdue_max,
                overrides.digest_hours_before,
                now.isoformat(),
            ),
        )

    async def open_items(self, tx: Transaction, guild_id: int) -> OpenItems:
        """The server's open tasks and scheduled meetings (id and time), read inside ``tx``."""
        tasks = await tx.fetchall("SELECT id, due_at FROM tasks WHERE guild_id = ? AND status = 'open'", (guild_id,))
        meetings = await tx.fetchall(
            "SELECT id, starts_at FROM meetings WHERE guild_id = ? AND status = 'scheduled'", (guild_id,)
        )
        return OpenItems(
            tasks=tuple((int(r[0]), datetime.fromisoformat(r[1])) for r in tasks),
            meetings=tuple((int(r[0]), datetime.fromisoformat(r[1])) for r in meetings),
        )

    async def replace_unsent(self, tx: Transaction, guild_id: int, rows: Sequence[PlannedRow]) -> None:
        """Replace the unsent reminders of the server's open tasks and scheduled meetings with ``rows``."""
        await tx.execute(
            "DELETE FROM reminders WHERE sent_at IS NULL"
            " AND (task_id IN (SELECT id FROM tasks WHERE guild_id = ? AND status = 'open')"
            " OR meeting_id IN (SELECT id FROM meetings WHERE guild_id = ? AND status = 'scheduled'))",
            (guild_id, guild_id),
        )
        await tx.executemany(
            "INSERT OR IGNORE INTO reminders (guild_id, task_id, meeting_id, kind, due_at) VALUES (?, ?, ?, ?, ?)",
            [(guild_id, r.task_id, r.meeting_id, r.kind, r.at.isoformat()) for r in rows],
        )


_SELECT_OVERRIDES = f"SELECT {', '.join(_COLUMNS)} FROM reminder_policies WHERE guild_id = ?"


def _overrides_from_row(row: Row | None) -> PolicyOverrides:
    if row is None:
        return PolicyOverrides()
    return PolicyOverrides(
        days_before=_days_from_text(row["days_before"]),
        on_due_day=None if row["on_due_day"] is None else bool(row["on_due_day"]),
        send_hour=row["send_hour"],
        overdue_every_days=row["overdue_every_days"],
        overdue_max=row["overdue_max"],
        digest_hours_before=row["digest_hours_before"],
    )
