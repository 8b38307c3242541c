"""Charts for the impact report, drawn as inline SVG. Pure string work: no Discord, no I/O, no scripts.

Why SVG written by hand rather than matplotlib: the report must be one self-contained file that any
browser opens offline and prints to PDF, that a screen reader can read, and that stays small with 50
meetings. A few hundred lines of ``<rect>`` and ``<polyline>`` do that in milliseconds, with real
text (sharp when printed, searchable) and a ``<title>``/``<desc>`` pair as the chart's alt text
(``role="img"``, ``aria-labelledby``). Every chart is followed by a table of the same numbers in the
page itself, so the chart is never the only way to read them.

Colours are the Okabe–Ito palette (told apart with the common kinds of colour blindness), and each
series also has a legend entry with its name, so colour is never the only cue.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 720
HEIGHT = 300
LEFT = 56
RIGHT = 16
#: Where the plot starts below the legend's rows, and how far apart those rows are.
TOP = 26
LEGEND_ROW = 20
#: A generous width per character of legend text (13 px sans-serif), so entries never overlap.
CHAR_WIDTH = 8.0
BOTTOM = 46
INK = "#222"
GRID = "#d9d9d9"


@dataclass(frozen=True, slots=True)
class Series:
    """One named line or set of bars; ``None`` values are left out (a gap, never a zero)."""

    name: str
    values: tuple[float | None, ...]
    colour: str
    #: For lines: a dash pattern, so two lines differ by more than colour.
    dash: str | None = None


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (1, 2 or 5 times a power of ten apart)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" class="chart"'
        f' id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
    ]


def _legend_rows(series: Sequence[Series], width: int) -> list[list[tuple[float, Series]]]:
    """Legend entries laid out in rows across the top: (x, series), wrapping before the right edge."""
    rows: list[list[tuple[float, Series]]] = [[]]
    x = float(LEFT)
    for s in series:
        entry = max(CHAR_WIDTH * len(s.name) + 44, 84.0)
        if rows[-1] and x + entry > width - RIGHT:
            rows.append([])
            x = float(LEFT)
        rows[-1].append((x, s))
        x += entry
    return rows


def _legend(rows: list[list[tuple[float, Series]]], *, lines: bool) -> list[str]:
    """Each entry: a swatch (or a short line with a dot, for line charts) and the series' name."""
    out: list[str] = []
    for number, row in enumerate(rows):
        y = 18 + LEGEND_ROW * number
        for x, s in row:
            if lines:
                dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
                out.append(
                    f'<line x1="{x:.0f}" y1="{y}" x2="{x + 24:.0f}" y2="{y}" stroke="{s.colour}"'
                    f' stroke-width="3"{dash}/>'
                    f'<circle cx="{x + 12:.0f}" cy="{y}" r="3.5" fill="{s.colour}"/>'
                )
            else:
                out.append(
                    f'<rect x="{x:.0f}" y="{y - 7}" width="14" height="14" fill="{s.colour}"'
                    f' stroke="{INK}" stroke-width="0.5"/>'
                )
            out.append(f'<text x="{x + 30:.0f}" y="{y + 4}" font-size="13" fill="{INK}">{escape(s.name)}</text>')
    return out


def _axes(
    categories: Sequence[str], ticks: Sequence[float], y_of, width: int, height: int, y_label: str, top: float
) -> list[str]:
    out: list[str] = []
    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end" fill="{INK}">{_fmt(tick)}</text>'
        )
    out.append(f'<line x1="{LEFT}" y1="{height - BOTTOM}" x2="{width - RIGHT}" y2="{height - BOTTOM}" stroke="{INK}"/>')
    middle = top + (height - BOTTOM - top) / 2
    out.append(
        f'<text x="14" y="{middle:.1f}" font-size="12" text-anchor="middle" fill="{INK}"'
        f' transform="rotate(-90 14 {middle:.1f})">{escape(y_label)}</text>'
    )
    step = (width - LEFT - RIGHT) / max(len(categories), 1)
    every = max(1, math.ceil(len(categories) / 16))  # at most ~16 labels, so they never overlap
    for index, name in enumerate(categories):
        if index % every and index != len(categories) - 1:
            continue
        x = LEFT + step * (index + 0.5)
        out.append(
            f'<text x="{x:.1f}" y="{height - BOTTOM + 16}" font-size="12" text-anchor="middle" fill="{INK}">'
            f"{escape(name)}</text>"
        )
    out.append(
        f'<text x="{LEFT + (width - LEFT - RIGHT) / 2:.1f}" y="{height - 8}" font-size="12" text-anchor="middle"'
        f' fill="{INK}">Meeting</text>'
    )
    return out


