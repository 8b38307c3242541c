"""PostgreSQL behind the same small interface as the SQLite :class:`~bot.storage.database.Database`.

Why asyncpg directly, not an SQL toolkit: the repositories already hold plain, portable SQL with
``?`` placeholders and read rows by index or name. asyncpg's ``Record`` reads the same way as
``sqlite3.Row``, so keeping the :class:`Transaction` methods (``execute``, ``fetchone``,
``fetchall``, ``insert``) and translating the few spellings that differ (placeholders,
``INSERT OR IGNORE``, the new row's id) keeps every repository's interface *and* its SQL, where a
toolkit would have meant rewriting every query into its expression language or its own
``:name`` placeholders. It is also what the Python bots that run at scale use (Red-DiscordBot's
PostgreSQL driver, RoboDanny).

Concurrency: reads go to a connection pool and run in parallel. Writes inside one process are
serialised by an ``asyncio.Lock``, as on SQLite: repositories were written for SQLite's single writer
(for example "next number = MAX(number) + 1" inside a transaction), and a server's interactions all
reach the one process holding its shard, so per-server writes never race across processes. Work that
*is* shared across processes (the reminder outbox) claims rows with ``FOR UPDATE SKIP LOCKED``.

The single-instance rule becomes one advisory lock per shard range (see :class:`AdvisoryLock`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.clock import utcnow
from bot.storage.database import DatabaseUnusableError, Migration, SchemaTooNewError, load_migrations, not_copbots
from bot.storage.lock import DatabaseInUseError

log = logging.getLogger(__name__)

#: Seconds to wait before each new ``VACUUM FULL`` while a rewrite keeps deleted rows (about 3.5 s in all).
REWRITE_WAITS = (0.25, 0.5, 1.0, 1.75)
#: How ``VACUUM (FULL, VERBOSE)`` says it kept deleted rows (PostgreSQL 13 to 17 word it so).
_KEPT = re.compile(r"(\d+) dead row versions cannot be removed yet")
#: How a rewrite waits between tries (a name of its own so a test can step it without real waiting).
_pause = asyncio.sleep

#: Tables whose row id column is not called ``id`` (what :meth:`Transaction.insert` returns).
_ROW_ID_COLUMN = {"icebreaker_rounds": "round_id"}
_INSERT_TABLE = re.compile(r"^\s*INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+(\w+)", re.IGNORECASE)
_OR_IGNORE = re.compile(r"^(\s*INSERT)\s+OR\s+IGNORE\s+(INTO\b)", re.IGNORECASE)
#: Migrations from two processes starting at once run one after the other under this lock.
_MIGRATION_LOCK_KEY = 0x636F70626F74  # "copbot"


def is_postgres_url(target: str) -> bool:
    """True for ``postgresql://…`` (or ``postgres://…``) database targets."""
    return target.startswith(("postgresql://", "postgres://"))


def redact_url(url: str) -> str:
    """The URL with any password replaced, for logs and ``copbot check``."""
    return re.sub(r"(://[^/:@]+):[^/@]*@", r"\1:***@", url)


