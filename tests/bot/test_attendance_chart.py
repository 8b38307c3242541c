"""The attendance table and chart, without Discord."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.attendance_chart import DESCRIPTION_LIMIT, attendance_lines, chart_description, chart_png
from bot.meeting_session import AttendanceRow
from bot.storage.meeting_sessions import MeetingSession


def _row(number: int, started: datetime, counts: dict[str, int]) -> AttendanceRow:
    session = MeetingSession(
        id=number,
        guild_id=1,
        number=number,
        meeting_id=None,
        title=f"Meeting {number}",
        status="closed",
        started_at=started,
        ended_at=started,
        started_by=1,
        panel_channel_id=None,
        panel_message_id=None,
    )
    return AttendanceRow(session, counts)


def test_the_list_is_one_sentence_per_meeting_in_order_with_the_roles_that_came() -> None:
    rows = [
        _row(1, datetime(2026, 5, 1, 18, tzinfo=UTC), {"lay": 2, "gp": 1}),
        _row(2, datetime(2026, 6, 1, 18, tzinfo=UTC), {"lay": 1}),
        _row(3, datetime(2026, 7, 1, 18, tzinfo=UTC), {}),
    ]
    lines = attendance_lines(rows, lambda when: f"<{when:%d %b}>")
    assert lines == [
        "• Meeting 1, <01 May>: 3 people (Patient or public 2, GP 1).",
        "• Meeting 2, <01 Jun>: 1 person (Patient or public 1).",
        "• Meeting 3, <01 Jul>: 0 people.",
    ]
    assert chart_png(rows, "Attendance")[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_chart_description_dates_each_meeting_in_the_servers_timezone() -> None:
    # 23:30 UTC on 31 March is already 1 April in London (summer time) and still 31 March in New York.
    rows = [_row(1, datetime(2026, 3, 31, 23, 30, tzinfo=UTC), {"lay": 2, "gp": 1})]
    assert chart_description(rows, "Europe/London") == (
        "Bar chart of who came to the last meeting, by role. People who came: meeting 1 (1 Apr) 3. "
        "The list in the message gives each meeting's numbers by role."
    )
    assert "meeting 1 (31 Mar) 3" in chart_description(rows, "America/New_York")


def test_the_chart_description_fits_discords_limit_with_the_latest_meetings() -> None:
    rows = [_row(n, datetime(2026, 1, 1, tzinfo=UTC), {"lay": n}) for n in range(1, 51)]
    text = chart_description(rows)
    assert len(text) <= DESCRIPTION_LIMIT and "meeting 50 (1 Jan) 50" in text and "…" in text
