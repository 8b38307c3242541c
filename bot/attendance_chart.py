"""The ``/meeting attendance`` list, chart and chart description: attendance by role across meetings. No Discord.

The chart is drawn with matplotlib's Agg backend (no display needed) and is meant to be called in a
worker thread (``asyncio.to_thread``), so drawing never stalls the event loop.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.meeting_session import NO_ROLE, AttendanceRow
from bot.roles import ROLE_KEYS, get_role

#: Discord's limit on an attachment's description (its alternative text).
DESCRIPTION_LIMIT = 1024


def role_short(key: str) -> str:
    return "No role" if key == NO_ROLE else get_role(key).short


def roles_present(rows: list[AttendanceRow]) -> list[str]:
    seen = {k for row in rows for k, v in row.counts.items() if v}
    return [k for k in (*ROLE_KEYS, NO_ROLE) if k in seen]


def _counts(row: AttendanceRow, keys: list[str]) -> str:
    return ", ".join(f"{role_short(k)} {row.counts[k]}" for k in keys if row.counts.get(k))


def attendance_lines(rows: list[AttendanceRow], date: Callable[[datetime], str]) -> list[str]:
    """One line per meeting, oldest first, each a whole sentence a screen reader reads in order
    ("Meeting 3, <date>: 5 people (Patient or public 2, GP 1, …)."), where a space-aligned table
    is read as a row of bare numbers. ``date`` writes a meeting's date (a Discord timestamp in the cog)."""
    keys = roles_present(rows)
    lines = []
    for row in rows:
        people = "1 person" if row.total == 1 else f"{row.total} people"
        detail = f" ({_counts(row, keys)})" if row.total else ""
        lines.append(f"• Meeting {row.session.number}, {date(row.session.started_at)}: {people}{detail}.")
    return lines


def chart_description(rows: list[AttendanceRow], tz_name: str = "UTC") -> str:
    """The chart's alternative text (Discord allows 1,024 characters): what it shows, and the totals.

    A description is plain text, so each date is written in the server's timezone (``tz_name``), the day
    people remember it."""
    zone = ZoneInfo(tz_name)
    which = "the last meeting" if len(rows) == 1 else f"the last {len(rows)} meetings"
    head = f"Bar chart of who came to {which}, by role. People who came: "
    parts = [
        f"meeting {row.session.number} ({row.session.started_at.astimezone(zone):%-d %b}) {row.total}" for row in rows
    ]
    foot = ". The list in the message gives each meeting's numbers by role."
    text = head + ", ".join(parts) + foot
    while len(text) > DESCRIPTION_LIMIT and parts:
        parts.pop(0)
        text = head + "…, " + ", ".join(parts) + foot
    return text[:DESCRIPTION_LIMIT]


def chart_png(rows: list[AttendanceRow], title: str) -> bytes:
    """A stacked bar chart (meetings across, people up, one colour per role) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    keys = roles_present(rows)
    labels = [f"#{row.session.number}" for row in rows]
    figure = Figure(figsize=(max(4.0, 0.8 * len(rows) + 2), 4), dpi=100)
    axes = figure.subplots()
    bottoms = [0] * len(rows)
    for key in keys:
        values = [row.counts.get(key, 0) for row in rows]
        axes.bar(labels, values, bottom=bottoms, label=role_short(key))
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_title(title[:80])
    axes.set_xlabel("Meeting")
    axes.set_ylabel("People who came")
    axes.yaxis.get_major_locator().set_params(integer=True)
    if keys:
        axes.legend(loc="upper left", fontsize="small", frameon=False, bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
