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
import os
import re
import sqlite3
import stat
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import aiosqlite

from bot.clock import utcnow
from bot.storage.lock import DatabaseLock

log = logging.getLogger(__name__)

#: Shipped inside the package (``bot/storage/migrations``), found through the import system.
MIGRATIONS_DIR: Traversable = resources.files("bot.storage") / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+?)(?:\.(postgresql))?\.sql$")
#: The dialects a migration may have its own file for (``NNN_name.postgresql.sql``).
DIALECTS = ("sqlite", "postgresql")


@dataclass(frozen=True, slots=True)
class Shards:
    """The gateway shards one process serves: ``count`` in all, ``ids`` here.

    Discord gives server ``g`` to shard ``(g >> 22) % count``; a process that serves only some shards
    has only those servers' channels and members in its cache, so it does only their scheduled work.
    """

    count: int
    ids: tuple[int, ...]

    def sql(self, column: str) -> str:
        """A condition keeping rows whose server ``column`` is on these shards (the same SQL on both backends)."""
        return f"(({column} >> 22) % {int(self.count)}) IN ({', '.join(str(int(i)) for i in self.ids)})"


def shard_condition(shards: Shards | None, column: str) -> str:
    """`` AND <condition>`` for a process on some shards, or nothing for one that serves every server."""
    return "" if shards is None else f" AND {shards.sql(column)}"


class SchemaTooNewError(Exception):
    """The database was written by a newer copbot than this one."""


class DatabaseUnusableError(Exception):
    """The database path cannot be used (a folder, not a database, unwritable); one sentence saying why."""


def not_copbots(target: object) -> DatabaseUnusableError:
    """The refusal for a database that holds another program's tables and no copbot schema."""
    return DatabaseUnusableError(
        f"The database {target} belongs to another program (it has tables but none of copbot's): "
        "point COPBOT_DB at copbot's own database, or at a new file."
    )


def private_file(path: Path) -> None:
    """Make sure the database file exists readable and writable by copbot's user only (0600).

    A new file is created so, before SQLite opens it (SQLite then gives its ``-wal`` and ``-shm`` files the
    same mode); an existing one that others may read is narrowed, so an upgrade also closes the gap.
    The database holds members' ids, tasks and questions: no other account on the machine needs it.
    """
    if str(path) == ":memory:":
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = stat.S_IMODE(each.stat().st_mode)
            if mode & 0o077:
                each.chmod(mode & 0o700)
        except OSError:  # not there, or not ours to change (the check above already said it is writable)
            continue


_SQLITE_HEADER = b"SQLite format 3\x00"


def _writable(path: Path) -> bool:
    """Writable by this process *and* not marked read-only in its mode bits.

    The mode bits matter because copbot often runs as root in containers, where ``os.access``
    says yes to everything: an operator who made the file read-only meant it, and a bot that starts
    and then fails on every write is worse than one that refuses at once.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return os.access(path, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def check_database_path(path: Path, *, create: bool = True) -> None:
    """Raise :class:`DatabaseUnusableError` if copbot could not keep its data at ``path``.

    Run before connecting to Discord, so a wrong ``COPBOT_DB`` is one sentence and exit 2 rather than
    a traceback, or a bot that seems to start and then loses every change. With ``create`` false
    (``copbot check``, which changes nothing) a missing folder is checked at its nearest existing parent.
    """
    if str(path) == ":memory:":
        return
    hint = "point COPBOT_DB at a database file copbot may write (or leave it unset)."
    if path.is_dir():
        raise DatabaseUnusableError(f"The database path {path} is a folder, not a file: {hint}")
    folder = path.parent
    if not create:
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnusableError(
            f"copbot cannot create the folder {folder} for its database ({exc.strerror or exc}): {hint}"
        ) from None
    if not folder.is_dir():
        raise DatabaseUnusableError(f"{folder} is not a folder, so the database {path} cannot live there: {hint}")
    # SQLite writes a -wal and a -shm file beside the database, so the folder must be writable too.
    if not _writable(folder):
        raise DatabaseUnusableError(f"copbot cannot write in the folder {folder} that holds its database: {hint}")
    if not path.exists():
        return
    if not _writable(path):
        raise DatabaseUnusableError(f"The database {path} is read-only, so copbot could not save anything: {hint}")
    try:
        with path.open("rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseUnusableError(f"The database {path} cannot be read ({exc.strerror or exc}): {hint}") from None
    if header and header != _SQLITE_HEADER:
        raise DatabaseUnusableError(f"The file {path} is not a copbot database (it is not an SQLite file): {hint}")


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL script."""

    version: int
    name: str
    sql: str


