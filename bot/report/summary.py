"""The report's plain-language summary: four or five short sentences made from the figures. No Discord.

Written for a steering group or a funder who reads nothing else: short sentences, everyday words
(reading grade 6 or lower), whole numbers where they do, and "too few" said plainly rather than a
number from too few answers. Each sentence rests on a figure shown in full further down the report.
"""

from __future__ import annotations

from bot.report.figures import Figures

#: A gap between lay members and everyone else smaller than this (on the 1–5 scale) reads "about the same".
SAME = 0.3


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


def attendance_sentences(figures: Figures) -> list[str]:
    """How many came, and the share of lay members (two short sentences, or one)."""
    a = figures.attendance
    n = len(a.rows)
    if n == 1:
        out = [f"{_people(a.rows[0].total).capitalize()} came to the one meeting in this report."]
    else:
        out = [f"About {_people(round(a.attendances / n))} came to each of the last {n} meetings."]
    if a.attendances:
        tenths = round(10 * a.lay_attendances / a.attendances)
        if a.lay_attendances == a.attendances:
            out.append("All of them were patients, carers or the public.")
        elif not a.lay_attendances:
            out.append("None of them were patients, carers or the public.")
        elif tenths == 0:
            out.append("Fewer than 1 in 10 were patients, carers or the public.")
        elif tenths == 10:
            out.append("Nearly all were patients, carers or the public.")
        else:
            out.append(f"{tenths} in 10 were patients, carers or the public.")
    return out


def check_in_sentence(figures: Figures, subject: str = "Patients and the public") -> str:
    """Lay members against everyone else on "I felt able to say what I thought": the plain average of
    the check-ins where both lines are shown (each check-in counts once, however many answered)."""
    c = figures.check_ins
    if not c.sent:
        return "No check-in was sent after these meetings, so we can't say how people felt."
    if not c.shown:
        return f"Too few people answered the check-in to show its scores (we need {c.min_group} or more)."
    gaps = [row.gaps["felt_able"] for row in c.rows if "felt_able" in row.gaps]
    if not gaps:
        compared = [row for row in c.rows if (lay := row.line_for("lay")) and lay.answers < row.answers]
        if compared:  # the lines were there, but the rule held the statement back
            return (
                "Those scores are not shown: everyone in one group gave the same score. "
                "Showing them would show each person's answer."
            )
        return "Too few patients and public answered the check-in to compare them with others."
    lay = sum(g.lay for g in gaps) / len(gaps)
    others = sum(g.others for g in gaps) / len(gaps)
    if abs(lay - others) < SAME:
        felt = "about as free to speak as others"
    else:
        felt = f"{'less' if lay < others else 'more'} free to speak than others"
    return f"{subject} felt {felt}: {lay:.1f} and {others:.1f} out of 5."


def task_sentence(figures: Figures) -> str:
    t = figures.tasks
    if not t.agreed:
        return "No tasks were agreed in these meetings."
    rows = t.with_next
    if not rows:
        return f"There has been no next meeting yet to check the {_plural(t.agreed, 'task')} agreed."
    agreed = sum(r.agreed for r in rows)
    done = sum(r.done_by_next or 0 for r in rows)
    if not agreed:
        return "No tasks were agreed at the meetings that have had a next one."
    return f"{done} of {_plural(agreed, 'task')} {'was' if agreed == 1 else 'were'} done by the next meeting."


def question_sentence(figures: Figures) -> str:
    q = figures.questions
    if not q.asked:
        return "Nobody asked a question in these meetings."
    answered = sum(r.answered_in_meeting for r in q.rows)
    return f"{answered} of {_plural(q.asked, 'question')} got an answer on the day."


def summary(figures: Figures) -> list[str]:
    """Four or five sentences: who comes, then one each for the room, the tasks and the questions.

    After a sentence giving the share of patients, carers and the public, the check-in sentence calls
    them "they" (shorter, so the summary stays at reading grade 6 or under)."""
    a = figures.attendance
    subject = "They" if 0 < a.lay_attendances < a.attendances else "Patients and the public"
    return [
        *attendance_sentences(figures),
        check_in_sentence(figures, subject),
        task_sentence(figures),
        question_sentence(figures),
    ]
