"""The check-in service on a real SQLite file: who is asked, one answer each, and how answers are
written so that the database and its -wal show neither who answered nor in which order."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import UserError
from bot.pulse.memory import PulseMemory
from bot.pulse.results import Answer
from bot.pulse.service import PulseService, RecentlyInVoice, parse_answer
from bot.storage.database import Database
from bot.storage.meeting_sessions import MeetingSessionRepository
from bot.storage.members import MemberRepository
from bot.storage.pulses import PulseRepository

NOW = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
GUILD = 77
PEOPLE = list(range(1001, 1013))


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(tmp_path / "pulse.db")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def service(db: Database) -> PulseService:
    config = load_config({}).pulse
    return PulseService(PulseRepository(db), MeetingSessionRepository(db), MemberRepository(db), config)


async def open_for(service: PulseService, people=PEOPLE):
    return await service.open(
        GUILD,
        1,
        NOW,
        meeting_number=None,
        recently_in_voice=people,
        members_here=set(people),
        default_title="Meeting on 2 March 2026",
    )


def scores(n: int) -> dict[str, str]:
    return {"felt_able": str(n), "understood": str(n), "good_use": str(n)}


async def rows(db: Database) -> list[sqlite3.Row]:
    return await db.fetchall("SELECT id, comment FROM pulse_answers")


async def test_no_answer_is_written_alone_and_each_batch_is_shuffled(service: PulseService, db: Database, tmp_path):
    opened = await open_for(service)
    pulse = opened.pulse
    for i, user in enumerate(PEOPLE[:4]):
        await service.answer(pulse.id, user, NOW, values=scores(3), comment=f"answer {i}", share_role="no")
        assert await rows(db) == [], "an answer must never be committed on its own"
    await service.answer(pulse.id, PEOPLE[4], NOW, values=scores(3), comment="answer 4", share_role="no")
    written = await rows(db)
    assert len(written) == 5, "the fifth answer writes the batch of five at once"
    assert all(isinstance(r["id"], bytes) and len(r["id"]) == 16 for r in written)
    with pytest.raises(sqlite3.OperationalError):
        await db.fetchone("SELECT rowid FROM pulse_answers")  # no rowid to follow the order
    for i, user in enumerate(PEOPLE[5:7], start=5):
        await service.answer(pulse.id, user, NOW, values=scores(4), comment=f"answer {i}", share_role="no")
    assert len(await rows(db)) == 5
    closed = await service.close(pulse.id, NOW + timedelta(hours=1))
    assert closed is not None and not closed.is_open
    assert len(await rows(db)) == 7
    wal = Path(str(tmp_path / "pulse.db") + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "closing folds the -wal away"
    assert await db.fetchall("SELECT * FROM pulse_invitees") == [], "who was asked is forgotten at the close"
    assert len(service.memory) == 0


async def test_batch_order_is_not_answering_order(service: PulseService):
    """Over many batches the stored order is a shuffle: it almost never equals the answering order."""
    people = list(range(5000, 5400))
    opened = await open_for(service, people)
    for i, user in enumerate(people):
        await service.answer(opened.pulse.id, user, NOW, values=scores(1 + i % 5), comment=f"{i:03d}", share_role="no")
    stored = [c for *_rest, c in await service.repo.answers(opened.pulse.id)]
    assert sorted(stored) == [f"{i:03d}" for i in range(400)]
    in_order = sum(1 for a, b in pairwise(stored) if int(b) == int(a) + 1)
    assert in_order < 40, f"{in_order} neighbours kept the answering order"


async def test_one_answer_per_member_and_only_the_people_asked(service: PulseService):
    opened = await open_for(service, PEOPLE[:6])
    pid = opened.pulse.id
    await service.answer(pid, PEOPLE[0], NOW, values=scores(5), comment="", share_role="no")
    with pytest.raises(UserError, match="already answered"):
        await service.answer(pid, PEOPLE[0], NOW, values=scores(1), comment="", share_role="no")
    with pytest.raises(UserError, match="only for the people who were at that meeting"):
        await service.answer(pid, 999, NOW, values=scores(1), comment="", share_role="no")
    with pytest.raises(UserError, match="closed"):
        await service.can_answer(pid, PEOPLE[1], NOW + timedelta(hours=49))
    assert await service.answered(opened.pulse) == 1


async def test_answers_never_exceed_the_people_asked_even_after_a_restart(db: Database, service: PulseService):
    opened = await open_for(service, PEOPLE[:6])
    pid = opened.pulse.id
    for user in PEOPLE[:5]:
        await service.answer(pid, user, NOW, values=scores(3), comment="", share_role="no")
    # A restart: new memory, new secrets; the five written answers are still counted.
    fresh = PulseService(service.repo, service.sessions, service.members, service.config)
    await fresh.answer(pid, PEOPLE[0], NOW, values=scores(3), comment="", share_role="no")  # the trade-off
    pulse = await fresh.repo.get(pid)
    assert pulse is not None and not pulse.is_open, "the sixth answer of six closes it"
    with pytest.raises(UserError, match="closed"):
        await fresh.answer(pid, PEOPLE[1], NOW, values=scores(3), comment="", share_role="no")


async def test_results_wait_for_the_close(service: PulseService):
    opened = await open_for(service, PEOPLE[:8])
    for index, user in enumerate(PEOPLE[:6]):
        await service.answer(opened.pulse.id, user, NOW, values=scores(3 + index % 2), comment="fine", share_role="yes")
    view = await service.results(GUILD)
    assert type(view).__name__ == "OpenView" and view.answered == 6
    await service.close(opened.pulse.id, NOW)
    view = await service.results(GUILD)
    assert type(view).__name__ == "ClosedView" and view.results.total == 6
    assert view.results.everyone is not None and view.results.everyone.statements[0].mean == 3.5
    assert [p.count for p in view.trend] == [6]


async def test_a_second_check_in_for_the_people_in_voice_soon_after_is_refused(service: PulseService):
    await open_for(service)
    with pytest.raises(UserError, match="was sent a moment ago"):
        await open_for(service)
    with pytest.raises(UserError, match="Nobody was in the main voice channel"):
        await service.open(
            GUILD, 1, NOW, meeting_number=None, recently_in_voice=[], members_here=set(), default_title="x"
        )


def test_the_form_is_read_strictly():
    assert parse_answer(scores(2), "  ok  ", "yes", "lay", 100) == Answer(2, 2, 2, "lay", "ok")
    assert parse_answer(scores(2), "", "no", "lay", 100).role is None
    with pytest.raises(UserError, match="score from 1 to 5"):
        parse_answer({"felt_able": "6", "understood": "1", "good_use": "1"}, "", "no", None, 100)
    with pytest.raises(UserError, match="phone number"):
        parse_answer(scores(3), "Call me on 07700 900123", "no", None, 100)
    with pytest.raises(UserError, match="limit is 10"):
        parse_answer(scores(3), "x" * 11, "no", None, 10)


def test_memory_holds_keyed_fingerprints_apart_from_answers_and_wipes_each_check_ins_secret():
    memory = PulseMemory()
    memory.record(GUILD, 5, 1001, Answer(1, 1, 1))
    memory.record(GUILD, 6, 1001, Answer(1, 1, 1))
    [key] = memory._answered[5]
    assert (1001).to_bytes(8, "big") not in key and b"1001" not in key
    assert key not in memory._answered[6]  # one member's fingerprints on two check-ins look unrelated
    assert memory.has_answered(GUILD, 5, 1001) and not memory.has_answered(GUILD, 7, 1001)
    with pytest.raises(UserError):
        memory.record(GUILD, 5, 1001, Answer(2, 2, 2))
    secret = memory._secrets[5]
    assert memory.secrets_held() == 2 and "hidden" in repr(secret)
    memory.forget(5)
    assert bytes(secret._bytes) == bytes(32), "the closed check-in's secret is overwritten, not just dropped"
    assert not memory.has_answered(GUILD, 5, 1001) and memory.secrets_held() == 1 and memory.waiting(5) == 0
    assert memory.has_answered(GUILD, 6, 1001), "another open check-in keeps its own secret"


def test_recently_in_voice_forgets_after_the_window():
    seen = RecentlyInVoice(hours=3)
    seen.left(GUILD, 1, NOW)
    assert seen.people(GUILD, [2], NOW + timedelta(hours=2)) == {1, 2}
    assert seen.people(GUILD, [2], NOW + timedelta(hours=4)) == {2}


async def test_answers_go_on_the_privacy_schedule_counted_from_the_close(db: Database, service: PulseService):
    from bot.privacy.service import PrivacyService

    old = await open_for(service, PEOPLE[:6])
    for user in PEOPLE[:6]:
        await service.answer(old.pulse.id, user, NOW, values=scores(2), comment="old", share_role="no")
    recent = await service.open(
        GUILD, 1, NOW + timedelta(days=200), meeting_number=None, recently_in_voice=PEOPLE[6:],
        members_here=set(PEOPLE[6:]), default_title="Later",
    )  # fmt: skip
    await service.answer(recent.pulse.id, PEOPLE[6], NOW, values=scores(4), comment="new", share_role="no")
    await service.close(recent.pulse.id, NOW + timedelta(days=201))
    removed = await PrivacyService(db, load_config({}).privacy).apply_retention(NOW + timedelta(days=366))
    assert removed["check-in answers"] == 6
    left = await db.fetchall("SELECT comment FROM pulse_answers")
    assert [r[0] for r in left] == ["new"]
    assert (await service.repo.get(old.pulse.id)) is not None, "the check-in itself stays, as the record"


async def test_an_answer_waiting_for_the_role_read_when_the_check_in_closes_is_not_counted(
    service: PulseService, monkeypatch: pytest.MonkeyPatch
):
    """The review's race, made deterministic: the close lands after ``can_answer`` and before the
    answer is recorded (while it waits for the role read). The member is told the truth, and nothing
    is written into the closed check-in, now or at a clean shutdown."""
    opened = await open_for(service, PEOPLE[:7])
    pid = opened.pulse.id
    for user in PEOPLE[:6]:
        await service.answer(pid, user, NOW, values=scores(2), comment="", share_role="no")
    read_roles = service.members.roles_for

    async def close_meanwhile(guild_id: int):
        await service.close(pid, NOW)
        return await read_roles(guild_id)

    monkeypatch.setattr(service.members, "roles_for", close_meanwhile)
    with pytest.raises(UserError, match="not counted"):
        await service.answer(pid, PEOPLE[6], NOW, values=scores(5), comment="late", share_role="yes")
    assert await service.repo.answer_count(pid) == 6 and service.memory.waiting(pid) == 0
    assert await service.flush_all() == 0
    assert await service.repo.answer_count(pid) == 6
    view = await service.results(GUILD)
    assert view.results.total == 6 and "late" not in view.results.comments


async def test_a_batch_being_written_when_the_check_in_closes_is_written_once(
    service: PulseService, monkeypatch: pytest.MonkeyPatch
):
    """A close that starts while a batch is on its way writes that batch itself; the batch's own write
    then finds the check-in closed and adds nothing. Every accepted answer is there exactly once."""
    opened = await open_for(service, PEOPLE[:8])
    pid = opened.pulse.id
    write = service.repo.write_answers
    outcomes: list[bool] = []

    async def close_first(pulse_id: int, batch):
        await service.close(pulse_id, NOW)
        outcomes.append(await write(pulse_id, batch))
        return outcomes[-1]

    monkeypatch.setattr(service.repo, "write_answers", close_first)
    for index, user in enumerate(PEOPLE[:5]):  # the fifth answer fills a batch, and its write is overtaken
        await service.answer(pid, user, NOW, values=scores(1 + index), comment=f"c{index}", share_role="no")
    assert outcomes == [False], "the batch's own write found the check-in closed"
    assert await service.repo.answer_count(pid) == 5
    assert sorted(v[4] for v in await service.repo.answers(pid)) == [f"c{i}" for i in range(5)]
    with pytest.raises(UserError, match="closed"):
        await service.answer(pid, PEOPLE[5], NOW, values=scores(3), comment="", share_role="no")
