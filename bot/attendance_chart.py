"""The ``/meeting attendance`` table and chart: attendance by role across meetings. No Discord.

The chart is drawn with matplotlib's Agg backend (no display needed) and is meant to be called in a
worker thread (``asyncio.to_thread``), so drawing never stalls the event loop.
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from bot.meeting_session import NO_ROLE, AttendanceRow
from bot.roles import ROLE_KEYS, get_role


def role_short(key: str) -> str:
    return "No role" if key == NO_ROLE else get_role(key).short


def roles_present(rows: list[AttendanceRow]) -> list[str]:
    seen = {k for row in rows for k, v in row.counts.items() if v}
    return [k for k in (*ROLE_KEYS, NO_ROLE) if k in seen]


def table(rows: list[AttendanceRow], tz_name: str = "UTC") -> str:
    """A fixed-width table (for a code block): one line per meeting, one column per role, and the total.

    A code block cannot hold Discord timestamps, so each meeting's date is written in the server's
    timezone (``tz_name``): an evening meeting in London is on the day people remember it.
    """
    zone = ZoneInfo(tz_name)
    keys = roles_present(rows)
    heads = ["Meeting", *(role_short(k) for k in keys), "Total"]
    body = [
        [
            f"#{row.session.number} {row.session.started_at.astimezone(zone):%d %b}",
            *(str(row.counts.get(k, 0)) for k in keys),
            str(row.total),
        ]
        for row in rows
    ]
    widths = [max(len(r[i]) for r in [heads, *body]) for i in range(len(heads))]
    lines = [
        "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)) for r in [heads, *body]
    ]
    return "\n".join(lines)


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
