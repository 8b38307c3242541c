"""Unit tests of the question repository and the CSV export, on a real SQLite file."""

from __future__ import annotations

import csv
import io
import sqlite3

import aiosqlite
import pytest

from bot.errors import UserError
from bot.questions.export import questions_csv
from bot.storage.database import Database, load_migrations
from bot.storage.questions import QuestionRepository


@pytest.fixture
async def repo(database):
    """On both backends (the ``database`` fixture)."""
    return QuestionRepository(database)


async def test_numbers_are_per_server_and_given_when_posted(repo):
    a1 = await repo.create(1, "question", "a", pending=False)
    pending = await repo.create(1, "question", "b", pending=True)
    other = await repo.create(2, "explain", "c", pending=False)
    assert (a1.number, pending.number, other.number) == (1, None, 1)
    approved = await repo.approve(pending.id)
    assert approved.number == 2 and approved.status == "open"
    with pytest.raises(UserError):
        await repo.approve(pending.id)


async def test_votes_toggle_and_close_with_the_question(repo):
    q = await repo.create(1, "question", "a", pending=False)
    assert (await repo.toggle_vote(q.id, b"x")).votes == 1
    assert (await repo.toggle_vote(q.id, b"y")).votes == 2
    result = await repo.toggle_vote(q.id, b"x")
    assert not result.added and result.votes == 1
    await repo.set_status(q.id, "answered", allowed_from=("open",))
    with pytest.raises(UserError, match="Votes are closed"):
        await repo.toggle_vote(q.id, b"x")
    assert (await repo.get(q.id)).answered_at is not None


async def test_open_by_votes_and_export(repo):
    first = await repo.create(1, "question", "+1 formula?", pending=False)
    second = await repo.create(1, "explain", "PROM", pending=False)
    await repo.toggle_vote(second.id, b"v")
    assert [q.id for q in await repo.open_by_votes(1)] == [second.id, first.id]
    rows = list(csv.reader(io.StringIO(questions_csv(await repo.list(1, ("open",))))))
    assert rows[1][:4] == ["1", "'+1 formula?", "open", "0"]
    assert rows[2][:4] == ["2", "Someone would like a plain-language explanation of: PROM", "open", "1"]


async def test_migration_011_drops_dealt_with_text_and_fingerprints_and_keeps_counts(tmp_path):
    """A database written before issue #14: migrating it applies the new rules to old rows."""
    path = tmp_path / "old.db"
    db = Database(path)
    db._conn = await aiosqlite.connect(path, isolation_level=None)  # opened without migrating
    db._conn.row_factory = sqlite3.Row
    await db.migrate([m for m in load_migrations() if m.version < 11])
    async with db.transaction() as tx:
        for qid, status in ((1, "open"), (2, "answered"), (3, "removed"), (4, "rejected")):
            await tx.execute(
                "INSERT INTO questions (id, guild_id, number, kind, text, status, created_at)"
                " VALUES (?, 1, ?, 'question', ?, ?, '2026-01-01T00:00:00+00:00')",
                (qid, qid, f"text {qid}", status),
            )
            await tx.execute("INSERT INTO question_votes VALUES (?, ?)", (qid, b"v1"))
            await tx.execute("INSERT INTO question_votes VALUES (?, ?)", (qid, b"v2"))
    await db.migrate()
    repo = QuestionRepository(db)
    got = [await repo.get(qid) for qid in (1, 2, 3, 4)]
    assert [(q.status, q.text, q.votes) for q in got] == [
        ("open", "text 1", 2),
        ("answered", "text 2", 2),
        ("removed", "", 2),
        ("rejected", "", 2),
    ]
    rows = await db.fetchall("SELECT question_id FROM question_votes")
    assert [r[0] for r in rows] == [1, 1]
    await db.close()


async def test_dealt_with_questions_keep_count_not_fingerprints_and_pending_has_a_token(repo):
    q = await repo.create(1, "question", "a", pending=False)
    await repo.toggle_vote(q.id, b"x")
    answered = await repo.set_status(q.id, "answered", allowed_from=("open",))
    assert answered.votes == 1
    pending = await repo.create(1, "question", "secret", pending=True)
    assert pending.review_token is not None and pending.review_token > 10**6
    assert (await repo.by_review_token(pending.review_token)).id == pending.id
    rejected = await repo.set_status(pending.id, "rejected", allowed_from=("pending",))
    assert rejected.text == "" and rejected.number is None
    assert (await repo.by_number(1, 1)).id == q.id
