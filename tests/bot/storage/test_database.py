"""Migrations: numbered, one transaction each, recorded in the database; newer databases refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage.database import (
    LATEST_VERSION,
    Database,
    Migration,
    SchemaTooNewError,
    load_migrations,
    read_schema_version,
)


async def test_fresh_database_is_migrated_to_latest(tmp_path: Path):
    db = Database(tmp_path / "new" / "copbot.db")
    await db.open()
    try:
        assert await db.schema_version() == LATEST_VERSION
        row = await db.fetchone("PRAGMA journal_mode")
        assert row[0] == "wal"
        row = await db.fetchone("PRAGMA foreign_keys")
        assert row[0] == 1
    finally:
        await db.close()


async def test_reopening_a_migrated_database_changes_nothing(tmp_path: Path):
    path = tmp_path / "copbot.db"
    first = Database(path)
    await first.open()
    await first.close()
    second = Database(path)
    await second.open()
    try:
        rows = await second.fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [r[0] for r in rows] == [m.version for m in load_migrations()]
    finally:
        await second.close()


async def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path):
    path = tmp_path / "copbot.db"
    db = Database(path)
    await db.open()
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO schema_migrations VALUES (999, 'from_the_future', '2030-01-01')")
    await db.close()
    before = path.read_bytes()

    again = Database(path)
    with pytest.raises(SchemaTooNewError, match="newer version of copbot"):
        await again.open()
    assert await read_schema_version(path) == 999
    assert path.read_bytes() == before


async def test_failed_migration_rolls_back_completely(tmp_path: Path):
    db = Database(tmp_path / "copbot.db")
    await db.open()
    try:
        broken = [
            *load_migrations(),
            Migration(900, "half", "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"),
        ]
        with pytest.raises(sqlite3.OperationalError):
            await db.migrate(broken)
        assert await db.schema_version() == LATEST_VERSION
        assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'half_done'") is None
    finally:
        await db.close()


async def test_transaction_rolls_back_on_error(tmp_path: Path):
    db = Database(tmp_path / "copbot.db")
    await db.open()
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO member_profiles (guild_id, user_id, role, updated_at) VALUES (1, 2, 'gp', 'now')"
                )
                raise RuntimeError("boom")
        assert await db.fetchone("SELECT * FROM member_profiles") is None
    finally:
        await db.close()


async def test_read_schema_version_of_missing_file_is_none(tmp_path: Path):
    assert await read_schema_version(tmp_path / "absent.db") is None
