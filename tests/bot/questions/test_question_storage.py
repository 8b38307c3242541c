"""Unit tests of the question repository and the CSV export, on a real SQLite file."""

from __future__ import annotations

import csv
import io

import pytest

from bot.errors import UserError
from bot.questions.export import questions_csv
from bot.storage.database import Database
from bot.storage.questions import QuestionRepository


@pytest.fixture
async def repo(tmp_path):
    db = Database(tmp_path / "q.db")
    await db.open()
    yield QuestionRepository(db)
    await db.close()


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
