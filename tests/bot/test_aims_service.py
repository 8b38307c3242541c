"""The community's aims without Discord: the configuration's purpose until the first update, then dated
versions with their reasons, oldest first (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.aims import AIMS_MAX, AimsService
from bot.errors import UserError
from bot.storage.aims import AimsRepository
from bot.storage.meeting_sessions import MeetingSessionRepository

GUILD = 1_234_567_890_123_456_789
FRAN = 987_654_321_098_765_432
START = "We meet to share what we know."


def service(db) -> AimsService:
    return AimsService(AimsRepository(db), START, MeetingSessionRepository(db))


async def test_the_configured_purpose_is_the_aims_only_until_the_first_update(database) -> None:
    aims = service(database)
    current = await aims.current(GUILD)
    assert (current.text, current.is_starting_text, current.changed_at) == (START, True, None)
    assert (await aims.current(None)).text == START  # outside a server (a direct message)
    saved, reading = await aims.update(GUILD, "  We help put knee research into care.  ", "Agreed at the meeting", FRAN)
    assert (saved.text, saved.version, saved.reason) == (
        "We help put knee research into care.",
        1,
        "Agreed at the meeting",
    )
    assert reading.words == 7
    assert (await aims.current(GUILD)).text == "We help put knee research into care."
    assert (await aims.current(GUILD + 1)).text == START  # another server still has the starting text


async def test_history_is_where_we_started_then_every_change_oldest_first(database) -> None:
    aims = service(database)
    await aims.update(GUILD, "Version one.", "First", FRAN)
    await aims.update(GUILD, "Version two.", "Second", FRAN)
    history = await aims.history(GUILD)
    assert [(a.version, a.text, a.reason) for a in history] == [
        (0, START, None),
        (1, "Version one.", "First"),
        (2, "Version two.", "Second"),
    ]
    assert history[1].changed_at is not None and history[1].changed_at <= history[2].changed_at


async def test_a_change_made_during_a_meeting_records_the_meeting(database) -> None:
    sessions = MeetingSessionRepository(database)
    session = await sessions.open(GUILD, "March meeting", None, FRAN, datetime(2026, 3, 12, 18, tzinfo=UTC))
    saved, _ = await service(database).update(GUILD, "New aims.", "Agreed today", FRAN)
    assert saved.meeting_number == session.number


@pytest.mark.parametrize(
    ("aims", "reason", "sentence"),
    [
        ("  ", "Why", "Nothing was saved: the aims can't be empty."),
        ("New aims.", " ", "Nothing was saved: the reason can't be empty."),
        ("x" * (AIMS_MAX + 1), "Why", "Nothing was saved: the aims can be at most 1,200 characters"),
        ("New aims.", "x" * 201, "Nothing was saved: the reason can be at most 200 characters"),
        ("Hello @everyone.", "Why", "please take out @everyone"),
        ("See [our plan](https://example.org).", "Why", "please write a link out in full"),
        (START, "Same again", "Nothing was saved: these are already the aims, word for word."),
    ],
)
async def test_bad_aims_are_refused_in_one_sentence_and_nothing_is_saved(database, aims, reason, sentence) -> None:
    service_ = service(database)
    with pytest.raises(UserError) as refused:
        await service_.update(GUILD, aims, reason, FRAN)
    assert sentence in refused.value.message
    assert await AimsRepository(database).history(GUILD) == []
