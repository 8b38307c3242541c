"""``copbot migrate-db`` (every table copied, checked row for row) and the shard options of ``copbot run``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main, parse_shards
from bot.reminders.policy import PlannedReminder
from bot.storage.database import Database
from bot.storage.lock import DatabaseInUseError
from bot.storage.meetings import MeetingRepository
from bot.storage.members import MemberRepository
from bot.storage.postgres import AdvisoryLock, PostgresDatabase
from bot.storage.questions import QuestionRepository
from bot.storage.tasks import TaskRepository


async def _rows(db, table: str) -> list[tuple]:
    return sorted(
        (
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
            for r in await db.fetchall(f'SELECT * FROM "{table}"')
        ),
        key=repr,
    )


async def seed(db: Database) -> None:
    """A small community through the real repositories: members, tasks with reminders, a meeting,
    questions with vote fingerprints (bytes) and a written answer, a notice."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    guild, sam, kim = 1_234_567_890_123_456_789, 987_654_321_098_765_432, 876_543_210_987_654_321
    members = MemberRepository(db)
    await members.set_role(guild, sam, "gp")
    await members.set_role(guild, kim, "lay")
    tasks = TaskRepository(db)
    for n in range(3):
        due = now + timedelta(days=n + 1)
        await tasks.add(guild, f"Task {n}", sam, kim, due, [PlannedReminder(due - timedelta(days=1), "before:1")])
    await MeetingRepository(db).add(
        guild,
        "Spring meeting",
        now + timedelta(days=7),
        "weekly",
        kim,
        PlannedReminder(now + timedelta(days=6), "digest"),
    )
    questions = QuestionRepository(db)
    q = await questions.create(guild, "question", "What is a PROM?", pending=False)
    await questions.toggle_vote(q.id, b"\x00\x01fingerprint")
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO question_answers (question_id, guild_id, text, answered_at) VALUES (?, ?, ?, ?)",
            (q.id, guild, "A questionnaire", now.isoformat()),
        )
        await tx.execute(
            "INSERT INTO privacy_notices (guild_id, user_id, task_number, created_at) VALUES (?, ?, ?, ?)",
            (guild, kim, 1, now.isoformat()),
        )


async def _fill_sqlite(path: Path) -> list[str]:
    db = Database(path)
    await db.open()
    try:
        await seed(db)
        tables = [
            str(r[0])
            for r in await db.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name != 'schema_migrations' ORDER BY name"
            )
        ]
        return tables
    finally:
        await db.close()


def test_migrate_db_copies_every_table_row_for_row(tmp_path: Path, pg_url: str, capsys) -> None:
    path = tmp_path / "copbot.db"
    tables = asyncio.run(_fill_sqlite(path))
    assert main(["migrate-db", str(path), pg_url]) == 0
    out = capsys.readouterr().out
    assert "every row checked" in out

    async def compare() -> None:
        source, target = Database(path), PostgresDatabase(pg_url, exclusive=False)
        await source.open()
        await target.open()
        try:
            filled = 0
            for table in tables:
                mine = await _rows(source, table)
                filled += bool(mine)
                columns = ", ".join(f'"{r["name"]}"' for r in await source.fetchall(f'PRAGMA table_info("{table}")'))
                theirs = sorted(
                    (
                        tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                        for r in await target.fetchall(f'SELECT {columns} FROM "{table}"')
                    ),
                    key=repr,
                )
                assert mine == theirs, table
            assert filled >= 8, "the tables the seed fills (the rest are copied empty, also checked)"
            # New rows after the copy get new ids, not ones the copy used.
            async with target.transaction() as tx:
                new_id = await tx.insert(
                    "INSERT INTO privacy_notices (guild_id, user_id, task_number, created_at) VALUES (?, ?, ?, ?)",
                    (1, 2, 3, "2026-01-01"),
                )
            old = [r[0] for r in await source.fetchall("SELECT id FROM privacy_notices")]
            assert new_id not in old
        finally:
            await source.close()
            await target.close()

    asyncio.run(compare())
    # A second copy into the now-full database is refused and changes nothing.
    assert main(["migrate-db", str(path), pg_url]) == 2
    assert "already holds copbot data" in capsys.readouterr().err


def test_migrate_db_refuses_a_missing_file_and_a_non_url(tmp_path: Path, capsys) -> None:
    assert main(["migrate-db", str(tmp_path / "none.db"), "postgresql://x@/y?host=/nowhere"]) == 2
    assert "There is no database" in capsys.readouterr().err
    assert main(["migrate-db", str(tmp_path / "none.db"), "mysql://x"]) == 2
    assert "not a PostgreSQL URL" in capsys.readouterr().err


def test_shard_options() -> None:
    assert parse_shards(None, None) == {}
    assert parse_shards(4, None) == {"shard_count": 4, "shard_ids": [0, 1, 2, 3], "lock_scope": "shards:4:0-3"}
    assert parse_shards(4, "2-3")["shard_ids"] == [2, 3]
    for count, shards in ((None, "0-1"), (4, "3-5"), (4, "x"), (0, None)):
        with pytest.raises(ValueError):
            parse_shards(count, shards)


def test_run_refuses_bad_shards_in_one_sentence(capsys) -> None:
    assert main(["run", "--shard-count", "2", "--shards", "1-2"]) == 2
    assert "must lie between 0 and 1" in capsys.readouterr().err


async def test_one_process_per_shard_on_postgresql(pg_url: str) -> None:
    """Overlapping shard ranges refuse each other; disjoint ones share the database."""
    first = AdvisoryLock(pg_url, "shards:4:0-1")
    await first.acquire()
    AdvisoryLock._held.pop((pg_url, "shards:4:1-2"), None)
    try:
        # Another process's lock: a fresh connection, not this process's re-entrant one.
        other = AdvisoryLock(pg_url + "&application_name=other", "shards:4:1-2")
        with pytest.raises(DatabaseInUseError, match="shards 1-2"):
            await other.acquire()
        disjoint = AdvisoryLock(pg_url + "&application_name=other", "shards:4:2-3")
        await disjoint.acquire()
        await disjoint.release()
    finally:
        await first.release()


def test_a_bot_on_some_shards_does_only_their_scheduled_work() -> None:
    from bot import create_bot
    from bot.app import ShardedCopBot
    from bot.storage.database import Shards

    some = create_bot(shard_count=4, shard_ids=[2, 3], lock_scope="shards:4:2-3")
    assert isinstance(some, ShardedCopBot)
    assert some.served_shards == Shards(4, (2, 3))
    assert create_bot(shard_count=4).served_shards is None  # every shard: every server
    assert create_bot().served_shards is None
