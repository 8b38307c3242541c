"""``copbot migrate-db SQLITE_PATH POSTGRES_URL``: move a community's SQLite database to PostgreSQL.

Every table is copied in one PostgreSQL transaction, parents before children (foreign keys are
checked as rows arrive), the identity counters are moved past the copied ids, and then every table is
read back from both sides and compared row for row; any difference rolls the whole copy back. The
target must be empty (a fresh database that copbot has only migrated), so nothing is ever merged
into existing data by accident. The SQLite file is opened with the one-copbot lock, so the copy
refuses to run while a bot is using it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.storage.database import Database
from bot.storage.postgres import PostgresDatabase


class CopyError(Exception):
    """The copy could not be made or did not check out; one sentence, and nothing was changed."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _normal(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview | bytearray) else value


async def _tables_in_order(source: Database) -> list[str]:
    """The source's tables, each after the tables its foreign keys point to."""
    names = [
        str(r[0])
        for r in await source.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name != 'schema_migrations' ORDER BY name"
        )
    ]
    parents = {n: {str(r["table"]) for r in await source.fetchall(f'PRAGMA foreign_key_list("{n}")')} for n in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] - {n} <= set(ordered)]
        if not ready:
            raise CopyError("The tables' foreign keys form a cycle, so they cannot be copied in order.")
        ordered += ready
    return ordered


async def copy_database(sqlite_path: Path, postgres_url: str) -> CopyReport:
    """Copy every table of ``sqlite_path`` into the empty copbot database at ``postgres_url``."""
    if not sqlite_path.exists():
        raise CopyError(f"There is no database at {sqlite_path}: give the path of the bot's copbot.db file.")
    source = Database(sqlite_path)  # the one-copbot lock: not while a bot writes to it
    target = PostgresDatabase(postgres_url, exclusive=False)
    await source.open()
    try:
        await target.open()
        try:
            if await source.schema_version() != await target.schema_version():
                raise CopyError("The two databases are at different schema versions; use the same copbot for both.")
            tables = await _tables_in_order(source)
            counts: dict[str, int] = {}
            async with target.transaction() as tx:
                for table in tables:
                    if (await tx.fetchone(f'SELECT COUNT(*) FROM "{table}"'))[0]:
                        raise CopyError(
                            f"The PostgreSQL database already holds copbot data (table {table}): "
                            "copy into a new, empty database."
                        )
                for table in tables:
                    rows = await source.fetchall(f'SELECT * FROM "{table}"')
                    counts[table] = len(rows)
                    if not rows:
                        continue
                    columns = list(rows[0].keys())
                    names = ", ".join(f'"{c}"' for c in columns)
                    marks = ", ".join("?" for _ in columns)
                    await tx.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', [tuple(r) for r in rows])
                # Identity columns: the next new row must get an id after the copied ones.
                for table, column in await tx.fetchall(
                    "SELECT table_name, column_name FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND is_identity = 'YES'"
                ):
                    await tx.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'),"
                        f' COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{table}"'
                    )
                for table in tables:  # row for row, inside the same transaction: a difference undoes it all
                    mine = sorted(
                        (tuple(_normal(v) for v in r) for r in await source.fetchall(f'SELECT * FROM "{table}"')),
                        key=repr,
                    )
                    columns = ", ".join(f'"{c}"' for c in (await _columns(source, table)))
                    theirs = sorted(
                        (tuple(_normal(v) for v in r) for r in await tx.fetchall(f'SELECT {columns} FROM "{table}"')),
                        key=repr,
                    )
                    if mine != theirs:
                        raise CopyError(f"Table {table} did not copy exactly, so nothing was copied.")
            return CopyReport(counts)
        finally:
            await target.close()
    finally:
        await source.close()


async def _columns(source: Database, table: str) -> list[str]:
    return [str(r["name"]) for r in await source.fetchall(f'PRAGMA table_info("{table}")')]
