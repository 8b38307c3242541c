"""Tasks and their planned reminders, per server.

A task's reminder rows are written in the same transaction as the task itself, so there is never
a task without its reminders, nor reminders for a task that was done or removed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import utcnow
from bot.errors import NotFoundError, UserError
from bot.reminders.policy import PlannedReminder
from bot.storage.database import Database, Transaction

_COLUMNS = "id, guild_id, number, description, assignee_id, creator_id, due_at, status, created_at, closed_at, told_at"


@dataclass(frozen=True, slots=True)
class Task:
    """One task; ``due_at`` and ``created_at`` are aware UTC datetimes."""

    id: int
    guild_id: int
    number: int
    description: str
    assignee_id: int
    creator_id: int
    due_at: datetime
    status: str
    created_at: datetime
    closed_at: datetime | None
    #: When the person doing it was last told about it (see :mod:`bot.reminders.budget`).
    told_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_at < now


def _task(row: sqlite3.Row) -> Task:
    return Task(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        number=int(row["number"]),
        description=str(row["description"]),
        assignee_id=int(row["assignee_id"]),
        creator_id=int(row["creator_id"]),
        due_at=datetime.fromisoformat(row["due_at"]),
        status=str(row["status"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        closed_at=datetime.fromisoformat(row["closed_at"]) if row["closed_at"] else None,
        told_at=datetime.fromisoformat(row["told_at"]) if row["told_at"] else None,
    )


async def _replace_plan(tx: Transaction, guild_id: int, task_id: int, plan: Sequence[PlannedReminder]) -> None:
    """Forget the task's reminders and write ``plan``: a new due date starts a fresh cycle."""
    await tx.execute("DELETE FROM reminders WHERE task_id = ?", (task_id,))
    await tx.executemany(
        "INSERT INTO reminders (guild_id, task_id, kind, due_at) VALUES (?, ?, ?, ?)",
        [(guild_id, task_id, r.kind, r.at.isoformat()) for r in plan],
    )


