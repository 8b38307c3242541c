"""The meeting session's pure parts, and the service over a real database (no Discord)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import UserError
from bot.meeting_session import NO_ROLE, MeetingSessionService, by_role, default_title, minutes_attended
from bot.reminders.policy import PlannedReminder
from bot.storage.database import Database
from bot.storage.meeting_sessions import MeetingSessionRepository, Stay
from bot.storage.meetings import MeetingRepository
from bot.storage.members import MemberRepository

T0 = datetime(2027, 3, 2, 18, 0, tzinfo=UTC)
GUILD = 5


def test_minutes_add_up_over_several_stays_and_a_running_one_counts_to_the_end() -> None:
    stays = [
        Stay(1, T0, T0 + timedelta(minutes=10)),
        Stay(1, T0 + timedelta(minutes=20), T0 + timedelta(minutes=35)),
        Stay(2, T0 + timedelta(minutes=5), None),
    ]
    assert minutes_attended(stays, T0 + timedelta(minutes=60)) == {1: 25, 2: 55}


def test_attendees_are_grouped_in_the_roles_order_with_no_role_last() -> None:
    grouped = by_role([3, 1, 2, 4], {1: "researcher", 2: "lay", 3: "lay"})
    assert list(grouped) == ["lay", "researcher", NO_ROLE]
    assert grouped == {"lay": [2, 3], "researcher": [1], NO_ROLE: [4]}


def test_an_unscheduled_meeting_is_titled_by_the_servers_date() -> None:
    late = datetime(2027, 3, 2, 23, 30, tzinfo=UTC)
    assert default_title(late, "Europe/London") == "Meeting on 2 March 2027"
    assert default_title(late, "Asia/Tokyo") == "Meeting on 3 March 2027"


@pytest.fixture
async def service(tmp_path: Path):
    db = Database(tmp_path / "s.db")
    await db.open()
    try:
        yield MeetingSessionService(
            MeetingSessionRepository(db), MeetingRepository(db), MemberRepository(db), recap_names=False, max_hours=4
        )
    finally:
        await db.close()


async def test_start_picks_the_meeting_starting_soon_and_refuses_a_second(service: MeetingSessionService) -> None:
    digest = PlannedReminder(T0 - timedelta(hours=24), "digest")
    await service.meetings.add(GUILD, "Far away", T0 + timedelta(days=7), "none", 9, digest)
    await service.meetings.add(GUILD, "Tonight", T0 + timedelta(minutes=90), "weekly", 9, digest)
    session = await service.start(GUILD, 9, T0, "Europe/London", present=[1, 2])
    assert (session.number, session.title) == (1, "Tonight")
    with pytest.raises(UserError, match="already open"):
        await service.start(GUILD, 9, T0, "Europe/London")
    await service.voice_moved(GUILD, 1, was_in=True, now_in=False, now=T0 + timedelta(minutes=30))
    await service.voice_moved(GUILD, 3, was_in=False, now_in=True, now=T0 + timedelta(minutes=40))
    await service.voice_moved(GUILD, 3, was_in=True, now_in=True, now=T0 + timedelta(minutes=41))  # moved within
    recap = await service.end(GUILD, T0 + timedelta(minutes=60))
    assert recap.minutes == {1: 30, 2: 60, 3: 20}
    assert service.is_open(GUILD) is False
    with pytest.raises(UserError):
        await service.end(GUILD, T0 + timedelta(minutes=61))
    later = await service.start(GUILD, 9, T0 + timedelta(days=30), "Europe/London")
    assert later.number == 2 and later.title.startswith("Meeting on")


async def test_recap_recipients_are_members_with_a_role_who_missed_it_and_kept_recaps_on(
    service: MeetingSessionService,
) -> None:
    for uid, role in ((1, "lay"), (2, "gp"), (3, "clinician"), (4, "manager")):
        await service.members.set_role(GUILD, uid, role)
    await service.set_recaps(GUILD, 3, False, T0)
    await service.start(GUILD, 9, T0, "UTC", present=[1])
    recap = await service.end(GUILD, T0 + timedelta(hours=1))
    # 5 has no role; 4 has left the server.
    assert await service.recap_recipients(recap, members_here={1, 2, 3, 5}) == [2]
    await service.set_recaps(GUILD, 3, True, T0)
    assert await service.recap_recipients(recap, members_here={1, 2, 3, 5}) == [2, 3]


async def test_a_written_answer_is_in_the_recap_and_an_unposted_question_cannot_have_one(
    service: MeetingSessionService, tmp_path: Path
) -> None:
    from bot.storage.question_answers import QuestionAnswerRepository
    from bot.storage.questions import QuestionRepository

    db = service.sessions._db
    questions, answers = QuestionRepository(db), QuestionAnswerRepository(db)
    await service.start(GUILD, 9, datetime.now(UTC) - timedelta(minutes=1), "UTC")  # questions use the real clock
    posted = await questions.create(GUILD, "question", "What is a cohort?", pending=False)
    with pytest.raises(UserError):
        await answers.save(GUILD, 99, "Nothing", T0)
    await answers.save(GUILD, posted.number, "A group of people followed over time.", T0)
    await answers.save(GUILD, posted.number, "A group of people followed together over time.", T0)
    recap = await service.end(GUILD, datetime.now(UTC) + timedelta(minutes=1))
    [row] = recap.questions
    assert row.answer == "A group of people followed together over time."
    assert await answers.for_guild(GUILD) == {posted.number: row.answer}


async def test_recent_attendance_says_who_came_to_each_meeting_oldest_first(service: MeetingSessionService) -> None:
    # The breakout planner weighs people by how often they come (issue 29).
    assert await service.recent_attendance(GUILD, 10) == []
    for k, present in enumerate(([1, 2, 3], [1, 3], [1, 4])):
        start = T0 + timedelta(days=7 * k)
        await service.start(GUILD, 9, start, "UTC", present=present)
        await service.end(GUILD, start + timedelta(hours=1))
    assert await service.recent_attendance(GUILD, 10) == [{1, 2, 3}, {1, 3}, {1, 4}]
    assert await service.recent_attendance(GUILD, 2) == [{1, 3}, {1, 4}]
