"""The ``/pulse results`` trend chart: the three averages across recent check-ins. No Discord.

Drawn with matplotlib's Agg backend and meant to run in a worker thread (``asyncio.to_thread``), as
:mod:`bot.attendance_chart` is, so drawing never stalls the event loop. A check-in with too few
answers to show, or a statement whose numbers are held back, has a gap, never a point.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.pulse.results import STATEMENTS, TrendPoint

SHORT = {"felt_able": "Felt able to speak", "understood": "Understood", "good_use": "Good use of time"}
#: Discord's limit on an attachment's description (its alternative text).
DESCRIPTION_LIMIT = 1024


def last_check_ins(count: int) -> str:
    return "the last check-in" if count == 1 else f"the last {count} check-ins"


def point_text(point: TrendPoint) -> str:
    """One check-in's averages in words, the same numbers the chart draws (or why it has a gap: too few
    answers, or a statement whose numbers are held back because a group all gave one score)."""
    if point.means is None:
        return f"check-in {point.label}: too few answers to show"
    scores = ", ".join(
        f"{SHORT[key].lower()} {'not shown' if mean is None else f'{mean:.1f}'}"
        for (key, _), mean in zip(STATEMENTS, point.means, strict=True)
    )
    return f"check-in {point.label}: {scores}"


def trend_description(points: Sequence[TrendPoint]) -> str:
    """The chart's alternative text (at most 1,024 characters): what it shows and its numbers, newest kept
    when they do not all fit. The reply lists the same numbers as text too."""
    head = f"Line chart of the three average scores, from 1 to 5, at {last_check_ins(len(points))}. "
    parts = [point_text(p) for p in points]
    text = head + "; ".join(parts) + "."
    while len(text) > DESCRIPTION_LIMIT and len(parts) > 1:
        parts.pop(0)
        text = head + "…; " + "; ".join(parts) + "."
    return text[:DESCRIPTION_LIMIT]


def trend_png(points: Sequence[TrendPoint], title: str) -> bytes:
    """A line chart (check-ins across, average 1–5 up, one line per statement) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    nan = float("nan")
    labels = [p.label for p in points]
    figure = Figure(figsize=(max(4.0, 0.7 * len(points) + 2.5), 4), dpi=100)
    axes = figure.subplots()
    xs = list(range(len(points)))
    for index, (key, _words) in enumerate(STATEMENTS):
        ys = [nan if p.means is None or p.means[index] is None else p.means[index] for p in points]
        axes.plot(xs, ys, marker="o", label=SHORT[key])
    axes.set_xticks(xs, labels)
    axes.set_ylim(0.8, 5.2)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.set_title(title[:80])
    axes.set_xlabel("Check-in")
    axes.set_ylabel("Average score (1 to 5)")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left", fontsize="small", frameon=False, bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


_warm = False


def warm_up() -> None:
    """Import matplotlib and draw once (in a worker thread, while copbot starts); later calls do nothing.

    The first chart of a process imports matplotlib and loads its fonts; measured, that held the
    event loop for about 75 ms (the import holds the interpreter lock in C code), over the 50 ms
    budget, so it is done while copbot starts rather than inside a facilitator's ``/pulse results``.
    Done before start-up ends, matplotlib's objects are also among those a ``gc.freeze()`` after
    start-up puts out of the collector's reach (the benchmark shows the collections are otherwise
    the biggest stall).
    """
    global _warm
    if not _warm:
        trend_png([], "")
        _warm = True
