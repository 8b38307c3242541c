"""What the operator holds on disk: the bytes an anonymity or erasure proof searches.

On SQLite that is the database file and its ``-wal``/``-shm``/``-journal`` files. On PostgreSQL it
is every file of the test's database (tables, indexes, TOAST, free-space and visibility maps) after a
``CHECKPOINT`` has written every page out, and, separately, the cluster's write-ahead log.

The write-ahead log is shared by every database in the cluster (one per test), and SimCord gives
the same ids in every test, so another test's rows may hold this test's asker's *id* quite
legitimately (as a member there). Only text that copbot never stores at all (an asker's names) can
be searched for in it without false alarms; ids are searched in the database's own files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bot.storage.postgres import is_postgres_url


@dataclass(frozen=True)
class StoredBytes:
    """``database``: this database's own files; ``shared_log``: the cluster's log (empty on SQLite)."""

    database: bytes
    shared_log: bytes = b""


def _sqlite_bytes(db_path: Path) -> bytes:
    out = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(str(db_path) + suffix)
        if path.exists():
            out += path.read_bytes()
    assert out, f"the database file {db_path} should exist"
    return out


async def _postgres_bytes(url: str) -> StoredBytes:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CHECKPOINT")  # every changed page written into the table files
        data_dir = Path(await conn.fetchval("SHOW data_directory"))
        oid = await conn.fetchval("SELECT oid FROM pg_database WHERE datname = current_database()")
    finally:
        await conn.close()
    folder = data_dir / "base" / str(oid)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    assert files, f"PostgreSQL's files for this database should be readable in {folder}"
    wal = sorted(p for p in (data_dir / "pg_wal").iterdir() if p.is_file() and len(p.name) == 24)
    assert wal, "PostgreSQL's write-ahead log should be readable"
    return StoredBytes(b"".join(p.read_bytes() for p in files), b"".join(p.read_bytes() for p in wal))


async def stored_bytes(db_path: Path) -> StoredBytes:
    """Everything the bot's database holds on disk for this test, on whichever backend it runs."""
    target = os.environ.get("COPBOT_DB", str(db_path))
    if is_postgres_url(target):
        return await _postgres_bytes(target)
    return StoredBytes(_sqlite_bytes(db_path))
