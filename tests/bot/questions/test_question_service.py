"""Unit tests of the questions service (``bot.questions``): no Discord, a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.errors import UserError
from bot.questions.anonymity import MUTED
from bot.questions.service import CANNOT_MUTE, QuestionService
from bot.storage.question_answers import QuestionAnswerRepository
from bot.storage.questions import QuestionRepository

GUILD = 10


@pytest.fixture
async def service(database):
    scheduler = AsyncIOScheduler()
    service = QuestionService(
        QuestionRepository(database),
        QuestionAnswerRepository(database),
        scheduler,
        max_length=1000,
        rate_limit_count=5,
        rate_limit_window=timedelta(minutes=10),
        mute_window=timedelta(hours=3),
        dms_per_hour=10,
    )
    yield service
    service.stop()


async def posted(service: QuestionService, user_id: int, text: str, message_id: int):
    asked = await service.begin(GUILD, user_id, text, "question", checked=False)
    await service.posted(asked, 1, message_id)
    return await service.reload(asked.question)


async def test_asking_stores_no_one_and_a_mute_stops_only_that_asker(service):
    first = await posted(service, 111, "What is a PROM?", 500)
    assert (first.number, first.status, first.message_id) == (1, "open", 500)
    service.mute(first)
    with pytest.raises(UserError) as refused:
        await service.begin(GUILD, 111, "Again?", "question", checked=False)
    assert refused.value.message == MUTED
    other = await posted(service, 222, "And a PREM?", 501)
    assert other.number == 2
    service.forget_meeting_state()  # the meeting ends: mutes and asker links go
    with pytest.raises(UserError) as gone:
        service.mute(first)
    assert gone.value.message == CANNOT_MUTE
    assert (await posted(service, 111, "Free again?", 502)).number == 3


async def test_me_too_toggles_and_answered_keeps_the_count(service):
    question = await posted(service, 111, "Why?", 500)
    assert (await service.vote(question, 7)).added
    assert (await service.vote(question, 8)).votes == 2
    taken = await service.vote(question, 7)
    assert not taken.added and taken.votes == 1
    answered = await service.mark_answered(question)
    assert answered.status == "answered" and answered.votes == 1
    with pytest.raises(UserError):
        await service.vote(answered, 9)


async def test_answering_now_is_one_per_server_and_goes_with_answered_and_the_meeting(service):
    one = await posted(service, 1, "One?", 500)
    two = await posted(service, 2, "Two?", 501)
    assert service.toggle_answering_now(one) is None
    assert (await service.shown(one)).answering_now
    assert service.toggle_answering_now(two) == 1  # the mark moved from question 1
    assert not (await service.shown(one)).answering_now and (await service.shown(two)).answering_now
    assert service.toggle_answering_now(two) is None and not (await service.shown(two)).answering_now
    service.toggle_answering_now(one)
    await service.mark_answered(one)
    assert service.answering_now == {}
    service.toggle_answering_now(two)
    assert service.meeting_ended(GUILD) == 2 and service.answering_now == {}


async def test_a_written_answer_is_shown_and_a_removed_question_loses_its_text(service):
    question = await posted(service, 1, "What is a QALY?", 500)
    await service.save_answer(GUILD, question.number, "  A year of life in good health.  ")
    assert (await service.shown(question)).answer == "A year of life in good health."
    removed = await service.remove(question)
    assert removed.status == "removed" and removed.text == ""
    with pytest.raises(UserError):
        await service.current_answer(removed)


async def test_resolve_finds_only_this_servers_questions(service):
    question = await posted(service, 1, "Here?", 500)
    assert (await service.resolve(GUILD, "n1")).id == question.id
    with pytest.raises(UserError):
        await service.resolve(GUILD + 1, str(question.id))  # an old row-id button from another server


async def test_open_questions_and_export_leave_out_what_was_never_posted(service):
    await posted(service, 1, "Posted", 500)
    await service.begin(GUILD, 2, "Never posted", "question", checked=False)
    waiting = await service.begin(GUILD, 3, "Waiting", "question", checked=True)
    await service.posted(waiting, 2, 600)
    shown, waiting_count = await service.open_questions(GUILD)
    assert [q.text for q in shown] == ["Posted"] and waiting_count == 1
    count, data = await service.export(GUILD)
    assert count == 2 and b"Never posted" not in data
