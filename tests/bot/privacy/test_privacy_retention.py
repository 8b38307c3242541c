"""The retention job on a real database file: what is older than the limits goes, the rest stays."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import load_config
from bot.privacy.service import PrivacyService
from bot.storage.database import Database

NOW = datetime(2027, 6, 1, tzinfo=UTC)
OLD = (NOW - timedelta(days=400)).isoformat()
RECENT = (NOW - timedelta(days=20)).isoformat()


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(tmp_path / "retention.db")
    await database.open()
    yield database
    await database.close()


async def add_task(db: Database, guild: int, number: int, status: str, closed: str | None) -> None:
    async with db.transaction() as tx:
        task_id = await tx.insert(
            "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, status, created_at,"
            " closed_at) VALUES (?, ?, ?, 11, 22, ?, ?, ?, ?)",
            (guild, number, f"Task {number}", OLD, status, OLD, closed),
        )
        await tx.execute(
            "INSERT INTO reminders (guild_id, task_id, kind, due_at, sent_at) VALUES (?, ?, 'due', ?, ?)",
            (guild, task_id, OLD, OLD),
        )


async def test_old_finished_tasks_go_with_their_reminders_and_numbers_are_never_reused(db: Database) -> None:
    await add_task(db, 1, 1, "done", OLD)
    await add_task(db, 1, 2, "removed", OLD)
    await add_task(db, 1, 3, "done", RECENT)
    await add_task(db, 1, 4, "open", None)
    await add_task(db, 2, 1, "done", OLD)  # the newest task of server 2: kept as an empty placeholder
    removed = await PrivacyService(db, load_config({}).privacy).apply_retention(NOW)
    assert removed["finished tasks"] == 3
    rows = await db.fetchall("SELECT guild_id, number, description, status, assignee_id FROM tasks ORDER BY 1, 2")
    assert [tuple(r) for r in rows] == [
        (1, 3, "Task 3", "done", 11),
        (1, 4, "Task 4", "open", 11),
        (2, 1, "", "removed", 0),
    ]
    reminders = await db.fetchone("SELECT COUNT(*) FROM reminders")
    assert reminders[0] == 2


async def test_question_text_goes_once_answered_and_old(db: Database) -> None:
    async with db.transaction() as tx:
        for number, status, created in [
            (1, "answered", OLD),
            (2, "open", OLD),
            (3, "answered", RECENT),
            (4, "removed", OLD),
        ]:
            await tx.execute(
                "INSERT INTO questions (guild_id, number, kind, text, status, created_at)"
                " VALUES (1, ?, 'question', ?, ?, ?)",
                (number, f"Text {number}", status, created),
            )
    await PrivacyService(db, load_config({}).privacy).apply_retention(NOW)
    rows = await db.fetchall("SELECT number, text FROM questions ORDER BY number")
    assert [tuple(r) for r in rows] == [(1, ""), (2, "Text 2"), (3, "Text 3"), (4, "")]
    data = db.path.read_bytes()
    assert b"Text 1" not in data and b"Text 4" not in data  # secure_delete and the checkpoint


async def test_breakout_history_keeps_what_the_planner_uses(db: Database) -> None:
    async with db.transaction() as tx:
        for guild, count in [(1, 14), (2, 3)]:
            for i in range(count):
                session = await tx.insert(
                    "INSERT INTO breakout_sessions (guild_id, status, size, seed, groups_json, created_by, created_at,"
                    " closed_at) VALUES (?, 'closed', 2, 0, '[]', 5, ?, ?)",
                    (guild, OLD, OLD),
                )
                await tx.execute(
                    "INSERT INTO breakout_meetings (guild_id, session_id, groups_json, held_at) VALUES (?, ?, ?, ?)",
                    (guild, session, json.dumps([[100 + i, 200 + i]]), OLD),
                )
        await tx.execute(
            "INSERT INTO breakout_sessions (guild_id, status, size, seed, groups_json, created_by, created_at)"
            " VALUES (1, 'cancelled', 2, 0, '[]', 5, ?)",
            (RECENT,),
        )
    removed = await PrivacyService(db, load_config({}).privacy).apply_retention(NOW)
    assert removed["breakout history"] == 4
    assert removed["breakout plans"] == 4  # the sessions of the four forgotten breakouts, not the recent one
    kept = await db.fetchall("SELECT guild_id, groups_json FROM breakout_meetings ORDER BY id")
    assert [r[0] for r in kept] == [1] * 10 + [2] * 3
    assert json.loads(kept[0][1]) == [[104, 204]], "the oldest four of server 1 went"


async def test_finished_speaking_rounds_go_when_old(db: Database) -> None:
    async with db.transaction() as tx:
        for channel, phase, updated in [(1, "finished", OLD), (2, "finished", RECENT), (3, "speaking", OLD)]:
            await tx.execute(
                "INSERT INTO icebreaker_rounds (guild_id, channel_id, prompt_text, phase, created_at, updated_at)"
                " VALUES (1, ?, 'Hi', ?, ?, ?)",
                (channel, phase, updated, updated),
            )
    await PrivacyService(db, load_config({}).privacy).apply_retention(NOW)
    rows = await db.fetchall("SELECT channel_id FROM icebreaker_rounds ORDER BY channel_id")
    assert [r[0] for r in rows] == [2, 3]


async def test_retention_days_come_from_the_configuration(db: Database) -> None:
    await add_task(db, 1, 1, "done", RECENT)
    await add_task(db, 1, 2, "open", None)
    short = load_config({"COPBOT__PRIVACY__RETENTION_DAYS": "30"}).privacy
    await PrivacyService(db, short).apply_retention(NOW + timedelta(days=15))
    assert [r[0] for r in await db.fetchall("SELECT number FROM tasks")] == [2]
