"""The notice budget and the digest's plan, without Discord (``bot/reminders/budget.py``, ``digest.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.meeting_session import Carried, meeting_channel_posts
from bot.privacy.registry import FORGOTTEN
from bot.reminders.budget import NOTICE_GAP, told_recently
from bot.reminders.digest import build_digest, past_due
from bot.storage.meeting_sessions import MeetingSession, QuestionRow, TaskRow
from bot.storage.meetings import Meeting
from bot.storage.tasks import Task

LONDON = "Europe/London"
NOW = datetime(2026, 1, 12, 18, tzinfo=UTC)  # Monday 12 January 2026, 18:00 UK time


def task(number: int, owner: int, due: datetime, told_at: datetime | None = None) -> Task:
    return Task(number, 1, number, f"Task {number}", owner, 7, due, "open", NOW - timedelta(days=7), None, told_at)


MEETING = Meeting(1, 1, 1, "Knee pain CoP", NOW + timedelta(days=1), "weekly", None, "scheduled", 7)


def test_a_day_on_the_servers_clock_to_the_minute() -> None:
    nine = datetime(2026, 1, 11, 9, tzinfo=UTC)
    assert not told_recently(None, nine, LONDON)
    assert told_recently(nine, nine, LONDON)  # the same moment
    assert told_recently(nine, nine + NOTICE_GAP - timedelta(minutes=1), LONDON)
    assert not told_recently(nine, nine + NOTICE_GAP, LONDON)
    # A send that took 20 ms, then one the next day that took 19 ms: still a day apart.
    assert not told_recently(nine + timedelta(milliseconds=20), nine + NOTICE_GAP + timedelta(milliseconds=19), LONDON)
    # UK clocks go forward on 29 March 2026: 09:00 on the 28th to 09:00 on the 29th is 23 real hours,
    # and a day on the server's clock, so the "due today" after a "tomorrow" still goes out.
    saturday, sunday = datetime(2026, 3, 28, 9, tzinfo=UTC), datetime(2026, 3, 29, 8, tzinfo=UTC)
    assert sunday - saturday == timedelta(hours=23) and not told_recently(saturday, sunday, LONDON)


def test_late_only_from_the_day_after_the_due_date() -> None:
    due = datetime(2026, 1, 12, 17, tzinfo=UTC)
    assert not past_due(task(1, 5, due), NOW, LONDON)  # 18:00 on the due day: not late in public
    assert not past_due(task(1, 5, due), datetime(2026, 1, 12, 23, 59, tzinfo=UTC), LONDON)
    assert past_due(task(1, 5, due), datetime(2026, 1, 13, 0, 1, tzinfo=UTC), LONDON)
    # In New York it is still the 12th at 00:01 UTC on the 13th.
    assert not past_due(task(1, 5, due), datetime(2026, 1, 13, 0, 1, tzinfo=UTC), "America/New_York")


def test_nothing_to_say_means_no_digest() -> None:
    assert build_digest(MEETING, [], None, NOW, LONDON) is None
    session = MeetingSession(1, 1, 1, None, "Last time", "closed", NOW - timedelta(days=6), NOW, 7, None, None)
    assert build_digest(MEETING, [], Carried(session, (), ()), NOW, LONDON) is None
    question = QuestionRow(4, "question", "How do we measure pain?", "open", 2, None)
    only_questions = build_digest(MEETING, [], Carried(session, (question,), ()), NOW, LONDON)
    assert only_questions is not None and only_questions.by_owner == () and only_questions.dms == {}


def test_each_task_once_marked_and_dms_within_the_budget() -> None:
    due = NOW + timedelta(days=2)
    tasks = [
        task(1, 10, due, told_at=NOW - timedelta(hours=9)),  # "due today" at 09:00
        task(2, 10, due - timedelta(days=1)),
        task(3, 20, due, told_at=NOW - timedelta(hours=33)),
        task(4, FORGOTTEN, due),
    ]
    session = MeetingSession(1, 1, 1, None, "Last time", "closed", NOW - timedelta(days=6), NOW, 7, None, None)
    agreed = Carried(session, (), (TaskRow(3, "Task 3", 20, due, "open"),))
    digest = build_digest(MEETING, tasks, agreed, NOW, LONDON)
    assert digest is not None and digest.task_count == 4
    listed = [item.task.number for _, items in digest.by_owner for item in items]
    assert sorted(listed) == [1, 2, 3, 4]  # each once
    assert [owner for owner, _ in digest.by_owner] == [10, 20, FORGOTTEN]  # soonest due first
    assert [i.agreed_last_time for _, items in digest.by_owner for i in items if i.task.number == 3] == [True]
    # Person 10 heard about #1 this morning: only #2 goes in their DM. Nobody is told about #4.
    assert {owner: [i.task.number for i in items] for owner, items in digest.dms.items()} == {10: [2], 20: [3]}
    # A send earlier in the same sweep counts as much as one already written.
    again = build_digest(MEETING, tasks, agreed, NOW, LONDON, told={3: NOW})
    assert again is not None and 20 not in again.dms and not again.may_ping(20)


def test_the_meeting_channel_budget_does_not_grow_with_the_people() -> None:
    assert meeting_channel_posts(people=4) == meeting_channel_posts(people=400) == 3
    assert meeting_channel_posts(people=15, questions=2) == 5