def connection_problem(exc: BaseException, url: str) -> DatabaseUnusableError | None:
    """One sentence for a PostgreSQL server that cannot be used as configured, or None for anything else.

    These are the host's to fix (a stopped server, a wrong password, a database not created yet), so
    every command that opens the database says which, in one line, instead of a page of traceback.
    """
    where = redact_url(url)
    fix = "fix COPBOT_DB (or bot.database in the configuration)"
    if isinstance(exc, asyncpg.InvalidPasswordError):
        return DatabaseUnusableError(f"PostgreSQL refused the password in {where}: {fix} with the right password.")
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return DatabaseUnusableError(
            f"The PostgreSQL server has no database named in {where}: create it (createdb), or {fix}."
        )
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return DatabaseUnusableError(f"PostgreSQL refused the user in {where} ({_one_line(exc)}): {fix}.")
    if isinstance(exc, OSError | TimeoutError | asyncpg.ConnectionFailureError | asyncpg.CannotConnectNowError):
        return DatabaseUnusableError(
            f"copbot could not reach the PostgreSQL server in {where} ({_one_line(exc)}): check that it is "
            f"running and that the host and port are right, or {fix}."
        )
    return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def translate(sql: str) -> str:
    """SQLite spelling → PostgreSQL spelling for what the repositories use.

    ``?`` placeholders (outside quoted strings) become ``$1``, ``$2``…; ``INSERT OR IGNORE INTO``
    becomes ``INSERT INTO … ON CONFLICT DO NOTHING`` (before any ``RETURNING``).
    """
    out: list[str] = []
    n = 0
    quote: str | None = None
    for ch in sql:
        if quote is not None:
            if ch == quote:
                quote = None
            out.append(ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(ch)
    text = "".join(out)
    if _OR_IGNORE.match(text):
        text = _OR_IGNORE.sub(r"\1 \2", text, count=1)
        at = re.search(r"\sRETURNING\s", text, re.IGNORECASE)
        if at:
            text = text[: at.start()] + " ON CONFLICT DO NOTHING" + text[at.start() :]
        else:
            text = text.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
    return text


def _rowcount(status: str) -> int:
    """asyncpg's command tag (``UPDATE 3``) → the number of rows changed."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class Transaction:
    """The handle a caller writes through; the same methods as the SQLite one."""

    dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement and return how many rows it changed."""
        return _rowcount(await self._conn.execute(translate(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            await self._conn.executemany(translate(sql), rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> asyncpg.Record | None:
        return await self._conn.fetchrow(translate(sql), *params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        return list(await self._conn.fetch(translate(sql), *params))

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT and return the new row's id (its ``id`` column, see ``_ROW_ID_COLUMN``)."""
        match = _INSERT_TABLE.match(sql)
        if match is None:
            raise ValueError("insert() needs an INSERT statement")
        column = _ROW_ID_COLUMN.get(match.group(1).lower(), "id")
        value = await self._conn.fetchval(translate(sql) + f" RETURNING {column}", *params)
        assert value is not None
        return int(value)


class AdvisoryLock:
    """One copbot per (database, shard range): a session-level PostgreSQL advisory lock.

    Held on a dedicated connection for as long as the bot runs; PostgreSQL drops it when that
    connection ends, however the process ends, so a crash never leaves a stale lock. Within one
    process it is re-entrant per key (as the SQLite file lock is), so test harnesses may start
    several bots on one database.
    """

    _held: dict[tuple[str, str], tuple[asyncpg.Connection, int]] = {}  # noqa: RUF012 (process-wide)

    def __init__(self, url: str, scope: str) -> None:
        self.url = url
        self.scope = scope
        self._acquired = False

    def lock_names(self) -> list[str]:
        """One lock per shard for ``shards:N:A-B`` (so overlapping ranges refuse each other), else one."""
        if self.scope.startswith("shards:"):
            _, count, span = self.scope.split(":")
            first, last = (int(x) for x in span.split("-"))
            return [f"copbot:shard:{n}/{count}" for n in range(first, last + 1)]
        return [f"copbot:{self.scope}"]

    async def acquire(self) -> None:
        if self._acquired:
            return
        key = (self.url, self.scope)
        held = self._held.get(key)
        if held is None:
            conn = await asyncpg.connect(self.url)
            got = True
            for name in self.lock_names():
                got = await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", name)
                if not got:
                    break
            if not got:
                await conn.close()  # gives back any of the range's locks it did take
                where = "all shards" if self.scope == "all" else f"shards {self.scope.rsplit(':', 1)[-1]}"
                raise DatabaseInUseError(
                    f"Another copbot is already running {where} on the database {redact_url(self.url)}: "
                    "stop it first, or give this one other shards."
                )
            held = (conn, 0)
        self._held[key] = (held[0], held[1] + 1)
        self._acquired = True

    async def release(self) -> None:
        if not self._acquired:
            return
        self._acquired = False
        key = (self.url, self.scope)
        conn, count = self._held.pop(key, (None, 0))
        if conn is None:
            return
        if count > 1:
            self._held[key] = (conn, count - 1)
            return
        try:
            await conn.close()
        except Exception:  # the lock goes with the connection either way
            log.warning("Could not close the lock connection cleanly", exc_info=True)


class PostgresDatabase:
    """The bot's database on PostgreSQL (see the module docstring)."""

    dialect = "postgresql"
    #: Seconds :meth:`close` waits for borrowed connections before terminating them.
    close_timeout: float = 10.0

    def __init__(self, url: str, *, exclusive: bool = True, lock_scope: str = "all") -> None:
        self.url = url
        self.path = redact_url(url)  # what messages name ("the database …")
        self._pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()
        self._advisory = AdvisoryLock(url, lock_scope) if exclusive else None
        #: Rewrites trying again in the background, by table (see :meth:`_rewrite_again`).
        self._retrying: dict[str, asyncio.Task[None]] = {}

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("The database is not open yet")
        return self._pool

    async def open(self) -> None:
        """Take this shard range's lock, open a pool and migrate."""
        if self._pool is not None:
            return
        try:
            if self._advisory is not None:
                await self._advisory.acquire()
            self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=5)
            if await _is_foreign(self._pool):
                raise not_copbots(self.path)
            await self.migrate()
        except BaseException as exc:
            await self.close()
            problem = connection_problem(exc, self.url)
            if problem is not None:
                raise problem from None
            raise

    async def close(self) -> None:
        """Close the pool, waiting at most :attr:`close_timeout` for connections in use to come back.

        A graceful ``Pool.close()`` waits for every borrowed connection, for ever. A stop must not
        hang on one that is never returned (a handler stuck on a dead network, or a task cancelled
        before asyncpg could hand its connection back), so after the wait the rest are terminated.
        """
        try:
            for task in self._retrying.values():  # the next rewrite, or autovacuum, finishes their work
                task.cancel()
            await asyncio.gather(*self._retrying.values(), return_exceptions=True)
            self._retrying.clear()
            if self._pool is not None:
                pool, self._pool = self._pool, None
                try:
                    await asyncio.wait_for(asyncio.shield(pool.close()), self.close_timeout)
                except TimeoutError:
                    log.warning(
                        "A database connection was still in use %.0f s after the stop began; closing it anyway",
                        self.close_timeout,
                    )
                    pool.terminate()
        finally:
            if self._advisory is not None:
                await self._advisory.release()

    async def schema_version(self) -> int:
        async with self.pool.acquire() as conn:
            return await _schema_version(conn)

    async def migrate(self, migrations: list[Migration] | None = None) -> int:
        """Apply the migrations this database lacks, each in one transaction; return the new version."""
        migrations = load_migrations(dialect="postgresql") if migrations is None else migrations
        async with self._lock, self.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK_KEY)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                current = await _schema_version(conn)
                applied = {int(r[0]) for r in await conn.fetch("SELECT version FROM schema_migrations")}
                latest = migrations[-1].version if migrations else 0
                if current > latest:
                    raise SchemaTooNewError(
                        f"The database {self.path} was made by a newer version of copbot (schema version "
                        f"{current}; this copy knows up to {latest}). Upgrade copbot, or point COPBOT_DB elsewhere."
                    )
                for migration in migrations:
                    if migration.version in applied:
                        continue
                    async with conn.transaction():
                        await conn.execute(migration.sql)  # no parameters: several statements allowed
                        await conn.execute(
                            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                            migration.version,
                            migration.name,
                            utcnow().isoformat(),
                        )
                    log.info("Applied database migration %03d_%s", migration.version, migration.name)
                    current = max(current, migration.version)
                return current
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK_KEY)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One write transaction (serialised within this process); commit on success, roll back on error."""
        async with self._lock, self.pool.acquire() as conn, conn.transaction():
            yield Transaction(conn)

    async def checkpoint(self, tables: Iterable[str] = ()) -> bool:
        """Rewrite ``tables`` without the rows just deleted from them (``VACUUM FULL``).

        PostgreSQL keeps a deleted row in its table file as a dead version until a vacuum, and a plain
        ``VACUUM`` may still leave its bytes in a page's free space or in an index (measured: a row at
        the edge of a page's free space, and a primary key entry, survived one). ``VACUUM FULL`` writes
        each table and its indexes anew without them. It locks each table for the moment that takes,
        so callers keep it for rare work: an erasure, closing a check-in, the daily retention. With no
        ``tables`` this does nothing. A rewrite that had to keep deleted rows tries again in the
        background (:meth:`_rewrite_again`), so nobody waits for it. Returns ``False`` if a rewrite
        failed (the next one, or autovacuum, then finishes the job). PostgreSQL's own write-ahead log
        keeps the change until it recycles its segments: that is the host's to protect, like any
        PostgreSQL server's disk.
        """
        names = sorted(set(tables))
        for name in names:
            if not name.isidentifier():
                raise ValueError(f"{name!r} is not a table name")
        ok = True
        for name in names:  # one statement each, outside any transaction (VACUUM cannot run in one)
            try:
                ok = await self._rewrite(name) and ok
            except asyncpg.PostgresError:
                log.warning("Could not rewrite %s after a deletion", name, exc_info=True)
                ok = False
        return ok

    async def _rewrite(self, name: str) -> bool:
        """``VACUUM FULL`` one table; if it had to keep deleted rows, try again in the background.

        A rewrite keeps a deleted row that a transaction still open elsewhere on the server might see
        ("recently dead": measured while another database was being created). The caller does not
        wait for that transaction: the member who closed a check-in with the last answer, or asked to
        be forgotten, is answered at once, within Discord's 3 seconds.
        """
        if await self._vacuum(name) and (name not in self._retrying or self._retrying[name].done()):
            self._retrying[name] = asyncio.create_task(self._rewrite_again(name), name=f"copbot-rewrite-{name}")
        return True

    async def _rewrite_again(self, name: str) -> None:
        """``VACUUM FULL`` after each of :data:`REWRITE_WAITS` until it copies no deleted row.

        PostgreSQL says how many rows it kept (``VERBOSE``); the short waits are enough for the brief
        transactions behind this. A long one outlasts them: then this says so in the log, and the next
        rewrite or autovacuum after that transaction ends removes the rows. The process's write lock
        is held for each rewrite only, never across a wait.
        """
        kept = 0
        try:
            for wait in REWRITE_WAITS:
                await _pause(wait)
                kept = await self._vacuum(name)
                if not kept:
                    return
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, RuntimeError):
            log.warning("Could not rewrite %s again after a deletion", name, exc_info=True)
            return
        log.warning(
            "%s still holds %s deleted row(s) that an open transaction on this PostgreSQL server may see; "
            "they are removed by the next vacuum after it ends",
            name,
            kept,
        )

    async def _vacuum(self, name: str) -> int:
        """One ``VACUUM (FULL, VERBOSE)`` of ``name``: how many deleted rows it had to keep."""
        kept: list[int] = []

        def listen(_conn: object, message: asyncpg.PostgresLogMessage) -> None:
            found = _KEPT.search(f"{message.message} {getattr(message, 'detail', '') or ''}")
            if found:
                kept.append(int(found.group(1)))

        async with self.pool.acquire() as conn:
            conn.add_log_listener(listen)
            try:
                async with self._lock:  # none of this process's writes waits on the locked table
                    await conn.execute(f"VACUUM (FULL, VERBOSE) {name}")
            finally:
                conn.remove_log_listener(listen)
        return sum(kept)

    async def rewrites_finished(self) -> None:
        """Wait for the rewrites trying again in the background (a test's way to see their end)."""
        while pending := [task for task in self._retrying.values() if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement as its own transaction; return how many rows it changed."""
        async with self._lock:
            return _rowcount(await self.pool.execute(translate(sql), *params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> asyncpg.Record | None:
        return await self.pool.fetchrow(translate(sql), *params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        return list(await self.pool.fetch(translate(sql), *params))


async def _is_foreign(pool: asyncpg.Pool) -> bool:
    """True for a database whose schema holds another program's tables and no ``schema_migrations``."""
    tables, ours = await pool.fetchrow(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE table_name = 'schema_migrations') FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    return tables > 0 and not ours


async def _schema_version(conn: asyncpg.Connection) -> int:
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