def bar_chart(
    chart_id: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    y_label: str,
    stacked: bool = False,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Bars per category: stacked (parts of one total) or side by side (different counts)."""
    if stacked:
        top = max((sum(s.values[i] or 0 for s in series) for i in range(len(categories))), default=0)
    else:
        top = max((v for s in series for v in s.values if v is not None), default=0)
    ticks = nice_ticks(top)
    legend = _legend_rows(series, width)
    top = TOP + LEGEND_ROW * len(legend)
    scale = (height - BOTTOM - top) / ticks[-1]

    def y_of(value: float) -> float:
        return height - BOTTOM - value * scale

    out = _open(chart_id, title, desc, width, height)
    out += _axes(categories, ticks, y_of, width, height, y_label, top)
    step = (width - LEFT - RIGHT) / max(len(categories), 1)
    band = step * 0.7
    labels = len(categories) <= 16
    for index in range(len(categories)):
        x0 = LEFT + step * index + (step - band) / 2
        base = 0.0
        for number, s in enumerate(series):
            value = s.values[index]
            if value is None:
                continue
            if stacked:
                x, w, low, high = x0, band, base, base + value
                base = high
            else:
                w = band / len(series)
                x, low, high = x0 + number * w, 0.0, value
            if high > low:
                out.append(
                    f'<rect x="{x:.1f}" y="{y_of(high):.1f}" width="{w:.1f}" height="{y_of(low) - y_of(high):.1f}"'
                    f' fill="{s.colour}" stroke="#fff" stroke-width="0.75"/>'
                )
            if labels and not stacked:
                out.append(
                    f'<text x="{x + w / 2:.1f}" y="{y_of(high) - 4:.1f}" font-size="11" text-anchor="middle"'
                    f' fill="{INK}">{_fmt(value)}</text>'
                )
        if labels and stacked:
            out.append(
                f'<text x="{x0 + band / 2:.1f}" y="{y_of(base) - 4:.1f}" font-size="11" text-anchor="middle"'
                f' fill="{INK}">{_fmt(base)}</text>'
            )
    out += _legend(legend, lines=False)
    out.append("</svg>")
    return "".join(out)


def line_chart(
    chart_id: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    y_label: str,
    y_min: float,
    y_max: float,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Lines across categories on a fixed scale (scores 1–5); a missing value breaks the line."""
    ticks = [float(v) for v in range(int(y_min), int(y_max) + 1)]
    legend = _legend_rows(series, width)
    top = TOP + LEGEND_ROW * len(legend)
    scale = (height - BOTTOM - top) / (y_max - y_min)

    def y_of(value: float) -> float:
        return height - BOTTOM - (value - y_min) * scale

    out = _open(chart_id, title, desc, width, height)
    out += _axes(categories, ticks, y_of, width, height, y_label, top)
    step = (width - LEFT - RIGHT) / max(len(categories), 1)
    for s in series:
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        run: list[str] = []
        points: list[str] = []
        for index, value in enumerate((*s.values, None)):
            if value is None:
                if len(run) > 1:
                    out.append(
                        f'<polyline points="{" ".join(run)}" fill="none" stroke="{s.colour}" stroke-width="2.5"{dash}/>'
                    )
                run = []
                continue
            x, y = LEFT + step * (index + 0.5), y_of(value)
            run.append(f"{x:.1f},{y:.1f}")
            points.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{s.colour}" stroke="#fff"/>')
        out += points
    out += _legend(legend, lines=True)
    out.append("</svg>")
    return "".join(out)
