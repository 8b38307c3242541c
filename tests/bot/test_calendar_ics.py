"""The .ics builder: valid RFC 5545 that a real iCalendar library reads back, repeats as copbot counts them."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
from dateutil.rrule import rrulestr

from bot.calendar_ics import CalendarMeeting, CalendarTask, build_calendar, rrule
from bot.meetings import next_occurrence


def test_monthly_on_the_31st_falls_on_the_last_day_like_the_bot_counts() -> None:
    start = datetime(2027, 1, 31, 18, 0)
    rule = rrulestr(rrule("monthly", start), dtstart=start)
    got = list(rule[:4])
    assert [d.day for d in got] == [31, 28, 31, 30]
    aware = datetime(2027, 1, 31, 18, 0, tzinfo=UTC)
    assert next_occurrence(aware, "monthly", "UTC", aware).day == 28


def test_every_repeat_has_the_rule_a_calendar_app_expects() -> None:
    start = datetime(2027, 3, 2, 19, 0)
    assert rrule("none", start) is None
    assert rrule("weekly", start) == "FREQ=WEEKLY"
    assert rrule("fortnightly", start) == "FREQ=WEEKLY;INTERVAL=2"
    assert rrule("quarterly", start) == "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=2"


def test_long_and_awkward_text_is_escaped_and_folded_and_reads_back() -> None:
    title = "Knee pain, hips; and back\\ — a long title " + "é" * 80
    text = build_calendar(
        7,
        "Our CoP",
        "Europe/London",
        [CalendarMeeting(3, title, datetime(2027, 6, 1, 18, 0, tzinfo=UTC), "weekly")],
        [CalendarTask(9, "Line one\nline two", datetime(2027, 6, 5, 16, 0, tzinfo=UTC))],
        datetime(2027, 5, 1, tzinfo=UTC),
    )
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = icalendar.Calendar.from_ical(text)
    meeting, task = calendar.walk("VEVENT")
    assert str(meeting["SUMMARY"]) == title
    assert meeting["DTSTART"].dt.hour == 19  # 18:00 UTC is 19:00 in London in June
    assert str(task["SUMMARY"]) == "Task due: Line one\nline two"
