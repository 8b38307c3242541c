"""Each server's own reminder rules (``/settings reminders``), and re-planning when they change.

Changing the rules (or the server's timezone, through :meth:`ReminderPolicyRepository.replan`) re-plans,
in the same transaction that saves them, the unsent reminders of the
server's open tasks and scheduled meetings, so no reminder planned under the old rules can slip out
afterwards and no task is left without reminders. Reminders already sent keep their row: the new
plan is inserted with ``INSERT OR IGNORE`` against the UNIQUE ``(task_id, kind)`` and
``(meeting_id, kind)`` keys, so a kind that went out before is never sent again.
"""

from __future__ import annotations

from datetime import datetime
from sqlite3 import Row

from bot.clock import utcnow
from bot.reminders.policy import PolicyOverrides, ReminderPolicy, plan_task, replan_digest
from bot.storage.database import Database, Transaction

_COLUMNS = ("days_before", "on_due_day", "send_hour", "overdue_every_days", "overdue_max", "digest_hours_before")


def _days_to_text(days: tuple[int, ...] | None) -> str | None:
    return None if days is None else ",".join(str(d) for d in days)


def _days_from_text(text: str | None) -> tuple[int, ...] | None:
    return None if text is None else tuple(int(d) for d in text.split(",") if d)


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

    async def save(
        self, guild_id: int, overrides: PolicyOverrides, *, tz_name: str, now: datetime | None = None
    ) -> ReminderPolicy:
        """Store the server's choices and re-plan its unsent reminders, in one transaction."""
        now = now or utcnow()
        policy = overrides.apply(self.defaults)
        async with self._db.transaction() as tx:
            if overrides.is_default:
                await tx.execute("DELETE FROM reminder_policies WHERE guild_id = ?", (guild_id,))
            else:
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
            await _replan(tx, guild_id, policy, tz_name, now)
        return policy

    async def replan(self, tx: Transaction, guild_id: int, *, tz_name: str, now: datetime) -> None:
        """Re-plan the server's unsent reminders under its current rules in ``tz_name``, inside ``tx``.

        For a change that is not a rule, such as the server's timezone (``/settings update``): the
        caller's transaction saves the change, so the reminders can never disagree with it.
        """
        row = await tx.fetchone(_SELECT_OVERRIDES, (guild_id,))
        await _replan(tx, guild_id, _overrides_from_row(row).apply(self.defaults), tz_name, now)


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


async def _replan(tx: Transaction, guild_id: int, policy: ReminderPolicy, tz_name: str, now: datetime) -> None:
    """Replace the unsent reminders of the server's open tasks and scheduled meetings."""
    tasks = await tx.fetchall("SELECT id, due_at FROM tasks WHERE guild_id = ? AND status = 'open'", (guild_id,))
    meetings = await tx.fetchall(
        "SELECT id, starts_at FROM meetings WHERE guild_id = ? AND status = 'scheduled'", (guild_id,)
    )
    await tx.execute(
        "DELETE FROM reminders WHERE sent_at IS NULL"
        " AND (task_id IN (SELECT id FROM tasks WHERE guild_id = ? AND status = 'open')"
        " OR meeting_id IN (SELECT id FROM meetings WHERE guild_id = ? AND status = 'scheduled'))",
        (guild_id, guild_id),
    )
    rows: list[tuple[int, int | None, int | None, str, str]] = []
    for task in tasks:
        # Instants already past under the new rules are skipped, as for a task created now.
        for planned in plan_task(datetime.fromisoformat(task["due_at"]), now, tz_name, policy):
            rows.append((guild_id, int(task["id"]), None, planned.kind, planned.at.isoformat()))
    for meeting in meetings:
        digest = replan_digest(datetime.fromisoformat(meeting["starts_at"]), now, tz_name, policy)
        if digest is not None:
            rows.append((guild_id, None, int(meeting["id"]), digest.kind, digest.at.isoformat()))
    await tx.executemany(
        "INSERT OR IGNORE INTO reminders (guild_id, task_id, meeting_id, kind, due_at) VALUES (?, ?, ?, ?, ?)", rows
    )
