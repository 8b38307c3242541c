"""The impact report's figures, without Discord: attendance, the check-in rule, tasks and questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pulse.results import OTHER_ROLES, Answer, atoms, build_results
from bot.report.figures import (
    CheckIns,
    Figures,
    MeetingRef,
    attendance_figures,
    check_in_row,
    question_figures,
    task_figures,
)
from bot.report.summary import summary
from bot.roles import ROLE_KEYS
from bot.storage.pulses import Pulse
from bot.storage.report import ReportCheckIn, ReportQuestion, ReportTask

T0 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)


def meetings(n: int) -> list[MeetingRef]:
    return [MeetingRef(k + 1, T0 + WEEK * k, T0 + WEEK * k + HOUR) for k in range(n)]


def check_in(answers: list[tuple[int, int, int, str | None, str | None]], invited: int = 20) -> ReportCheckIn:
    pulse = Pulse(1, 1, 1, 1, "t", "closed", T0, T0, T0, invited, 1)
    return ReportCheckIn(pulse, tuple(answers))


def test_attendance_counts_roles_new_faces_and_people_who_came_once():
    ms = meetings(4)
    roles = {1: "lay", 2: "lay", 3: "gp", 4: "clinician", 5: "lay"}
    came = [{1, 2, 3}, {1, 3, 4, 9}, {1, 4, 5}, {1, 5}]  # 9 has no role; 2 came before the span
    a = attendance_figures(ms, came, roles, seen_before={2})
    assert [r.total for r in a.rows] == [3, 4, 3, 2]
    assert [r.lay for r in a.rows] == [2, 1, 2, 2]
    assert [r.new_faces for r in a.rows] == [2, 2, 1, 0]  # 1 and 3; 4 and 9; 5
    assert a.roles == ("lay", "clinician", "gp", "none")
    assert a.rows[1].by_role == {"lay": 1, "gp": 1, "clinician": 1, "none": 1}
    assert a.people == 6
    # New before the last meeting: 1, 3, 4, 9, 5 (2 is not new). Came once and not again: only 9.
    assert (a.came_once, a.new_before_last) == (1, 5)
    assert (a.lay_attendances, a.attendances) == (7, 12)


def test_a_check_in_shows_exactly_what_pulse_results_shows():
    answers = [(felt, 3, 4, "lay", "a comment naming Sam") for felt in (1, 3, 1, 3, 2, 2)]
    answers += [(5, 4, 4, "clinician", None)] * 3 + [(4, 4, 4, None, None)] * 3
    row = check_in_row(ms := meetings(1)[0], check_in(answers), 5)
    shown = build_results([Answer(*a) for a in answers], 5)
    assert [(line.role, line.answers) for line in row.lines] == [(g.role, g.count) for g in shown.lines()]
    assert [line.name for line in row.lines] == ["Everyone", "Patient or public", OTHER_ROLES]
    assert row.merged_roles == ("clinician",) and row.meeting == ms
    gap = row.gaps["felt_able"]
    assert (gap.lay, gap.others, gap.lay_answers, gap.other_answers) == (2.0, 4.5, 6, 6)
    assert gap.difference == -2.5
    # Every lay member gave "3" to "I understood": held back, as /pulse results does, and no gap from it.
    assert all(line.means["understood"] is None for line in row.lines) and "understood" not in row.gaps
    assert "Sam" not in repr(row)  # comments never reach the report


def test_too_few_answers_show_only_the_count_and_no_gap():
    row = check_in_row(meetings(1)[0], check_in([(1, 1, 1, "lay", None)] * 4, invited=9), 5)
    assert not row.shown and row.answers == 4 and row.invited == 9 and row.gaps == {}
    everyone_lay = check_in_row(meetings(1)[0], check_in([(3, 3, 3, "lay", None)] * 7), 5)
    assert [line.name for line in everyone_lay.lines] == ["Everyone", "Patient or public"]
    assert everyone_lay.gaps == {}  # nobody else answered: there is no one to compare with
    none = check_in_row(meetings(1)[0], None, 5)
    assert none.number is None and not none.shown


answer_st = st.tuples(
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(1, 5),
    st.one_of(st.none(), st.sampled_from(ROLE_KEYS[:3])),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(answers=st.lists(answer_st, max_size=30), min_group=st.integers(3, 7))
def test_no_shown_figure_or_gap_isolates_fewer_than_min_group_answers(answers, min_group):
    """Everyone, the role lines *and* "everyone else" (the complement of the lay line, used by the gap)
    together isolate no set of answers smaller than ``min_group``."""
    row = check_in_row(meetings(1)[0], check_in(answers), min_group)
    result = build_results([Answer(*a) for a in answers], min_group)
    universe = frozenset(range(len(answers)))
    shown = [g.basis for g in result.lines()]
    lay = next((g.basis for g in result.lines() if g.role == "lay"), None)
    if row.gaps:
        assert lay is not None
        shown.append(universe - lay)
        assert all(g.other_answers >= min_group and g.lay_answers >= min_group for g in row.gaps.values())
    for line in row.lines:
        assert line.answers >= min_group
    for atom in atoms(universe, shown):
        assert len(atom) >= min_group


def task(created: datetime, due: datetime, status: str = "open", closed: datetime | None = None, who: int = 1):
    return ReportTask(created, due, status, closed, who)


def test_tasks_done_by_the_next_meeting_and_overdue_as_each_began():
    ms = meetings(3)
    during = [m.started_at + timedelta(minutes=30) for m in ms]
    tasks = [
        task(during[0], during[0] + timedelta(days=3), "done", during[0] + timedelta(days=2)),  # done in time
        task(during[0], during[0] + timedelta(days=3), "done", ms[1].started_at + HOUR),  # done after #2 began
        task(during[0], during[0] + timedelta(days=3)),  # never done: overdue at #2 and #3
        task(during[1], during[1] + timedelta(days=10)),  # due after #3: not overdue then
        task(during[2], during[2] + timedelta(days=1), "done", during[2] + HOUR),
        task(T0 - WEEK, T0 - timedelta(days=1)),  # set before the span, overdue at #1
    ]
    t = task_figures(ms, None, tasks, {}, 5)
    assert [r.agreed for r in t.rows] == [3, 1, 1]
    assert [r.done_by_next for r in t.rows] == [1, 0, None]  # no meeting after #3 yet
    assert t.rows[2].done_so_far == 1
    assert [r.overdue_at_start for r in t.rows] == [1, 3, 2]
    assert [r.open_at_start for r in t.rows] == [1, 3, 3]
    assert t.by_role == () and t.people == 1
    later = task_figures(ms, ms[2].started_at + WEEK, tasks, {}, 5)
    assert later.rows[2].done_by_next == 1


def test_tasks_by_role_only_for_groups_of_min_group_people():
    ms = meetings(2)
    during = ms[0].started_at + timedelta(minutes=10)
    roles = {**{i: "lay" for i in range(1, 6)}, **{i: "gp" for i in range(6, 9)}, 9: "clinician"}
    tasks = [task(during, during + WEEK, "done" if i % 2 else "open", during + HOUR, who=i) for i in range(1, 10)]
    t = task_figures(ms, None, tasks, roles, 5)
    # Lay: 5 people, shown. GP (3) and clinician (1) would leave "other roles" with 4: lay is merged too.
    assert t.by_role == () and t.people == 9
    roles[10] = "gp"
    roles[11] = "gp"
    tasks += [task(during, during + WEEK, "done", during + HOUR, who=10), task(during, during + WEEK, who=11)]
    t = task_figures(ms, None, tasks, roles, 5)
    assert [(line.name, line.people, line.tasks) for line in t.by_role] == [
        ("Patient or public", 5, 5),
        (OTHER_ROLES, 6, 6),
    ]
    assert t.by_role[0].done_by_next == 3  # people 1, 3 and 5


def test_questions_asked_answered_on_the_day_carried_and_explain():
    ms = meetings(2)
    start, end = ms[0].started_at, ms[0].ended_at
    qs = [
        ReportQuestion("question", "answered", start + timedelta(minutes=5), start + timedelta(minutes=20)),
        ReportQuestion("question", "answered", start + timedelta(minutes=50), end + timedelta(days=1)),
        ReportQuestion("explain", "open", start + timedelta(minutes=10), None),
        ReportQuestion("question", "open", end + timedelta(days=2), None),  # between meetings: not counted
    ]
    q = question_figures(ms, qs)
    first = q.rows[0]
    assert (first.asked, first.explain, first.answered_in_meeting, first.carried, first.answered_since) == (
        3,
        1,
        1,
        2,
        1,
    )
    assert q.rows[1].asked == 0 and q.asked == 3


def figures_of(ms, came, roles, check_ins, tasks=(), questions=()) -> Figures:
    return Figures(
        community="c",
        timezone="UTC",
        made_at=T0,
        asked_for=len(ms),
        meetings=tuple(ms),
        attendance=attendance_figures(ms, came, roles, set()),
        check_ins=CheckIns(tuple(check_in_row(m, c, 5) for m, c in zip(ms, check_ins, strict=True)), 5),
        tasks=task_figures(ms, None, list(tasks), roles, 5),
        questions=question_figures(ms, list(questions)),
    )


def test_the_summary_says_plainly_when_there_is_nothing_to_compare():
    ms = meetings(1)
    quiet = summary(figures_of(ms, [{1, 2, 3}], {1: "lay", 2: "lay", 3: "lay"}, [None]))
    assert quiet == [
        "3 people came to the one meeting in this report.",
        "All of them were patients, carers or the public.",
        "No check-in was sent after these meetings, so we can't say how people felt.",
        "No tasks were agreed in these meetings.",
        "Nobody asked a question in these meetings.",
    ]
    few = figures_of(ms, [{1, 2}], {}, [check_in([(4, 4, 4, None, None)] * 3)])
    assert summary(few)[1:3] == [
        "None of them were patients, carers or the public.",
        "Too few people answered the check-in to show its scores (we need 5 or more).",
    ]
    during = ms[0].started_at + timedelta(minutes=5)
    no_lay = figures_of(
        meetings(2), [{1}, {1}], {}, [check_in([(4, 4, 4, "gp", None)] * 6), None], tasks=[task(during, during)]
    )
    assert summary(no_lay)[2:4] == [
        "Too few patients and public answered the check-in to compare them with others.",
        "0 of 1 task was done by the next meeting.",
    ]
    same = [(felt, 4, 4, "lay", None) for felt in (3, 5, 4, 4, 4)]
    same += [(felt, 3, 3, "gp", None) for felt in (5, 3, 4, 4, 4)]
    assert summary(figures_of(ms, [{1, 2}], {1: "lay"}, [check_in(same)]))[1:3] == [
        "5 in 10 were patients, carers or the public.",
        "They felt about as free to speak as others: 4.0 and 4.0 out of 5.",
    ]
    assert summary(figures_of(ms, [{1}], {}, [check_in(same)]))[2] == (
        "Patients and the public felt about as free to speak as others: 4.0 and 4.0 out of 5."
    )


def test_the_summary_says_so_when_the_check_in_rule_holds_the_scores_back():
    agree = [(4, 4, 4, "lay", None)] * 5 + [(felt, 3, 3, "gp", None) for felt in (5, 3, 4, 4, 4)]
    sentence = summary(figures_of(meetings(1), [{1, 2}], {1: "lay"}, [check_in(agree)]))[2]
    assert sentence.startswith("Those scores are not shown: everyone in one group gave the same score.")
