"""SQL for privacy: exporting and erasing one member, leavers, notices, and the retention job.

Export and erasure are driven by :mod:`bot.privacy.registry` (every table and member-id column is
declared there), so a column added by a new migration is covered as soon as it is declared, and a
test fails until it is. Erasure runs in one transaction with ``secure_delete`` on (freed space is
overwritten with zeros), then the write-ahead log is checkpointed and truncated, so the member's id
is gone from the database file and its ``-wal`` file, not just hidden.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.privacy import jsonids
from bot.privacy.registry import FORGOTTEN, MemberColumn, Table, personal_tables
from bot.storage.database import Database, Transaction

log = logging.getLogger(__name__)
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


#: Every table :meth:`PrivacyRepository.apply_retention` deletes from or blanks.
_RETENTION_TABLES = (
    "question_answers",
    "questions",
    "reminders",
    "tasks",
    "breakout_meetings",
    "breakout_sessions",
    "icebreaker_rounds",
    "meeting_attendance",
    "pulse_answers",
)


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return name


@dataclass(frozen=True, slots=True)
class TableExport:
    """The rows of one table that concern the member, with other people's ids hidden."""

    table: Table
    rows: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class OrphanedTask:
    """An open task the forgotten member was doing; ``creator_id`` is told (unless it is them)."""

    guild_id: int
    number: int
    creator_id: int


@dataclass(slots=True)
class ErasureResult:
    """What one erasure changed: rows per table, and the tasks now left with nobody doing them."""

    changed: dict[str, int] = field(default_factory=dict)
    orphaned_tasks: list[OrphanedTask] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.changed.values())


@dataclass(frozen=True, slots=True)
class Notice:
    """A waiting notice: tell ``user_id`` that task ``#task_number`` has nobody doing it now."""

    id: int
    guild_id: int
    user_id: int
    task_number: int


@dataclass(frozen=True, slots=True)
class Departure:
    guild_id: int
    user_id: int
    left_at: datetime


def _scope(guild_id: int | None, table: str) -> tuple[str, list[Any]]:
    """``AND guild_id = ?`` when one server is asked for (every personal table has ``guild_id``)."""
    if guild_id is None:
        return "", []
    return " AND guild_id = ?", [guild_id]


def _mask_value(column: MemberColumn, value: Any, user_id: int) -> Any:
    if column.json is not None:
        return jsonids.masked(column.json, json.loads(value), user_id)
    if value == user_id:
        return jsonids.YOU
    if value == FORGOTTEN:
        return "nobody"
    return jsonids.SOMEONE


def _row_id(tx: Transaction) -> str:
    """How to name a row: SQLite's ``rowid``; PostgreSQL's ``ctid`` (its physical row address, stable
    within the transaction these reads and writes share)."""
    return "ctid::text" if tx.dialect == "postgresql" else "rowid"


def _row_match(tx: Transaction) -> str:
    return "ctid = ?::tid" if tx.dialect == "postgresql" else "rowid = ?"


def _contains(tx: Transaction, col: str) -> str:
    """``col`` contains the text of the parameter (a member id's digits inside JSON)."""
    return f"strpos({col}, ?) > 0" if tx.dialect == "postgresql" else f"instr({col}, ?) > 0"


async def _secure_delete(tx: Transaction) -> None:
    """SQLite overwrites deleted content with zeros when asked; PostgreSQL's old row versions are
    removed by (auto)vacuum instead, so there is nothing to switch on there."""
    if tx.dialect == "sqlite":
        await tx.execute("PRAGMA secure_delete = ON")


async def _matching_rows(tx: Transaction, table: Table, user_id: int, guild_id: int | None) -> dict[Any, Any]:
    """row id → row for every row of ``table`` that holds the member's id in a declared column."""
    name = _ident(table.name)
    scope, params = _scope(guild_id, name)
    found: dict[Any, Any] = {}
    rowid = _row_id(tx)
    for column in table.member_columns:
        col = _ident(column.name)
        if column.json is None:
            rows = await tx.fetchall(
                f"SELECT {rowid} AS _rowid, * FROM {name} WHERE {col} = ?{scope}", [user_id, *params]
            )
        else:
            # The id's digits must appear in the text; the JSON is then read to be sure.
            rows = await tx.fetchall(
                f"SELECT {rowid} AS _rowid, * FROM {name} WHERE {_contains(tx, col)}{scope}", [str(user_id), *params]
            )
            rows = [r for r in rows if jsonids.contains(column.json, json.loads(r[col]), user_id)]
        for row in rows:
            found[row["_rowid"]] = row
    return found