class TaskRepository:
    """Reads and writes :class:`Task` rows and their reminder plans."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def check_limits(
        self,
        guild_id: int,
        creator_id: int,
        assignee_id: int,
        now: datetime,
        *,
        per_hour: int | None = None,
        open_per_assignee: int | None = None,
    ) -> None:
        """The fair-use checks of :meth:`add`, as a read that waits for no write.

        ``/task add`` runs them before it acknowledges, so a refusal can still be private; :meth:`add`
        checks again inside its transaction, so a burst cannot slip past between the two.
        """
        await _check_limits(self._db, guild_id, creator_id, assignee_id, now, per_hour, open_per_assignee)

    async def add(
        self,
        guild_id: int,
        description: str,
        assignee_id: int,
        creator_id: int,
        due_at: datetime,
        plan: Sequence[PlannedReminder],
        *,
        created_at: datetime | None = None,
        per_hour: int | None = None,
        open_per_assignee: int | None = None,
    ) -> Task:
        """Store a new task numbered next in its server, with its reminders.

        Fair use (``[limits]``), checked in the same transaction so a burst cannot slip past:
        ``per_hour`` tasks set by ``creator_id`` in this server in the last hour, and
        ``open_per_assignee`` open tasks from ``creator_id`` to ``assignee_id``. Over either, a
        :class:`UserError` says so and nothing is stored.
        """
        created_at = created_at or utcnow()
        async with self._db.transaction() as tx:
            await _check_limits(tx, guild_id, creator_id, assignee_id, created_at, per_hour, open_per_assignee)
            row = await tx.fetchone("SELECT COALESCE(MAX(number), 0) + 1 FROM tasks WHERE guild_id = ?", (guild_id,))
            number = int(row[0]) if row else 1
            task_id = await tx.insert(
                "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, number, description, assignee_id, creator_id, due_at.isoformat(), created_at.isoformat()),
            )
            await _replace_plan(tx, guild_id, task_id, plan)
            new = await tx.fetchone(f"SELECT {_COLUMNS} FROM tasks WHERE id = ?", (task_id,))
        assert new is not None
        return _task(new)

    async def get(self, guild_id: int, number: int) -> Task:
        """The open or closed task ``#number`` in the server; a removed one counts as not found."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM tasks WHERE guild_id = ? AND number = ? AND status != 'removed'",
            (guild_id, number),
        )
        if row is None:
            raise NotFoundError("I can't find that task. Start typing its words, then choose it from the list.")
        return _task(row)

    async def by_id(self, task_id: int) -> Task | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM tasks WHERE id = ?", (task_id,))
        return None if row is None else _task(row)

    async def by_ids(self, task_ids: Collection[int]) -> dict[int, Task]:
        """Several tasks in one query (a reminder sweep's batch), keyed by id; missing ones are left out."""
        if not task_ids:
            return {}
        marks = ", ".join("?" for _ in task_ids)
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM tasks WHERE id IN ({marks})", list(task_ids))
        return {int(r["id"]): _task(r) for r in rows}

    async def open_tasks(self, guild_id: int, *, assignee_id: int | None = None) -> list[Task]:
        """Open tasks in the server (optionally one person's), soonest due first."""
        sql = f"SELECT {_COLUMNS} FROM tasks WHERE guild_id = ? AND status = 'open'"
        params: list[object] = [guild_id]
        if assignee_id is not None:
            sql += " AND assignee_id = ?"
            params.append(assignee_id)
        rows = await self._db.fetchall(sql + " ORDER BY due_at, number", params)
        return [_task(r) for r in rows]

    async def mark_told(self, told: Mapping[int, datetime]) -> None:
        """Record when each task's person was told about it (``{task id: when}``).

        One autocommit statement per distinct time (a sweep's sends share one), never moving a time
        back, so a slow send recorded late cannot reopen the budget."""
        by_time: dict[datetime, list[int]] = {}
        for task_id, at in told.items():
            by_time.setdefault(at, []).append(task_id)
        for at, ids in by_time.items():
            marks = ", ".join("?" for _ in ids)
            await self._db.execute(
                f"UPDATE tasks SET told_at = ? WHERE id IN ({marks}) AND (told_at IS NULL OR told_at < ?)",
                [at.isoformat(), *ids, at.isoformat()],
            )

    async def close(self, task_id: int, status: str) -> Task:
        """Mark a task done or removed and drop its unsent reminders, in one transaction."""
        if status not in ("done", "removed"):
            raise ValueError(status)
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE tasks SET status = ?, closed_at = ? WHERE id = ? AND status = 'open'",
                (status, utcnow().isoformat(), task_id),
            )
            if status == "removed" and not changed:
                changed = await tx.execute(
                    "UPDATE tasks SET status = 'removed' WHERE id = ? AND status = 'done'", (task_id,)
                )
            await tx.execute("DELETE FROM reminders WHERE task_id = ? AND sent_at IS NULL", (task_id,))
            row = await tx.fetchone(f"SELECT {_COLUMNS} FROM tasks WHERE id = ?", (task_id,))
        if row is None:
            raise NotFoundError("That task no longer exists.")
        return _task(row)

    async def update(
        self,
        task_id: int,
        *,
        description: str | None = None,
        assignee_id: int | None = None,
        due_at: datetime | None = None,
        plan: Sequence[PlannedReminder] | None = None,
    ) -> Task:
        """Change any of description, assignee and due date; a new due date comes with a new ``plan``."""
        async with self._db.transaction() as tx:
            if description is not None:
                await tx.execute("UPDATE tasks SET description = ? WHERE id = ?", (description, task_id))
            if assignee_id is not None:
                # Someone new: they have not been told about it yet (the budget starts again for them).
                await tx.execute(
                    "UPDATE tasks SET assignee_id = ?, told_at = NULL WHERE id = ?", (assignee_id, task_id)
                )
            if due_at is not None:
                await tx.execute("UPDATE tasks SET due_at = ? WHERE id = ?", (due_at.isoformat(), task_id))
            row = await tx.fetchone(f"SELECT {_COLUMNS} FROM tasks WHERE id = ?", (task_id,))
            if row is None:
                raise NotFoundError("That task no longer exists.")
            if plan is not None:
                await _replace_plan(tx, int(row["guild_id"]), task_id, plan)
        return _task(row)


async def _check_limits(
    reader: Transaction | Database,
    guild_id: int,
    creator_id: int,
    assignee_id: int,
    now: datetime,
    per_hour: int | None,
    open_per_assignee: int | None,
) -> None:
    """Raise the fair-use :class:`UserError` if ``creator_id`` may not set this task now."""
    if per_hour is not None:
        since = (now - timedelta(hours=1)).isoformat()
        row = await reader.fetchone(
            "SELECT COUNT(*) FROM tasks WHERE guild_id = ? AND creator_id = ? AND created_at > ?",
            (guild_id, creator_id, since),
        )
        if row is not None and int(row[0]) >= per_hour:
            raise UserError(
                f"You have set {per_hour} tasks in the last hour, the most one person can set in an hour. "
                "Please wait a little before adding more. Nothing was saved."
            )
    if open_per_assignee is not None:
        row = await reader.fetchone(
            "SELECT COUNT(*) FROM tasks WHERE guild_id = ? AND creator_id = ? AND assignee_id = ? AND status = 'open'",
            (guild_id, creator_id, assignee_id),
        )
        if row is not None and int(row[0]) >= open_per_assignee:
            raise UserError(
                f"That person already has {open_per_assignee} open tasks from you, the most one person can "
                "give another. Once some are done you can add more. Nothing was saved."
            )
