"""The privacy registry is complete: every table and every member-id column of the real schema is declared,
each declared column is found by the export and cleared by erasure, and PRIVACY.md is the generated text."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from bot.config import load_config
from bot.privacy.policy import document, summary
from bot.privacy.registry import FORGOTTEN, TABLES, personal_tables, schema_problems
from bot.privacy.service import PrivacyService
from bot.storage.database import Database, Migration, load_migrations
from bot.storage.privacy import schema_columns
from tests.privacyseed import seed_every_member_column

ROOT = Path(__file__).resolve().parents[3]
MEMBER = 1_234_567_890_123_456_789
GUILD = 777_000_000_000_000_001


def needles(user_id: int) -> list[bytes]:
    """How an id can sit in SQLite's files: as text (JSON, logs) or as an 8-byte big-endian integer."""
    return [str(user_id).encode(), struct.pack(">q", user_id)]


def file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(tmp_path / "privacy.db")
    await database.open()
    yield database
    await database.close()


async def test_every_table_and_member_column_of_the_schema_is_declared(db: Database) -> None:
    columns = await schema_columns(db)
    assert schema_problems([(c.table, c.name) for c in columns]) == []
    assert {c.table for c in columns} == {t.name for t in TABLES}


async def test_a_new_migration_with_an_undeclared_member_column_fails_the_check(tmp_path: Path) -> None:
    extra = Migration(
        999,
        "attendance",
        "CREATE TABLE meeting_notes (guild_id INTEGER, meeting_id INTEGER, member_id INTEGER, joined_at TEXT);\n"
        "ALTER TABLE tasks ADD COLUMN reviewed_by INTEGER;\n",
    )
    database = Database(tmp_path / "new.db")
    await database.open()
    try:
        await database.migrate([*load_migrations(), extra])
        problems = schema_problems([(c.table, c.name) for c in await schema_columns(database)])
    finally:
        await database.close()
    assert any(p.startswith("table meeting_notes is not in") for p in problems), problems
    assert any(p.startswith("tasks.reviewed_by looks like a member id") for p in problems), problems


async def test_a_declared_column_that_does_not_exist_is_reported() -> None:
    assert schema_problems([("tasks", "id")]) == [
        "tasks.assignee_id is declared in bot/privacy/registry.py but does not exist",
        "tasks.creator_id is declared in bot/privacy/registry.py but does not exist",
    ]


async def test_export_finds_every_seeded_member_column_and_erasure_clears_them(db: Database) -> None:
    seeded = await seed_every_member_column(db, GUILD, MEMBER)
    assert {(t.name, c.name) for t in personal_tables() for c in t.member_columns} == set(seeded)
    service = PrivacyService(db, load_config({}).privacy)
    export = await service.export(MEMBER, GUILD)
    found = {e.table.name: e.rows for e in export.tables}
    for table, column in seeded:
        assert any(row[column] in ("you", ["you"]) or "you" in str(row[column]) for row in found[table]), (
            table,
            column,
        )
    assert str(MEMBER) not in export.as_json().replace(f'"your_id": "{MEMBER}"', "")
    other = await service.export(MEMBER + 1, GUILD)
    assert other.is_empty

    result = await service.forget(MEMBER, GUILD)
    assert result.total >= len(seeded)
    assert (await service.export(MEMBER, GUILD)).is_empty
    data = file_bytes(db.path)
    for needle in needles(MEMBER):
        assert data.count(needle) == 0, needle


async def test_erasure_in_one_server_leaves_the_other_server_alone(db: Database) -> None:
    await seed_every_member_column(db, GUILD, MEMBER)
    await seed_every_member_column(db, GUILD + 1, MEMBER)
    service = PrivacyService(db, load_config({}).privacy)
    await service.forget(MEMBER, GUILD)
    assert (await service.export(MEMBER, GUILD)).is_empty
    kept = await service.export(MEMBER, GUILD + 1)
    assert {e.table.name for e in kept.tables if e.rows} == {t.name for t in personal_tables()}


async def test_blanked_rows_stay_with_nobody_named(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, created_at)"
            " VALUES (?, 1, 'Write the leaflet', ?, 55, ?, ?)",
            (GUILD, MEMBER, "2026-02-01T17:00:00+00:00", "2026-01-01T00:00:00+00:00"),
        )
    result = await PrivacyService(db, load_config({}).privacy).forget(MEMBER, GUILD)
    row = await db.fetchone("SELECT description, assignee_id, creator_id FROM tasks")
    assert tuple(row) == ("Write the leaflet", FORGOTTEN, 55)
    assert [(t.number, t.creator_id) for t in result.orphaned_tasks] == [(1, 55)]
    notice = await db.fetchone("SELECT user_id, task_number FROM privacy_notices")
    assert tuple(notice) == (55, 1)


async def test_a_speaking_round_in_progress_keeps_its_place(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO icebreaker_rounds (guild_id, channel_id, prompt_text, phase, speaker_order, position,"
            " outcomes, created_at, updated_at) VALUES (?, 1, 'Hi', 'speaking', ?, 2, ?, 'x', 'x')",
            (GUILD, f"[11, {MEMBER}, 22, 33]", f'[[11, "spoke"], [{MEMBER}, "passed"]]'),
        )
    await PrivacyService(db, load_config({}).privacy).forget(MEMBER, GUILD)
    row = await db.fetchone("SELECT speaker_order, position, outcomes FROM icebreaker_rounds")
    assert tuple(row) == ("[11, 22, 33]", 1, '[[11, "spoke"]]')  # still on 22's turn


def test_privacy_md_is_the_generated_notice() -> None:
    expected = document(load_config({}).privacy)
    actual = (ROOT / "PRIVACY.md").read_text(encoding="utf-8")
    assert actual == expected, "PRIVACY.md is out of date: run  python -m bot.privacy.policy > PRIVACY.md"


def test_the_notice_uses_the_configured_contact_and_periods() -> None:
    config = load_config({"COPBOT__PRIVACY__CONTACT": "dpo@example.org", "COPBOT__PRIVACY__RETENTION_DAYS": "400"})
    text = document(config.privacy)
    assert "dpo@example.org" in text and "400 days" in text
    sections = summary(config.privacy)
    assert any("dpo@example.org" in body for _, body in sections)
    # The /privacy embed: each field at most 1,024 characters, the whole embed under 6,000.
    assert all(len(title) <= 256 and len(body) <= 1024 for title, body in sections)
    assert sum(len(t) + len(b) for t, b in sections) < 5500


async def test_every_seeded_member_is_known_to_the_leaver_check(db: Database) -> None:
    """A member found only inside JSON (say, breakout history) still counts as someone copbot knows."""
    await seed_every_member_column(db, GUILD, MEMBER)
    repo = PrivacyService(db, load_config({}).privacy).repo
    assert MEMBER in await repo.known_member_ids(GUILD)
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM breakout_meetings")
        await tx.execute(
            "INSERT INTO breakout_meetings (guild_id, session_id, groups_json, held_at) VALUES (?, 1, ?, 'x')",
            (GUILD, json.dumps([[MEMBER + 5, 12]])),
        )
    assert {MEMBER + 5, 12} <= await repo.known_member_ids(GUILD)
    assert await repo.known_member_ids(GUILD + 9) == set()