class PrivacyRepository:
    """Export, erasure, leavers, notices and retention (see the module docstring)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- export ---------------------------------------------------------------------------------

    async def export(self, user_id: int, guild_id: int | None) -> list[TableExport]:
        """Every row about the member (in one server, or all), one entry per personal table."""
        out: list[TableExport] = []
        async with self._db.transaction() as tx:  # one consistent snapshot
            for table in personal_tables():
                rows = await _matching_rows(tx, table, user_id, guild_id)
                shown = []
                for _, row in sorted(rows.items()):
                    record = {k: row[k] for k in row.keys() if k != "_rowid"}  # noqa: SIM118
                    for column in table.member_columns:
                        record[column.name] = _mask_value(column, record[column.name], user_id)
                    shown.append(record)
                out.append(TableExport(table, tuple(shown)))
        return out

    # -- erasure --------------------------------------------------------------------------------

    async def erase(self, user_id: int, guild_id: int | None, *, now: datetime) -> ErasureResult:
        """Remove the member from every table, in one transaction, then checkpoint the log.

        Rows about them are deleted; community rows they appear in keep going without them; tasks
        they were doing stay with nobody named, their reminders are deleted, and a notice is queued
        for whoever set each open one.
        """
        if user_id == FORGOTTEN:
            raise ValueError("0 is not a member id")
        result = ErasureResult()
        async with self._db.transaction() as tx:
            await _secure_delete(tx)
            scope, params = _scope(guild_id, "tasks")
            given = await tx.fetchall(
                f"SELECT id, guild_id, number, creator_id, status FROM tasks WHERE assignee_id = ?{scope}",
                [user_id, *params],
            )
            if given:
                marks = ", ".join("?" for _ in given)
                result.changed["reminders"] = await tx.execute(
                    f"DELETE FROM reminders WHERE task_id IN ({marks})", [int(r["id"]) for r in given]
                )
            for table in personal_tables():
                name = _ident(table.name)
                tscope, tparams = _scope(guild_id, name)
                count = 0
                for column in table.member_columns:
                    col = _ident(column.name)
                    if column.on_erase == "delete":
                        count += await tx.execute(f"DELETE FROM {name} WHERE {col} = ?{tscope}", [user_id, *tparams])
                    elif column.on_erase == "blank":
                        count += await tx.execute(
                            f"UPDATE {name} SET {col} = ? WHERE {col} = ?{tscope}", [FORGOTTEN, user_id, *tparams]
                        )
                    else:
                        count += await self._drop_from_json(tx, table, column, user_id, guild_id)
                if count:
                    result.changed[name] = result.changed.get(name, 0) + count
            for row in given:
                creator = int(row["creator_id"])
                if row["status"] == "open" and creator not in (user_id, FORGOTTEN):
                    result.orphaned_tasks.append(OrphanedTask(int(row["guild_id"]), int(row["number"]), creator))
            await tx.executemany(
                "INSERT INTO privacy_notices (guild_id, user_id, task_number, created_at) VALUES (?, ?, ?, ?)",
                [(t.guild_id, t.creator_id, t.number, now.isoformat()) for t in result.orphaned_tasks],
            )
        if not await self._db.checkpoint(result.changed):
            log.warning("The database log could not be emptied after an erasure; it will be at the next checkpoint")
        return result

    @staticmethod
    async def _drop_from_json(
        tx: Transaction, table: Table, column: MemberColumn, user_id: int, guild_id: int | None
    ) -> int:
        assert column.json is not None
        name, col = _ident(table.name), _ident(column.name)
        scope, params = _scope(guild_id, name)
        rows = await tx.fetchall(
            f"SELECT {_row_id(tx)} AS _rowid, * FROM {name} WHERE {_contains(tx, col)}{scope}",
            [str(user_id), *params],
        )
        changed = 0
        for row in rows:
            data = json.loads(row[col])
            if not jsonids.contains(column.json, data, user_id):
                continue
            updates: dict[str, Any] = {col: json.dumps(jsonids.without(column.json, data, user_id))}
            if column.json == "ids" and "position" in row.keys():  # noqa: SIM118 (sqlite3.Row: `in` looks at values)
                # A list with a cursor (a speaking round): people called before the cursor move it back.
                before = sum(1 for v in data[: int(row["position"])] if v == user_id)
                updates["position"] = max(0, int(row["position"]) - before)
            sets = ", ".join(f"{_ident(k)} = ?" for k in updates)
            changed += await tx.execute(
                f"UPDATE {name} SET {sets} WHERE {_row_match(tx)}", [*updates.values(), row["_rowid"]]
            )
        return changed

    # -- leavers --------------------------------------------------------------------------------

    async def mark_departed(self, guild_id: int, user_id: int, left_at: datetime) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO departed_members (guild_id, user_id, left_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET left_at = excluded.left_at",
                (guild_id, user_id, left_at.isoformat()),
            )

    async def mark_returned(self, guild_id: int, user_id: int) -> bool:
        """Forget that the member left. Every join calls this, so the query carries only the server: the
        member's id goes into a statement (and the database driver's debug log) only if they had left."""
        rows = await self._db.fetchall("SELECT user_id FROM departed_members WHERE guild_id = ?", (guild_id,))
        if all(int(r[0]) != user_id for r in rows):
            return False
        async with self._db.transaction() as tx:
            return bool(
                await tx.execute("DELETE FROM departed_members WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
            )

    async def departed_before(self, cutoff: datetime) -> list[Departure]:
        rows = await self._db.fetchall(
            "SELECT guild_id, user_id, left_at FROM departed_members WHERE left_at <= ? ORDER BY left_at",
            (cutoff.isoformat(),),
        )
        return [Departure(int(r[0]), int(r[1]), datetime.fromisoformat(r[2])) for r in rows]

    async def next_departure(self) -> datetime | None:
        row = await self._db.fetchone("SELECT MIN(left_at) FROM departed_members")
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def known_member_ids(self, guild_id: int) -> set[int]:
        """Every member id the server's rows hold (plain columns and JSON), for noticing leavers."""
        found: set[int] = set()
        for table in personal_tables():
            if table.name in ("departed_members", "privacy_notices"):
                continue
            for column in table.member_columns:
                name, col = _ident(table.name), _ident(column.name)
                rows = await self._db.fetchall(f"SELECT DISTINCT {col} FROM {name} WHERE guild_id = ?", (guild_id,))
                for (value,) in rows:
                    if column.json is None:
                        found.add(int(value))
                    else:
                        found |= jsonids.member_ids(column.json, json.loads(value))
        return found - {FORGOTTEN}

    async def departed_in(self, guild_id: int) -> set[int]:
        rows = await self._db.fetchall("SELECT user_id FROM departed_members WHERE guild_id = ?", (guild_id,))
        return {int(r[0]) for r in rows}

    # -- notices --------------------------------------------------------------------------------

    async def pending_notices(self) -> list[Notice]:
        rows = await self._db.fetchall("SELECT id, guild_id, user_id, task_number FROM privacy_notices ORDER BY id")
        return [Notice(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]

    async def delete_notice(self, notice_id: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM privacy_notices WHERE id = ?", (notice_id,))

    # -- retention ------------------------------------------------------------------------------

    async def apply_retention(self, cutoff: datetime, keep_breakouts: int) -> dict[str, int]:
        """Delete what is older than ``cutoff`` (see ``/privacy``), in one transaction; rows per kind."""
        stamp = cutoff.isoformat()
        out: dict[str, int] = {}
        async with self._db.transaction() as tx:
            await _secure_delete(tx)
            await tx.execute(
                "DELETE FROM question_answers WHERE question_id IN (SELECT id FROM questions WHERE text != ''"
                " AND created_at < ? AND status IN ('answered', 'removed', 'rejected'))",
                (stamp,),
            )
            out["question texts"] = await tx.execute(
                "UPDATE questions SET text = '' WHERE text != '' AND created_at < ?"
                " AND status IN ('answered', 'removed', 'rejected')",
                (stamp,),
            )
            old_tasks = (
                "SELECT id FROM tasks WHERE status IN ('done', 'removed') AND COALESCE(closed_at, created_at) < ?"
            )
            await tx.execute(f"DELETE FROM reminders WHERE task_id IN ({old_tasks})", (stamp,))
            # The newest task of a server is never deleted (its number would be given again): it is
            # emptied instead and kept as a removed placeholder.
            newest = "SELECT MAX(number) FROM tasks n WHERE n.guild_id = tasks.guild_id"
            out["finished tasks"] = await tx.execute(
                f"DELETE FROM tasks WHERE id IN ({old_tasks}) AND number < ({newest})", (stamp,)
            )
            out["finished tasks"] += await tx.execute(
                f"UPDATE tasks SET description = '', assignee_id = ?, creator_id = ?, status = 'removed'"
                f" WHERE id IN ({old_tasks}) AND description != ''",
                (FORGOTTEN, FORGOTTEN, stamp),
            )
            out["breakout history"] = await tx.execute(
                "DELETE FROM breakout_meetings WHERE id NOT IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER"
                " (PARTITION BY guild_id ORDER BY id DESC) AS rn FROM breakout_meetings) AS ranked WHERE rn <= ?)",
                (keep_breakouts,),
            )
            out["breakout plans"] = await tx.execute(
                "DELETE FROM breakout_sessions WHERE status IN ('closed', 'cancelled')"
                " AND COALESCE(closed_at, created_at) < ?"
                " AND id NOT IN (SELECT session_id FROM breakout_meetings)",
                (stamp,),
            )
            out["speaking rounds"] = await tx.execute(
                "DELETE FROM icebreaker_rounds WHERE phase = 'finished' AND updated_at < ?", (stamp,)
            )
            out["meeting attendance"] = await tx.execute(
                "DELETE FROM meeting_attendance WHERE session_id IN"
                " (SELECT id FROM meeting_sessions WHERE status = 'closed' AND ended_at < ?)",
                (stamp,),
            )
            out["check-in answers"] = await tx.execute(
                "DELETE FROM pulse_answers WHERE pulse_id IN"
                " (SELECT id FROM pulses WHERE status = 'closed' AND closed_at < ?)",
                (stamp,),
            )
        if any(out.values()):  # fold the old pages out of the -wal only when something was removed
            await self._db.checkpoint(_RETENTION_TABLES)
        return out


@dataclass(frozen=True, slots=True)
class SchemaColumn:
    """One column of the live schema, as ``PRAGMA table_info`` reports it."""

    table: str
    name: str
    type: str
    not_null: bool
    primary_key: bool


async def schema_columns(db: Database) -> list[SchemaColumn]:
    """Every column of every table in the database (SQLite's own tables left out)."""
    if db.dialect == "postgresql":
        rows = await db.fetchall(
            "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable,"
            " EXISTS (SELECT 1 FROM information_schema.key_column_usage k"
            "  JOIN information_schema.table_constraints tc ON tc.constraint_name = k.constraint_name"
            "  AND tc.table_schema = k.table_schema"
            "  WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema"
            "  AND k.table_name = c.table_name AND k.column_name = c.column_name) AS pk"
            " FROM information_schema.columns c WHERE c.table_schema = current_schema()"
            " ORDER BY c.table_name, c.ordinal_position"
        )
        return [SchemaColumn(str(r[0]), str(r[1]), str(r[2]).upper(), r[3] == "NO", bool(r[4])) for r in rows]
    tables = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    out: list[SchemaColumn] = []
    for (table,) in tables:
        for row in await db.fetchall(f"PRAGMA table_info({_ident(str(table))})"):
            out.append(
                SchemaColumn(str(table), str(row["name"]), str(row["type"]), bool(row["notnull"]), bool(row["pk"]))
            )
    return out


OLDEST_QUERIES: tuple[tuple[str, str], ...] = (
    ("question text", "SELECT MIN(created_at) FROM questions WHERE text != ''"),
    (
        "finished task",
        "SELECT MIN(COALESCE(closed_at, created_at)) FROM tasks WHERE status != 'open' AND description != ''",
    ),
    ("breakout history", "SELECT MIN(held_at) FROM breakout_meetings"),
    ("finished round", "SELECT MIN(updated_at) FROM icebreaker_rounds WHERE phase = 'finished'"),
    ("member who left", "SELECT MIN(left_at) FROM departed_members"),
    ("meeting attendance", "SELECT MIN(joined_at) FROM meeting_attendance"),
    (
        "check-in answers",
        "SELECT MIN(p.closed_at) FROM pulses p WHERE p.status = 'closed'"
        " AND EXISTS (SELECT 1 FROM pulse_answers a WHERE a.pulse_id = p.id)",
    ),
)


async def read_oldest(path: Path) -> list[tuple[str, str | None]] | None:
    """The oldest row kept of each kind the retention job removes, read-only (``None``: no file)."""
    if not path.exists():
        return None
    out: list[tuple[str, str | None]] = []
    async with aiosqlite.connect(f"file:{path}?mode=ro", uri=True) as conn:
        for label, sql in OLDEST_QUERIES:
            try:
                async with conn.execute(sql) as cur:
                    row = await cur.fetchone()
            except sqlite3.OperationalError:  # an old schema without that table yet
                row = None
            out.append((label, row[0] if row else None))
    return out
