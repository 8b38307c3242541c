"""A consistent copy of a SQLite database, taken while the bot may be using it.

SQLite's online backup API copies the database page by page under a read transaction, so the copy is
the database as it was at one instant, including changes still in the write-ahead log, while the bot
goes on writing (WAL lets readers and the writer work side by side). Copying the file with ``cp``
instead could mix pages from before and after a write, and would miss what is still in ``-wal``.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.storage.database import DatabaseUnusableError, not_copbots


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What was copied: the schema version and the rows per table, as read back from the copy."""

    version: int
    rows: dict[str, int]


def backup_sqlite(source: Path, destination: Path) -> BackupReport:
    """Copy ``source`` into the new file ``destination`` (created 0600), then check the copy.

    Raises :class:`DatabaseUnusableError` with one sentence for a missing source, a destination that
    already exists (a backup never overwrites), a folder that is not there, or a file that is not
    copbot's; a failed or damaged copy is removed again.
    """
    if not source.is_file():
        raise DatabaseUnusableError(f"There is no database at {source}: set COPBOT_DB to the bot's database file.")
    if destination.exists():
        raise DatabaseUnusableError(f"{destination} already exists: choose a new file name for the backup.")
    try:
        # Made readable by this user only before a byte is written: the copy holds what the database holds.
        os.close(os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise DatabaseUnusableError(
            f"copbot cannot create the backup file {destination} ({exc.strerror or exc}): "
            "choose a folder that exists and that you may write in."
        ) from None
    try:
        report = _copy(source, destination)
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    return report


def _copy(source: Path, destination: Path) -> BackupReport:
    src = sqlite3.connect(source, timeout=30)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        names = [r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if names and "schema_migrations" not in names:
            raise not_copbots(source)
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)  # every page in one step: one consistent snapshot
            # A self-contained file: no -wal beside the copy, whatever mode the original was in.
            dst.execute("PRAGMA journal_mode=DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise DatabaseUnusableError(f"The backup {destination} did not pass SQLite's check ({check}).")
            tables = [
                r[0]
                for r in dst.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            rows = {t: int(dst.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in tables}
            version = (
                int(dst.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])
                if "schema_migrations" in rows
                else 0
            )
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseUnusableError(f"The database {source} could not be copied ({exc}).") from None
    finally:
        src.close()
    return BackupReport(version, rows)
