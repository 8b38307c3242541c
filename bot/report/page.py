"""The impact report as one self-contained HTML page. Pure string work: no Discord, no I/O.

What "a page anyone can open" means here, and how it is kept:

* **Self-contained:** one file; the styles are in a ``<style>`` element, the charts are inline SVG
  (:mod:`bot.report.svg`), fonts are the reader's own. No script, no link, no image or font from
  anywhere else, so it opens offline and nothing is fetched when it is opened.
* **Printable:** a print style sheet keeps each chart and table on one page and prints colours.
* **Readable with a screen reader:** one ``<h1>``, a ``<h2>`` per question, ``<h3>`` within; every
  chart is an ``<svg role="img">`` whose ``<title>`` and ``<desc>`` are its alt text, inside a
  ``<figure>`` with a caption, followed by a ``<table>`` of the same numbers with a ``<caption>`` and
  ``<th scope>`` headers.
* **Honest:** every table says what it counts and over how many meetings or answers; a chart with
  fewer than :data:`~bot.report.figures.MIN_TREND_POINTS` points is replaced by a sentence saying so.

Every piece of text that did not come from this module is escaped (role labels come from the
configuration; nothing a member typed is shown at all).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.pulse.results import EVERYONE
from bot.report.figures import (
    EVERYONE_ELSE,
    LAY,
    MIN_TREND_POINTS,
    REPORT_STATEMENTS,
    CheckInRow,
    Figures,
    role_name,
)
from bot.report.summary import summary
from bot.report.svg import Series, bar_chart, line_chart

#: Okabe–Ito colours, one per role (lay first and strongest), then grey for "no role yet".
ROLE_COLOURS = {
    "lay": "#D55E00",
    "clinician": "#0072B2",
    "gp": "#009E73",
    "commissioner": "#CC79A7",
    "manager": "#56B4E9",
    "researcher": "#E69F00",
    "facilitator": "#000000",
    "other": "#8c6bb1",
    "none": "#b3b3b3",
}
TEXT_CLASS = ' class="text"'
BLUE, ORANGE, GREEN, VERMILION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#7f7f7f"

STYLE = """
:root { color: #1a1a1a; background: #fff; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.5; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.9rem; margin: 0 0 .25rem; line-height: 1.2; }
h2 { font-size: 1.45rem; margin: 2.2rem 0 .5rem; padding-top: .6rem; border-top: 3px solid #0072B2; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .4rem; }
.meta { color: #444; margin: 0 0 1rem; }
.summary { font-size: 1.15rem; background: #f3f7fb; border-left: 6px solid #0072B2; padding: .8rem 1rem;
  margin: 1rem 0; }
.summary p { margin: .3rem 0; }
.facts { display: flex; flex-wrap: wrap; gap: .6rem; padding: 0; list-style: none; margin: .6rem 0 1rem; }
.facts li { border: 1px solid #ccc; border-radius: 6px; padding: .4rem .7rem; background: #fafafa; }
.facts strong { font-size: 1.2rem; }
figure { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg.chart { max-width: 100%; height: auto; display: block; border: 1px solid #e3e3e3; }
table { border-collapse: collapse; margin: .5rem 0 1.2rem; font-size: .9rem; break-inside: avoid;
  page-break-inside: avoid; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { border: 1px solid #bbb; padding: .25rem .45rem; text-align: right; vertical-align: top; }
td, th[scope="row"] { white-space: nowrap; }
th { background: #eef2f6; }
th[scope="row"], .text { text-align: left; }
.note { color: #333; background: #fff8e5; border-left: 4px solid #E69F00; padding: .4rem .7rem; }
.hidden-figure { color: #555; font-style: italic; }
.chart-note { color: #444; font-size: .9rem; margin: .3rem 0 0; max-width: 45rem; }
.wide { overflow-x: auto; }
@media print {
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .wide { overflow: visible; }
  table { font-size: .75rem; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
@page { margin: 15mm; }
"""


class _Page:
    """Collects the page's parts and gives each chart a unique id."""

    def __init__(self, figures: Figures) -> None:
        self.f = figures
        self.zone = ZoneInfo(figures.timezone)
        self.parts: list[str] = []

    def add(self, *html: str) -> None:
        self.parts.extend(html)

    def day(self, when: datetime) -> str:
        local = when.astimezone(self.zone)
        return f"{local.day} {local:%b %Y}"

    def chart_or_note(
        self,
        points: int,
        chart: str,
        caption: str,
        *,
        what: tuple[str, str] = ("meeting", "meetings"),
        note: str = "",
    ) -> None:
        """The chart in a figure, or a sentence saying there are too few points to show a trend.

        ``what`` names a point, singular and plural ("meeting", "meetings"); ``note`` is shown under
        the chart, for what a reader might otherwise misread (a gap in a line)."""
        if points < MIN_TREND_POINTS:
            self.add(
                f'<p class="note">Only {points} {escape(what[0] if points == 1 else what[1])} so far: too few'
                f" to show a trend (a chart needs {MIN_TREND_POINTS}). The table below has the figures.</p>"
            )
            return
        below = f'<p class="chart-note">{escape(note)}</p>' if note else ""
        self.add(f"<figure><figcaption>{escape(caption)}</figcaption>{chart}{below}</figure>")


def _count(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({round(100 * part / whole)}%)" if whole else "none"


def _mean(value: float | None) -> str:
    """An average; ``None`` is one the check-in's rule holds back (everyone in a group gave the same score)."""
    return "not shown" if value is None else f"{value:.1f}"


def _signed(value: float) -> str:
    """A difference with its sign, the minus as a real minus sign (read aloud as "minus")."""
    text = f"{abs(value):.1f}"
    if text == "0.0":
        return text
    return ("+" if value > 0 else "\u2212") + text


def _table(
    table_id: str,
    caption: str,
    heads: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    text_columns: int = 1,
) -> str:
    """A table whose first column holds row headers; every header cell is a ``<th scope>``."""
    out = [
        f'<div class="wide"><table id="{table_id}"><caption>{escape(caption)}</caption><thead><tr>',
        *(
            f'<th scope="col"{TEXT_CLASS if index < text_columns else ""}>{escape(h)}</th>'
            for index, h in enumerate(heads)
        ),
        "</tr></thead><tbody>",
    ]
    for row in rows:
        out.append("<tr>")
        for index, cell in enumerate(row):
            if index == 0:
                out.append(f'<th scope="row">{cell}</th>')
            else:
                out.append(f"<td{TEXT_CLASS if index < text_columns else ''}>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _meetings_phrase(p: _Page) -> str:
    ms = p.f.meetings
    if len(ms) == 1:
        return f"meeting #{ms[0].number} ({p.day(ms[0].started_at)})"
    first, last = ms[0], ms[-1]
    return (
        f"{len(ms)} meetings, #{first.number} to #{last.number} ({p.day(first.started_at)} to {p.day(last.started_at)})"
    )


def _header(p: _Page) -> None:
    f = p.f
    asked = "" if f.asked_for == len(f.meetings) else f" You asked for {f.asked_for}; these are all there are."
    p.add(
        "<header>",
        "<h1>Is our Community of Practice working?</h1>",
        f'<p class="meta">An impact report for <strong>{escape(f.community)}</strong>: the last '
        f"{escape(_meetings_phrase(p))}. Made by copbot on {escape(p.day(f.made_at))}.{escape(asked)}</p>",
        "<p>It counts what copbot keeps about meetings held with <em>/meeting start</em>: who came (by role),"
        " the anonymous check-in after each meeting, tasks and questions. It names nobody.</p>",
        "</header>",
    )
    p.add(
        '<section aria-labelledby="in-short"><h2 id="in-short">In short</h2><div class="summary">',
        *(f"<p>{escape(s)}</p>" for s in summary(f)),
        "</div></section>",
    )


def _attendance(p: _Page) -> None:
    a = p.f.attendance
    labels = [f"#{r.meeting.number}" for r in a.rows]
    p.add('<section aria-labelledby="who-comes"><h2 id="who-comes">Who comes?</h2>')
    p.add(
        '<ul class="facts">',
        f"<li><strong>{a.people}</strong> different people came to {_count(len(a.rows), 'meeting')}</li>",
        f"<li>Patients, carers or the public: <strong>{_share(a.lay_attendances, a.attendances)}</strong>"
        " of all attendances</li>",
        f"<li>New faces who did not come again: <strong>{a.came_once}</strong> of {a.new_before_last}"
        " who came for the first time before the last meeting</li>",
        "</ul>",
    )
    series = [
        Series(role_name(key), tuple(float(r.by_role.get(key, 0)) for r in a.rows), ROLE_COLOURS.get(key, GREY))
        for key in a.roles
    ]
    totals = ", ".join(f"{label} {r.total}" for label, r in zip(labels, a.rows, strict=True))
    chart = bar_chart(
        "chart-attendance",
        labels,
        series,
        stacked=True,
        title="People who came to each meeting, by role",
        desc=f"Stacked bar chart, one bar per meeting; each colour is a role. Totals: {totals}. "
        "The table after the chart gives every number.",
        y_label="People",
    )
    p.chart_or_note(len(a.rows), chart, "People who came to each meeting, by role")
    p.add(
        _table(
            "table-attendance",
            f"People who came, by their role now, over {_count(len(a.rows), 'meeting')}.",
            ["Meeting", *(role_name(k) for k in a.roles), "Total"],
            [[f"#{r.meeting.number}", *(str(r.by_role.get(k, 0)) for k in a.roles), str(r.total)] for r in a.rows],
        ),
        _table(
            "table-newcomers",
            f"New faces (at their first meeting) and patients, carers or the public, over"
            f" {_count(len(a.rows), 'meeting')}.",
            ["Meeting", "Date", "People", "New faces", "Patients, carers or the public"],
            [
                [
                    f"#{r.meeting.number}",
                    escape(p.day(r.meeting.started_at)),
                    str(r.total),
                    str(r.new_faces),
                    _share(r.lay, r.total),
                ]
                for r in a.rows
            ],
            text_columns=2,
        ),
        "</section>",
    )


def _group_cell(row: CheckInRow, key: str, which: str) -> str:
    if which == EVERYONE:
        line = row.everyone()
        return f"{_mean(line.means[key])} ({line.answers})" if line else "—"
    gap = row.gaps.get(key)
    if gap is None:
        return "—"
    if which == LAY:
        return f"{_mean(gap.lay)} ({gap.lay_answers})"
    if which == EVERYONE_ELSE:
        return f"{_mean(gap.others)} ({gap.other_answers})"
    return _signed(gap.difference)


def _room(p: _Page) -> None:
    c = p.f.check_ins
    n = c.min_group
    labels = [f"#{r.meeting.number}" for r in c.rows]
    p.add(
        '<section aria-labelledby="room"><h2 id="room">Is the room equal?</h2>',
        "<p>After a meeting, copbot can send everyone who came an anonymous check-in. They score each statement"
        " from 1 (not at all) to 5 (very much). The same rule as in <em>/pulse results</em> applies: no figure is"
        f" shown from fewer than {n} answers, and a role with fewer than {n} answers is merged into"
        " “Other roles, or role not shared”. Comments are not included.</p>",
        '<ul class="facts">',
        f"<li>Check-ins sent: <strong>{c.sent}</strong> after {_count(len(c.rows), 'meeting')}</li>",
        f"<li>Answers: <strong>{c.answers}</strong></li>",
        f"<li>Check-ins with {n} or more answers: <strong>{len(c.shown)}</strong></li>",
        "</ul>",
    )
    lay_name = role_name(LAY)
    for key, words in REPORT_STATEMENTS:
        p.add(f'<h3 id="h-{key}">“{escape(words)}”</h3>')
        everyone = tuple((r.everyone().means[key] if r.everyone() else None) for r in c.rows)  # type: ignore[union-attr]
        lay = tuple((r.gaps[key].lay if key in r.gaps else None) for r in c.rows)
        others = tuple((r.gaps[key].others if key in r.gaps else None) for r in c.rows)
        points = sum(1 for v in everyone if v is not None)
        shown = ", ".join(f"{label} {v:.1f}" for label, v in zip(labels, everyone, strict=True) if v is not None)
        chart = line_chart(
            f"chart-{key}",
            labels,
            [
                Series(EVERYONE, everyone, BLUE),
                Series(lay_name, lay, VERMILION, dash="7 4"),
                Series(EVERYONE_ELSE, others, GREEN, dash="2 3"),
            ],
            title=f"Average score for “{words}”, by meeting",
            desc=f"Line chart of average scores from 1 to 5. Everyone: {shown or 'none shown'}. "
            f"Lines for {lay_name.lower()} and everyone else appear only where both groups had {n} or more"
            " answers. The table after the chart gives every number.",
            y_label="Average score (1 to 5)",
            y_min=1,
            y_max=5,
        )
        p.chart_or_note(
            points,
            chart,
            f"Average score for “{words}”",
            what=("check-in with enough answers", "check-ins with enough answers"),
            note=f"A dot with no line, or a gap, means the meetings either side had no check-in or fewer than {n}"
            f" answers in that group. Lines for {lay_name.lower()} and everyone else are shown only where both had"
            f" {n} or more.",
        )
        rows = [
            [
                f"#{r.meeting.number}",
                _group_cell(r, key, EVERYONE),
                _group_cell(r, key, LAY),
                _group_cell(r, key, EVERYONE_ELSE),
                _group_cell(r, key, "gap"),
            ]
            for r in c.rows
        ]
        p.add(
            _table(
                f"table-{key}",
                f"Average score (number of answers) for “{words}”, over {_count(len(c.rows), 'meeting')}. "
                f"— means no check-in, or fewer than {n} answers in that group.",
                ["Meeting", EVERYONE, lay_name, EVERYONE_ELSE, f"Gap ({lay_name.lower()} minus everyone else)"],
                rows,
            )
        )
    detail: list[list[str]] = []
    for r in c.rows:
        meeting = f"#{r.meeting.number}"
        if r.number is None:
            detail.append([meeting, '<span class="hidden-figure">No check-in sent (or still open)</span>', "", "", ""])
        elif not r.shown:
            detail.append(
                [
                    meeting,
                    f'<span class="hidden-figure">Only the number is shown: fewer than {n} answers</span>',
                    f"{r.answers} of {r.invited} asked",
                    "—",
                    "—",
                ]
            )
        else:
            for line in r.lines:
                detail.append(
                    [
                        meeting,
                        escape(line.name),
                        str(line.answers)
                        + (f" of {r.invited} asked" if line.role is None and line.name == EVERYONE else ""),
                        _mean(line.means["felt_able"]),
                        _mean(line.means["understood"]),
                    ]
                )
    p.add(
        _table(
            "table-checkin-groups",
            f"Every group the check-in shows, over {_count(len(c.rows), 'meeting')}:"
            f" groups of {n} or more answers only.",
            ["Meeting", "Group", "Answers", "Felt able to say what they thought", "Understood the discussion"],
            detail,
            text_columns=2,
        ),
        "</section>",
    )


def _tasks(p: _Page) -> None:
    t = p.f.tasks
    labels = [f"#{r.meeting.number}" for r in t.rows]
    with_next = t.with_next
    agreed_next = sum(r.agreed for r in with_next)
    done_next = sum(r.done_by_next or 0 for r in with_next)
    p.add(
        '<section aria-labelledby="tasks"><h2 id="tasks">Do things get done?</h2>',
        "<p>Tasks agreed during a meeting (set with <em>/task add</em> or “Make a task” between its start and end),"
        " and whether they were marked done before the next meeting began.</p>",
        '<ul class="facts">',
        f"<li>Tasks agreed: <strong>{t.agreed}</strong> in {_count(len(t.rows), 'meeting')}</li>",
        f"<li>Done by the next meeting: <strong>{_share(done_next, agreed_next)}</strong>"
        f" (meetings that have had a next one: {len(with_next)})</li>",
        "</ul>",
    )
    chart = bar_chart(
        "chart-tasks",
        labels,
        [
            Series("Agreed", tuple(float(r.agreed) for r in t.rows), BLUE),
            Series(
                "Done by next meeting",
                tuple(float(r.done_by_next) if r.done_by_next is not None else None for r in t.rows),
                GREEN,
            ),
            Series("Overdue as it began", tuple(float(r.overdue_at_start) for r in t.rows), VERMILION),
        ],
        title="Tasks agreed at each meeting, done by the next, and overdue as it began",
        desc="Bar chart with three bars per meeting: tasks agreed, tasks done by the next meeting, and tasks "
        "overdue as the meeting began. "
        + "; ".join(
            f"{label}: {r.agreed} agreed, "
            + (f"{r.done_by_next} done by the next" if r.done_by_next is not None else "no next meeting yet")
            + f", {r.overdue_at_start} overdue"
            for label, r in zip(labels, t.rows, strict=True)
        )
        + ".",
        y_label="Tasks",
    )
    p.chart_or_note(len(t.rows), chart, "Tasks agreed, done by the next meeting, and overdue")
    rows = [
        [
            f"#{r.meeting.number}",
            str(r.agreed),
            _share(r.done_by_next, r.agreed)
            if r.done_by_next is not None
            else f'<span class="hidden-figure">No next meeting yet ({r.done_so_far} done so far)</span>',
            f"{r.overdue_at_start} of {r.open_at_start} open",
        ]
        for r in t.rows
    ]
    p.add(
        _table(
            "table-tasks",
            f"Tasks per meeting, over {_count(len(t.rows), 'meeting')} (removed tasks are not counted).",
            ["Meeting", "Tasks agreed", "Done by the next meeting", "Overdue as the meeting began"],
            rows,
        )
    )
    if t.by_role:
        p.add(
            _table(
                "table-tasks-role",
                f"Tasks done by the next meeting, by the role of the person doing them: groups of {t.min_group}"
                " or more people only.",
                ["Group", "People", "Tasks agreed", "Done by the next meeting"],
                [
                    [escape(line.name), str(line.people), str(line.tasks), _share(line.done_by_next, line.tasks)]
                    for line in t.by_role
                ],
            )
        )
    else:
        p.add(
            f'<p class="note">Tasks by role are not shown: no role had {t.min_group} or more people doing tasks'
            f" ({t.people} {'person' if t.people == 1 else 'people'} in all),"
            " so a figure could point to one person.</p>"
        )
    p.add("</section>")


def _questions(p: _Page) -> None:
    q = p.f.questions
    labels = [f"#{r.meeting.number}" for r in q.rows]
    answered = sum(r.answered_in_meeting for r in q.rows)
    carried = sum(r.carried for r in q.rows)
    explain = sum(r.explain for r in q.rows)
    p.add(
        '<section aria-labelledby="questions"><h2 id="questions">Are questions heard?</h2>',
        "<p>Questions asked during each meeting without a name (<em>/ask</em>, or a direct message to copbot),"
        " and “please explain” requests (<em>/explain</em>). Answered on the day: marked answered before the"
        " meeting ended. Carried forward: still open when it ended.</p>",
        '<ul class="facts">',
        f"<li>Asked: <strong>{q.asked}</strong> in {_count(len(q.rows), 'meeting')}</li>",
        f"<li>Answered on the day: <strong>{_share(answered, q.asked)}</strong></li>",
        f"<li>Carried forward: <strong>{carried}</strong></li>",
        f"<li>“Please explain” requests: <strong>{explain}</strong></li>",
        "</ul>",
    )
    chart = bar_chart(
        "chart-questions",
        labels,
        [
            Series("Asked", tuple(float(r.asked) for r in q.rows), BLUE),
            Series("Answered on the day", tuple(float(r.answered_in_meeting) for r in q.rows), GREEN),
            Series("Carried forward", tuple(float(r.carried) for r in q.rows), ORANGE),
        ],
        title="Questions asked, answered on the day and carried forward, by meeting",
        desc="Bar chart with three bars per meeting. "
        + "; ".join(
            f"{label}: {r.asked} asked, {r.answered_in_meeting} answered, {r.carried} carried"
            for label, r in zip(labels, q.rows, strict=True)
        )
        + ".",
        y_label="Questions",
    )
    p.chart_or_note(len(q.rows), chart, "Questions asked, answered on the day and carried forward")
    p.add(
        _table(
            "table-questions",
            f"Questions per meeting, over {_count(len(q.rows), 'meeting')}"
            " (questions a facilitator removed are not counted).",
            [
                "Meeting",
                "Asked",
                "Of them, “please explain”",
                "Answered on the day",
                "Carried forward",
                "Carried, answered since",
            ],
            [
                [
                    f"#{r.meeting.number}",
                    str(r.asked),
                    str(r.explain),
                    str(r.answered_in_meeting),
                    str(r.carried),
                    str(r.answered_since),
                ]
                for r in q.rows
            ],
        ),
        "</section>",
    )


def _about(p: _Page) -> None:
    n = p.f.check_ins.min_group
    p.add(
        '<section aria-labelledby="about"><h2 id="about">How these figures are made</h2><ul>',
        "<li>A meeting counts when it was opened with <em>/meeting start</em> and closed with <em>/meeting end</em>."
        " Who came: everyone copbot saw in the main voice channel while it was open.</li>",
        "<li>Roles are the ones people have chosen now (with <em>/profile</em>), not when the meeting was held.</li>",
        f"<li>Check-in figures follow the rule of <em>/pulse results</em>: nothing from fewer than {n} answers;"
        " a check-in counts only once it has closed. “Everyone else” is everyone who answered but is not in the"
        f" {escape(role_name(LAY).lower())} line, including people who chose not to share their role.</li>",
        "<li>A task is “agreed” at a meeting when it was set while the meeting was open. Tasks that were removed"
        " are left out.</li>",
        "<li>This report names nobody: no names, no user ids, no question text, no check-in comments and no"
        " meeting titles.</li>",
        "<li>The CSV file made with this page holds every figure in it, for a spreadsheet.</li>",
        "</ul></section>",
    )


def render_html(figures: Figures) -> str:
    """The whole report page (see the module docstring)."""
    p = _Page(figures)
    _header(p)
    _attendance(p)
    _room(p)
    _tasks(p)
    _questions(p)
    _about(p)
    title = f"Impact report: {figures.community}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(p.parts)}</main></body></html>\n"
    )
