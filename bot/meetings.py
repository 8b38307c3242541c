"""Meeting repeats: when the next occurrence of a repeating meeting is. Pure, no I/O.

Repeats are counted on the server's wall clock (a 19:00 weekly meeting stays at 19:00 after the
clocks change), and monthly/quarterly repeats keep the day of the month, using the last day of a
shorter month (31 January → 28 February → 31 March).
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

REPEATS = ("none", "weekly", "fortnightly", "monthly", "quarterly")
REPEAT_WORDS = {
    "none": "once",
    "weekly": "every week",
    "fortnightly": "every two weeks",
    "monthly": "every month",
    "quarterly": "every three months",
}


def _add_months(local: datetime, months: int, day: int) -> datetime:
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    return local.replace(year=year, month=month, day=min(day, calendar.monthrange(year, month)[1]))


def next_occurrence(starts_at: datetime, repeat: str, tz_name: str, after: datetime) -> datetime | None:
    """The first occurrence of the series strictly after ``after``; ``None`` for a one-off meeting."""
    if repeat == "none":
        return None
    if repeat not in REPEATS:
        raise ValueError(f"Unknown repeat {repeat!r}")
    zone = ZoneInfo(tz_name)
    first = starts_at.astimezone(zone).replace(tzinfo=None)
    step = 0
    current = first
    while (current.replace(tzinfo=zone)) <= after:
        step += 1
        if repeat in ("weekly", "fortnightly"):
            current = first + timedelta(days=step * (7 if repeat == "weekly" else 14))
        else:
            current = _add_months(first, step * (1 if repeat == "monthly" else 3), first.day)
    return current.replace(tzinfo=zone).astimezone(starts_at.tzinfo)
