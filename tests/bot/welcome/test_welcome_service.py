"""The welcome's service without Discord (both backends): when it greets, what each step is built from,
the role saved as /profile saves it, a practice that stores nothing, one Start here post at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from bot.aims import AimsService
from bot.clock import utcnow
from bot.config import load_config
from bot.errors import UserError
from bot.glossary.service import GlossaryService
from bot.reminders.policy import PlannedReminder
from bot.storage.aims import AimsRepository
from bot.storage.glossary import GlossaryRepository
from bot.storage.meeting_sessions import MeetingSessionRepository
from bot.storage.meetings import MeetingRepository
from bot.storage.members import MemberRepository
from bot.storage.question_answers import QuestionAnswerRepository
from bot.storage.questions import QuestionRepository
from bot.storage.settings import SettingsRepository
from bot.storage.tasks import TaskRepository
from bot.storage.welcome import WelcomeRepository
from bot.welcome.service import START_HERE_FRESH, WelcomeService

GUILD = 1_234_567_890_123_456_789
PAT = 987_654_321_098_765_432
CONFIG = load_config({})


def service(db) -> WelcomeService:
    glossary = GlossaryService(
        GlossaryRepository(db), QuestionRepository(db), QuestionAnswerRepository(db), max_terms=300
    )
    return WelcomeService(
        WelcomeRepository(db),
        settings=SettingsRepository(db),
        members=MemberRepository(db),
        glossary=glossary,
        aims=AimsService(AimsRepository(db), CONFIG.community.purpose, MeetingSessionRepository(db)),
        meetings=MeetingRepository(db),
        tasks=TaskRepository(db),
        config=CONFIG,
    )


async def test_newcomers_are_greeted_only_in_set_up_servers_that_did_not_turn_it_off(database) -> None:
    welcome, settings = service(database), SettingsRepository(database)
    assert not await welcome.greets_newcomers(GUILD)  # not set up yet
    await settings.update(GUILD, meeting_channel_id=11)
    assert await welcome.greets_newcomers(GUILD)
    await settings.update(GUILD, welcome=False)
    assert not await welcome.greets_newcomers(GUILD)
    assert (await settings.get(GUILD)).welcome is False


async def test_each_step_is_built_from_the_community_s_own_aims_words_and_meetings(database) -> None:
    welcome = service(database)
    await SettingsRepository(database).update(GUILD, meeting_channel_id=11)
    one = await welcome.step(GUILD, "Knee Pain CoP", 1)
    assert "put good research into everyday care" in one.text
    await welcome._aims.update(GUILD, "We bring knee research into care.", "Agreed", 7)
    assert "We bring knee research into care\\." in (await welcome.step(GUILD, "Knee Pain CoP", 1)).text
    await welcome._glossary.look_up(GUILD, "NHS")
    four = await welcome.step(GUILD, "Knee Pain CoP", 4)
    assert four.words[0].term == "NHS" and len(four.words) == 6
    five = await welcome.step(GUILD, "Knee Pain CoP", 5)
    assert "No meeting is planned yet" in five.text and "<#11>" in five.text and not five.calendar
    starts = utcnow() + timedelta(days=3)
    digest = PlannedReminder(starts - timedelta(days=1), "digest")
    await MeetingRepository(database).add(GUILD, "March meeting", starts, "none", 7, digest)
    five = await welcome.step(GUILD, "Knee Pain CoP", 5)
    assert f"<t:{int(starts.timestamp())}:F>" in five.text and five.calendar
    text, meetings = await welcome.calendar(GUILD, "Knee Pain CoP", PAT)
    assert meetings == 1 and "SUMMARY:March meeting" in text
    with pytest.raises(UserError):
        await welcome.step(GUILD, "Knee Pain CoP", 6)


async def test_a_role_pressed_in_the_welcome_is_saved_as_profile_saves_it(database) -> None:
    welcome = service(database)
    step = await welcome.choose_role(GUILD, PAT, "commissioner")
    assert "Saved: **Commissioner**" in step.text
    assert await MemberRepository(database).get_role(GUILD, PAT) == "commissioner"
    with pytest.raises(UserError):
        await welcome.choose_role(GUILD, PAT, "astronaut")


def test_the_practice_is_checked_like_a_question_and_handed_back() -> None:
    welcome = service(None)
    assert welcome.practice("  Why does my knee click?  ") == "Why does my knee click?"
    with pytest.raises(UserError, match=r"It was only practice: nothing was posted or kept\."):
        welcome.practice("Ring me on 07700 900123")
    with pytest.raises(UserError, match="can't be empty"):
        welcome.practice("   ")


async def test_one_start_here_post_while_it_is_fresh(database) -> None:
    welcome = service(database)
    with time_machine.travel(utcnow(), tick=False) as clock:
        first = await welcome.start_here(GUILD, 11)
        assert first.post and first.old is None
        await welcome.start_here_posted(GUILD, 111)
        assert not (await welcome.start_here(GUILD, 11)).post
        clock.shift(START_HERE_FRESH + timedelta(minutes=1))
        later = await welcome.start_here(GUILD, 11)
        assert later.post and later.old is not None and later.old.message_id == 111
