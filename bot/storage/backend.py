"""Choosing the database backend from ``COPBOT_DB``: a file path (SQLite, the default) or a URL.

Both backends offer the same methods (``open``, ``close``, ``migrate``, ``schema_version``,
``transaction``, ``fetchone``, ``fetchall``, ``checkpoint``) and a ``dialect`` attribute, which the few
places whose SQL must differ (privacy's row search, the reminder claim) read.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from bot.storage.database import Database
from bot.storage.postgres import PostgresDatabase, is_postgres_url

if TYPE_CHECKING:
    from bot.config import Config

#: Raised by either backend when a UNIQUE, CHECK or foreign-key constraint refuses a write.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)

AnyDatabase = Database | PostgresDatabase


def make_database(
    target: str | Path, *, url: str | None = None, exclusive: bool = True, lock_scope: str = "all"
) -> AnyDatabase:
    """The database for a configured target: ``url`` (PostgreSQL) when given, else the SQLite file.

    ``lock_scope`` names the shard range this process serves ("all" when it is not sharded): on
    PostgreSQL one process per range may run; SQLite keeps its one-process file lock.
    """
    if url is None and is_postgres_url(str(target)):
        url = str(target)
    if url is not None:
        return PostgresDatabase(url, exclusive=exclusive, lock_scope=lock_scope)
    return Database(Path(target), exclusive=exclusive)


def operator_database(config: Config) -> AnyDatabase:
    """The database ``copbot run`` uses (the same resolution: COPBOT_DB path or URL, the configuration,
    the data folder), for an operator's short command (``forget``, ``export-user``, ``backup``).

    It does not take the one-copbot lock, so it works while the bot runs: SQLite shares the file (WAL,
    busy timeout) and PostgreSQL serves both. Opening still refuses another program's database and one
    from a newer copbot, and names a PostgreSQL server that cannot be reached, in one sentence.
    """
    return make_database(config.database_path, url=config.database_url, exclusive=False)
