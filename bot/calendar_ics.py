"""An iCalendar file (RFC 5545) of a server's upcoming meetings and one member's open tasks. Pure.

Meetings are written in the server's timezone (``DTSTART;TZID=…``) with a ``VTIMEZONE`` built from
:mod:`zoneinfo`'s transitions, so a weekly 19:00 meeting stays at 19:00 after the clocks change, and
repeats become ``RRULE`` s matching :mod:`bot.meetings` (a monthly meeting on the 31st falls on the
last day of shorter months). Tasks are short events at their due time, in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PRODID = "-//copbot//Community of Practice meetings//EN"
MEETING_LENGTH = timedelta(hours=1)
TASK_LENGTH = timedelta(minutes=30)
#: How many years of timezone changes the file describes (meetings further ahead are rare).
ZONE_YEARS = 6


@dataclass(frozen=True, slots=True)
class CalendarMeeting:
    number: int
    title: str
    starts_at: datetime
    repeat: str


@dataclass(frozen=True, slots=True)
class CalendarTask:
    number: int
    description: str
    due_at: datetime


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = 75 if not out else 74
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += ch
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _offset(delta: timedelta | None) -> str:
    seconds = int((delta or timedelta()).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}{seconds % 3600 // 60:02d}"


def rrule(repeat: str, local_start: datetime) -> str | None:
    """The ``RRULE`` value for one of copbot's repeats (``None`` for a one-off meeting)."""
    if repeat == "none":
        return None
    if repeat == "weekly":
        return "FREQ=WEEKLY"
    if repeat == "fortnightly":
        return "FREQ=WEEKLY;INTERVAL=2"
    interval = ";INTERVAL=3" if repeat == "quarterly" else ""
    if repeat not in ("monthly", "quarterly"):
        raise ValueError(f"Unknown repeat {repeat!r}")
    day = local_start.day
    if day >= 29:  # the day, or the month's last day when it is shorter
        days = ",".join(str(d) for d in range(28, day + 1))
        return f"FREQ=MONTHLY{interval};BYMONTHDAY={days};BYSETPOS=-1"
    return f"FREQ=MONTHLY{interval};BYMONTHDAY={day}"


def _transitions(zone: ZoneInfo, start: datetime, years: int) -> list[datetime]:
    """UTC instants at which the zone's offset changes, from ``start`` for ``years`` years."""
    found: list[datetime] = []
    moment = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = moment + timedelta(days=366 * years)
    step = timedelta(days=1)
    previous = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + step
        if following.astimezone(zone).utcoffset() != previous:
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                if mid.astimezone(zone).utcoffset() == previous:
                    low = mid
                else:
                    high = mid
            exact = high.replace(second=0, microsecond=0)
            found.append(exact)
            previous = following.astimezone(zone).utcoffset()
        moment = following
    return found


def vtimezone(tz_name: str, start: datetime) -> list[str]:
    """A ``VTIMEZONE`` for ``tz_name``: one observance per offset change from a year before ``start``."""
    zone = ZoneInfo(tz_name)
    begin = start - timedelta(days=366)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz_name}"]
    changes = _transitions(zone, begin, ZONE_YEARS + 1)
    first = begin.astimezone(zone)
    if not changes:
        off = _offset(first.utcoffset())
        return [
            *lines,
            "BEGIN:STANDARD",
            f"DTSTART:{_local(first.replace(tzinfo=None, microsecond=0))}",
            f"TZOFFSETFROM:{off}",
            f"TZOFFSETTO:{off}",
            f"TZNAME:{first.tzname() or tz_name}",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    for change in changes:
        before = (change - timedelta(minutes=1)).astimezone(zone)
        after = change.astimezone(zone)
        kind = "DAYLIGHT" if after.dst() else "STANDARD"
        local_onset = (change + (before.utcoffset() or timedelta())).replace(tzinfo=None)
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{_local(local_onset)}",
            f"TZOFFSETFROM:{_offset(before.utcoffset())}",
            f"TZOFFSETTO:{_offset(after.utcoffset())}",
            f"TZNAME:{after.tzname() or tz_name}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def build_calendar(
    guild_id: int,
    community: str,
    tz_name: str,
    meetings: Iterable[CalendarMeeting],
    tasks: Iterable[CalendarTask],
    now: datetime,
) -> str:
    """The whole ``.ics`` text, CRLF line endings, folded."""
    zone = ZoneInfo(tz_name)
    stamp = _utc(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(community)}",
        f"X-WR-TIMEZONE:{tz_name}",
        *vtimezone(tz_name, now),
    ]
    for meeting in meetings:
        local = meeting.starts_at.astimezone(zone).replace(tzinfo=None)
        lines += [
            "BEGIN:VEVENT",
            f"UID:meeting-{guild_id}-{meeting.number}@copbot",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID={tz_name}:{_local(local)}",
            f"DTEND;TZID={tz_name}:{_local(local + MEETING_LENGTH)}",
            # Named as members know it everywhere: its title (the calendar shows the date).
            f"SUMMARY:{_escape(meeting.title)}",
            f"DESCRIPTION:{_escape(f'A meeting of {community}')}",
        ]
        rule = rrule(meeting.repeat, local)
        if rule:
            lines.append(f"RRULE:{rule}")
        lines.append("END:VEVENT")
    for task in tasks:
        lines += [
            "BEGIN:VEVENT",
            f"UID:task-{guild_id}-{task.number}@copbot",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(task.due_at)}",
            f"DTEND:{_utc(task.due_at + TASK_LENGTH)}",
            f"SUMMARY:{_escape(f'Task due: {task.description}')}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
