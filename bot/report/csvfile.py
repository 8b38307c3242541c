"""The impact report's figures as CSV, for a spreadsheet. Pure: no Discord, no I/O.

One figure per line, in a long layout that every spreadsheet can filter and pivot:
``section, meeting, date, figure, group, value, out_of, unit``. ``meeting`` is the meeting's
number (empty for a figure over the whole span); ``value`` is a count or an average; ``out_of``
says what the value is taken from (the number of answers behind an average, the tasks a "done"
count is out of), in ``unit``. Exactly the figures the page shows: groups the check-in rule hides
are absent here too.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.report.figures import LAY, REPORT_STATEMENTS, Figures, role_name

HEADER = ("section", "meeting", "date", "figure", "group", "value", "out_of", "unit")


def render_csv(figures: Figures) -> str:
    """The CSV text (UTF-8, ``\\r\\n`` line ends as the csv module writes them)."""
    zone = ZoneInfo(figures.timezone)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADER)

    def day(when: datetime) -> str:
        return when.astimezone(zone).date().isoformat()

    a = figures.attendance
    for r in a.rows:
        m, d = r.meeting.number, day(r.meeting.started_at)
        for key in a.roles:
            w.writerow(("attendance", m, d, "people", role_name(key), r.by_role.get(key, 0), "", "people"))
        w.writerow(("attendance", m, d, "people", "Everyone", r.total, "", "people"))
        w.writerow(("attendance", m, d, "new faces", "Everyone", r.new_faces, r.total, "people"))
    w.writerow(("attendance", "", "", "different people", "Everyone", a.people, "", "people"))
    w.writerow(("attendance", "", "", "attendances", role_name(LAY), a.lay_attendances, a.attendances, "attendances"))
    w.writerow(("attendance", "", "", "came once, not again", "Everyone", a.came_once, a.new_before_last, "people"))

    c = figures.check_ins
    for r in c.rows:
        m, d = r.meeting.number, day(r.meeting.started_at)
        if r.number is None:
            continue
        w.writerow(("check-in", m, d, "answers", "Everyone", r.answers, r.invited, "people asked"))
        for line in r.lines:
            for key, words in REPORT_STATEMENTS:
                if line.means[key] is None:  # held back, as /pulse results does
                    continue
                w.writerow(
                    (
                        "check-in",
                        m,
                        d,
                        f"average: {words}",
                        line.name,
                        f"{line.means[key]:.2f}",
                        line.answers,
                        "answers",
                    )
                )
        for key, words in REPORT_STATEMENTS:
            gap = r.gaps.get(key)
            if gap is not None:
                w.writerow(
                    (
                        "check-in",
                        m,
                        d,
                        f"average: {words}",
                        "Everyone else",
                        f"{gap.others:.2f}",
                        gap.other_answers,
                        "answers",
                    )
                )
                w.writerow(
                    ("check-in", m, d, f"gap: {words}", "lay minus everyone else", f"{gap.difference:.2f}", "", "")
                )

    t = figures.tasks
    for r in t.rows:
        m, d = r.meeting.number, day(r.meeting.started_at)
        w.writerow(("tasks", m, d, "agreed", "Everyone", r.agreed, "", "tasks"))
        if r.done_by_next is not None:
            w.writerow(("tasks", m, d, "done by next meeting", "Everyone", r.done_by_next, r.agreed, "tasks"))
        w.writerow(("tasks", m, d, "overdue at start", "Everyone", r.overdue_at_start, r.open_at_start, "open tasks"))
    for line in t.by_role:
        w.writerow(("tasks", "", "", "done by next meeting", line.name, line.done_by_next, line.tasks, "tasks"))

    for r in figures.questions.rows:
        m, d = r.meeting.number, day(r.meeting.started_at)
        w.writerow(("questions", m, d, "asked", "", r.asked, "", "questions"))
        w.writerow(("questions", m, d, "please explain", "", r.explain, r.asked, "questions"))
        w.writerow(("questions", m, d, "answered on the day", "", r.answered_in_meeting, r.asked, "questions"))
        w.writerow(("questions", m, d, "carried forward", "", r.carried, r.asked, "questions"))
        w.writerow(("questions", m, d, "carried, answered since", "", r.answered_since, r.carried, "questions"))
    return out.getvalue()
