"""The one planner behind ``/breakout plan`` and ``copbot groups plan``: who is expected later, and how much
each counts (issue 29)."""

from __future__ import annotations

import pytest

from bot.grouping import History, Participant
from bot.grouping import saturation as sat
from bot.grouping.cost import meeting_weights, person_tags
from bot.grouping.meeting import ATTENDANCE_FADE, attendance_weights, expected_roster, plan_meeting


def test_someone_at_one_meeting_of_eight_weighs_less_than_someone_at_all_eight() -> None:
    # Eight past meetings: "every" came to all of them, "once" to one (in the middle), and both are here
    # today. The expected roster weighs each by how often they came.
    past = [{"every", "x"} | ({"once"} if k == 4 else set()) for k in range(8)]
    expected = expected_roster(
        [Participant("every", "gp"), Participant("once", "lay")], [], History.from_meetings([[list(m)] for m in past])
    )
    assert expected.weights["every"] == pytest.approx(1.0)
    assert expected.weights["once"] < expected.weights["every"] / 2


def test_recent_meetings_count_more_than_old_ones() -> None:
    # Both came to 4 of the last 8 meetings, but "stopped" has not come for the last 4.
    attended = [{"stopped"}] * 4 + [{"started"}] * 4
    weights = attendance_weights([], attended)
    assert weights["started"] > 2 * weights["stopped"] > 0
    fades = sum(ATTENDANCE_FADE**age for age in range(9))  # today and the 8 meetings
    assert weights["started"] == pytest.approx(sum(ATTENDANCE_FADE**age for age in range(1, 5)) / fades)


def test_expected_roster_is_today_then_members_who_came_recently() -> None:
    today = [Participant(1, "lay"), Participant(2, "gp")]
    history = History.from_meetings([[[1, 7]], [[1, 3], [2, 4]], [[5, 6]], [[2, 8]]])
    members = [Participant(i, "gp") for i in (3, 5, 7, 8, 9)] + [Participant(4, "facilitator", True)]
    expected = expected_roster(today, members, history)
    # 6 has left (not a member); 9 never came; 7 came long ago and weighs least.
    assert [p.id for p in expected.roster] == [1, 2, 3, 5, 7, 8, 4]
    assert next(p for p in expected.roster if p.id == 4).is_facilitator
    assert min(expected.weights, key=expected.weights.__getitem__) == 7
    assert expected.weights[1] > expected.weights[8] > expected.weights[7]


def test_recorded_attendance_is_used_when_given() -> None:
    today = [Participant(1, "lay")]
    history = History.from_meetings([[[1, 2]]])  # 2 was in a breakout once
    attended = [{1, 2, 3}, {1, 3}, {1, 3}]  # but came to the meeting once, and 3 came every time
    expected = expected_roster(today, [Participant(2, "gp"), Participant(3, "gp")], history, attended)
    assert expected.weights[3] > expected.weights[2] > 0


def test_a_new_face_who_rarely_comes_counts_less_towards_what_one_has_met() -> None:
    # a met "rare" (one meeting in eight) and b met "regular": both met one of the two people of another
    # role, but b has used up more of the new faces they can expect to meet.
    history = History.from_meetings([[["a", "rare"], ["b", "regular"]]])
    weights = meeting_weights(history)
    ids = ["a", "b", "rare", "regular"]
    tags = [person_tags(i, history, weights) for i in ids]
    classes = ["gp", "gp", "lay", "lay"]
    shares = sat.met_shares(tags, classes, comes=[1.0, 1.0, 0.125, 1.0])
    assert shares[0] == pytest.approx(0.125 / 1.125)
    assert shares[1] == pytest.approx(1 / 1.125)
    assert sat.met_shares(tags, classes)[:2] == [0.5, 0.5]  # equal weights: they look the same


def test_plan_meeting_places_only_todays_people() -> None:
    today = [Participant(f"t{k}", "lay" if k % 2 else "gp") for k in range(8)]
    members = [Participant(f"m{k}", "clinician") for k in range(4)]
    history = History.from_meetings([[[p.id for p in today[:4]] + ["m0"], [p.id for p in today[4:]] + ["m1"]]])
    plan = plan_meeting(today, size=4, history=history, members=members, season_meetings=6, time_budget=0.6)
    assert sorted(p.id for g in plan.groups for p in g) == sorted(p.id for p in today)
