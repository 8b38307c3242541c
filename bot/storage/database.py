"""One SQLite file, opened once, migrated at start-up, written only inside transactions.

Why it looks like this:

* The connection runs in autocommit mode (``isolation_level=None``) and every write goes through
  :meth:`Database.transaction`, which issues ``BEGIN IMMEDIATE`` … ``COMMIT`` itself. Python's implicit
  transactions are hard to reason about; explicit ones make "never half written" easy to check.
* One aiosqlite connection is shared by the whole bot, so two coroutines could otherwise interleave
  statements inside each other's transaction. An ``asyncio.Lock`` serialises all access. SQLite
  serialises writers anyway, and the lock costs microseconds.
* Migrations are numbered ``NNN_name.sql`` files beside this module. Each is applied in its own
  transaction together with its row in ``schema_migrations``, so a failed migration leaves the
  database exactly as it was. Any migration whose number is not recorded yet is applied, so numbers
  reserved per feature may leave gaps. A database written by a newer copbot is refused rather than
  touched.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from bot.clock import utcnow

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


class SchemaTooNewError(Exception):
    """The database was written by a newer copbot than this one."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL script."""

    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migrations in ``directory``, in order; gaps or duplicate numbers are a programming error."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"Migration file {path.name} must be named like 001_name.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"Two migrations share a number: {versions}")
    return found


LATEST_VERSION = max((m.version for m in load_migrations()), default=0)


class Transaction:
    """The handle a caller writes through while it holds the database lock."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement and return how many rows it changed."""
        return await _run(self._conn, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT and return the new row id."""
        cur = await self._conn.execute(sql, params)
        rowid = cur.lastrowid
        await cur.close()
        assert rowid is not None
        return rowid


class Database:
    """The bot's single SQLite database (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("The database is not open yet")
        return self._conn

    async def open(self) -> None:
        """Open the file (creating its folder), switch on WAL and foreign keys, and migrate."""
        if self.path.parent and str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        await _run(self._conn, "PRAGMA journal_mode=WAL")
        await _run(self._conn, "PRAGMA foreign_keys=ON")
        await _run(self._conn, "PRAGMA synchronous=NORMAL")
        await _run(self._conn, "PRAGMA busy_timeout=5000")
        # Deleted rows and overwritten text are zeroed on disk, not left in free pages (issue #14).
        await _run(self._conn, "PRAGMA secure_delete=ON")
        try:
            await self.migrate()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    async def schema_version(self) -> int:
        """The highest migration applied to this file (0 for a new file)."""
        async with self._lock:
            return await _schema_version(self.conn)

    async def migrate(self, migrations: list[Migration] | None = None) -> int:
        """Apply the migrations this file lacks, each in one transaction; return the new version."""
        migrations = load_migrations() if migrations is None else migrations
        async with self._lock:
            conn = self.conn
            await _run(
                conn,
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
            )
            current = await _schema_version(conn)
            applied = await _applied_versions(conn)
            latest = migrations[-1].version if migrations else 0
            if current > latest:
                raise SchemaTooNewError(
                    f"The database {self.path} was made by a newer version of copbot (schema version {current}; "
                    f"this copy knows up to {latest}). Upgrade copbot, or point COPBOT_DB at another file."
                )
            for migration in migrations:
                if migration.version in applied:
                    continue
                # executescript would COMMIT any open transaction first, so run statements one by one.
                await _run(conn, "BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(migration.sql):
                        await _run(conn, statement)
                    await _run(
                        conn,
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        (migration.version, migration.name, utcnow().isoformat()),
                    )
                    await _run(conn, "COMMIT")
                except BaseException:
                    await _run(conn, "ROLLBACK")
                    raise
                log.info("Applied database migration %03d_%s", migration.version, migration.name)
                current = max(current, migration.version)
            return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Hold the lock and an immediate write transaction; commit on success, roll back on any error."""
        async with self._lock:
            conn = self.conn
            await _run(conn, "BEGIN IMMEDIATE")
            try:
                yield Transaction(conn)
            except BaseException:
                await _run(conn, "ROLLBACK")
                raise
            else:
                await _run(conn, "COMMIT")

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """A single read, taken under the lock so it never sees another caller's open transaction."""
        async with self._lock, self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock, self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())


async def _run(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    """Execute one statement and close its cursor at once: an unread cursor would block COMMIT."""
    async with conn.execute(sql, params) as cur:
        return cur.rowcount


async def _schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ) as cur:
        if await cur.fetchone() is None:
            return 0
    async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def _applied_versions(conn: aiosqlite.Connection) -> set[int]:
    async with conn.execute("SELECT version FROM schema_migrations") as cur:
        return {int(row[0]) for row in await cur.fetchall()}


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements using SQLite's own notion of a complete statement."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()):
        raise RuntimeError(f"Migration ends with an incomplete statement: {buffer.strip()[:60]}")
    return statements


async def read_schema_version(path: Path) -> int | None:
    """The schema version of the file at ``path`` without changing it (``None`` if there is no file)."""
    if not path.exists():
        return None
    async with aiosqlite.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return await _schema_version(conn)