def load_migrations(directory: Traversable | Path = MIGRATIONS_DIR, *, dialect: str = "sqlite") -> list[Migration]:
    """All migrations in ``directory`` for ``dialect``, in order; gaps are allowed, duplicates are a bug.

    ``NNN_name.sql`` is plain SQL both backends run; where PostgreSQL needs other spellings (64-bit
    ids, identity columns, ``BYTEA``) ``NNN_name.postgresql.sql`` beside it replaces it there.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"Unknown SQL dialect {dialect!r}")
    plain: dict[int, Migration] = {}
    special: dict[int, Migration] = {}
    for path in sorted((p for p in directory.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"Migration file {path.name} must be named like 001_name.sql")
        version, name, only = int(match.group(1)), match.group(2), match.group(3)
        target = special if only else plain
        if version in target:
            raise RuntimeError(f"Two migrations share the number {version:03d}")
        if only and only != dialect:
            target[version] = Migration(version, name, "")  # counted for clashes, never run here
            continue
        target[version] = Migration(version, name, path.read_text(encoding="utf-8"))
    for version, migration in special.items():
        if version not in plain:
            raise RuntimeError(f"Migration {version:03d}_{migration.name} has a dialect file but no plain one")
        if migration.sql:
            plain[version] = migration
    return [plain[v] for v in sorted(plain)]


LATEST_VERSION = max((m.version for m in load_migrations()), default=0)


class Transaction:
    """The handle a caller writes through while it holds the database lock."""

    dialect = "sqlite"

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

    dialect = "sqlite"

    def __init__(self, path: Path, *, exclusive: bool = True) -> None:
        """``exclusive=False`` is for the operator's short commands (``copbot forget``, ``export-user``):
        they must work while the bot runs, so they share the file as SQLite allows (WAL, busy timeout)
        instead of taking the one-copbot lock, which is about two *bots* doing scheduled work twice."""
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._file_lock = DatabaseLock(path) if exclusive and str(path) != ":memory:" else None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("The database is not open yet")
        return self._conn

    async def open(self) -> None:
        """Take the one-copbot lock, open the file (creating its folder), switch on WAL, and migrate.

        Raises :class:`DatabaseUnusableError` (one sentence) when the path cannot hold a database,
        and :class:`~bot.storage.lock.DatabaseInUseError` when another copbot process has it.
        """
        if self._conn is not None:
            return  # already open: ``copbot run`` opens it before logging in, ``setup_hook`` again after
        check_database_path(self.path)
        if self._file_lock is not None:
            self._file_lock.acquire()
        try:
            private_file(self.path)
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
            self._conn.row_factory = sqlite3.Row
            # Before anything is written (WAL mode itself is written into the file): never touch
            # another program's database.
            if await _is_foreign(self._conn):
                raise not_copbots(self.path)
            await _run(self._conn, "PRAGMA journal_mode=WAL")
            await _run(self._conn, "PRAGMA foreign_keys=ON")
            await _run(self._conn, "PRAGMA secure_delete=ON")
            await _run(self._conn, "PRAGMA synchronous=NORMAL")
            await _run(self._conn, "PRAGMA busy_timeout=5000")
            await self.migrate()
        except sqlite3.DatabaseError as exc:
            await self.close()
            raise DatabaseUnusableError(
                f"The database {self.path} cannot be used ({exc}): point COPBOT_DB at a copbot database file "
                "copbot may write (or leave it unset)."
            ) from None
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Fold the write-ahead log back into the main file, close, and give the lock back.

        The checkpoint leaves one self-contained ``.db`` file after a clean stop, which is what an
        operator copies for a backup; a stray ``-wal`` beside it would hold the latest changes.
        """
        try:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                try:
                    await _run(conn, "PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.Error:
                    log.warning("Could not fold the write-ahead log into %s; SQLite will on next open", self.path)
                await conn.close()
        finally:
            if self._file_lock is not None:
                self._file_lock.release()

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

    async def checkpoint(self, tables: Iterable[str] = ()) -> bool:
        """Copy the write-ahead log into the database file and truncate it to nothing.

        After an erasure, old copies of changed pages would otherwise linger in the ``-wal`` file.
        Returns ``False`` if another process (say, ``copbot forget`` while the bot runs) kept it from
        finishing within the busy timeout; the next checkpoint then finishes the job. ``tables`` matters
        only on PostgreSQL (see :meth:`PostgresDatabase.checkpoint`): here ``secure_delete`` has already
        zeroed the deleted rows in the main file, whatever the table.
        """
        async with self._lock, self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            row = await cur.fetchone()
        return row is None or int(row[0]) == 0

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement as its own transaction (autocommit); return how many rows it changed.

        For the hottest single-row writes (a reminder recorded as sent after each message): one round
        trip to SQLite's thread instead of three (BEGIN, the statement, COMMIT), and just as atomic.
        """
        async with self._lock:
            return await _run(self.conn, sql, params)

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


async def _is_foreign(conn: aiosqlite.Connection) -> bool:
    """True for a SQLite file with tables of its own but no ``schema_migrations``: another program's."""
    async with conn.execute(
        "SELECT COUNT(*), SUM(name = 'schema_migrations') FROM sqlite_master WHERE type = 'table'"
    ) as cursor:
        row = await cursor.fetchone()
    tables, ours = (row[0] or 0, row[1] or 0) if row is not None else (0, 0)
    return tables > 0 and not ours


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
    check_database_path(path, create=False)
    if not path.exists():
        return None
    async with aiosqlite.connect(f"file:{path}?mode=ro", uri=True) as conn:
        if await _is_foreign(conn):
            raise not_copbots(path)
        return await _schema_version(conn)
