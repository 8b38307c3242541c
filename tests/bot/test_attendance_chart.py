"""The attendance table and chart, without Discord."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.attendance_chart import chart_png, table
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


def test_the_table_dates_each_meeting_in_the_servers_timezone() -> None:
    # 23:30 UTC on 31 March is already 1 April in London (summer time) and still 31 March in New York.
    rows = [_row(1, datetime(2026, 3, 31, 23, 30, tzinfo=UTC), {"lay": 2, "gp": 1})]
    assert table(rows, "Europe/London").splitlines()[1].startswith("#1 01 Apr")
    assert table(rows, "America/New_York").splitlines()[1].startswith("#1 31 Mar")


def test_the_table_has_a_column_per_role_present_and_the_total() -> None:
    rows = [
        _row(1, datetime(2026, 5, 1, 18, tzinfo=UTC), {"lay": 2, "gp": 1}),
        _row(2, datetime(2026, 6, 1, 18, tzinfo=UTC), {"lay": 3}),
    ]
    head, first, second = (line.split() for line in table(rows, "UTC").splitlines())
    assert head[0] == "Meeting" and head[-1] == "Total" and "GP" in head
    assert first[-1] == "3" and second[-1] == "3"
    assert chart_png(rows, "Attendance")[:8] == b"\x89PNG\r\n\x1a\n"
