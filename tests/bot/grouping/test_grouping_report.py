"""The plan report: counts on hand-made plans and the plain-language rendering."""

from __future__ import annotations

import json

import pytest

from bot.grouping import History, Participant, objective
from bot.grouping.report import build_report, people_above_even_share


def gp(name: str) -> Participant:
    return Participant(name, "gp")


def lay(name: str) -> Participant:
    return Participant(name, "lay")


def fac(name: str) -> Participant:
    return Participant(name, "facilitator", True)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([1, 1, 1], 0),
        ([2, 2, 0], 1),  # 4 over 3 groups: (2,1,1) is even, so one person is above their share
        ([3, 0, 0], 2),
        ([2, 1, 1, 0], 1),
        ([4, 0], 2),
        ([3, 1], 1),
    ],
)
def test_people_above_even_share_counts_the_fewest_moves(counts: list[int], expected: int) -> None:
    groups = [[gp(f"g{b}_{k}") for k in range(c)] + [lay(f"l{b}_{k}") for k in range(3)] for b, c in enumerate(counts)]
    assert people_above_even_share(groups) == expected


def test_report_counts_and_text() -> None:
    groups = [[fac("F"), gp("A"), gp("B"), lay("C")], [lay("D"), lay("E"), gp("G")]]
    history = History.from_meetings([[["A", "B", "Z"], ["D"]], [["A", "B"], ["D", "E", "C"]]])
    report = build_report(groups, history, 2.0, objective(groups, history))
    assert [g.roles for g in report.groups] == [{"gp": 2, "lay": 1}, {"lay": 2, "gp": 1}]
    assert [g.facilitators for g in report.groups] == [1, 0]
    assert report.groups_without_facilitator == 1
    assert report.people_above_even_share == 0
    assert report.repeats_from_last_meeting == 2  # A-B, and D-E
    # History 3 * (0.8 + 0.2 * 0.5**age) per past meeting together: A-B met last time (3) and the time
    # before (2.7); D-E last time (3). History could cost at most 14.7 here (A-B twice, and the three
    # pairs of D, E, C), so a same-role pair costs 16: gp pair A-B, lay pair D-E.
    assert report.objective == pytest.approx(3 + 2.7 + 3 + 16 + 16)
    assert report.met_before == 2
    text = report.to_text(label=str.upper)
    assert text.splitlines() == [
        "Group 1 (4 people): 1 facilitator; GP 2, LAY 1; 1 pair also together last time.",
        "Group 2 (3 people): no facilitator; LAY 2, GP 1; 1 pair also together last time.",
        "1 of 2 groups has no facilitator, because there is only 1 facilitator.",
        "Every role is spread as evenly as possible over the groups.",
        "2 pairs were also in the same group at the last meeting.",
        "2 pairs have been in a group together at a recent meeting: keeping the mix of roles even came first, "
        "and no plan with that mix and fewer repeats was found.",
        "Mix score 40.7 (lower is better; no plan can score below 2).",
    ]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["groups"][0] == {
        "group": 1,
        "size": 4,
        "facilitators": 1,
        "roles": {"gp": 2, "lay": 1},
        "repeats_from_last_meeting": 1,
    }
    assert data["objective"] == pytest.approx(40.7) and data["lower_bound"] == 2.0


def test_report_text_for_a_perfect_plan() -> None:
    groups = [[fac("F"), gp("A")], [fac("G"), lay("B")]]
    report = build_report(groups, None, 0.0, objective(groups))
    assert report.lines()[2:] == [
        "Every group has a facilitator.",
        "Every role is spread as evenly as possible over the groups.",
        "Nobody is grouped with someone they were grouped with at the last meeting.",
        "Mix score 0 (lower is better; the lowest possible).",
    ]


def test_report_says_when_nobody_facilitates() -> None:
    groups = [[gp("A"), lay("B")], [gp("C"), lay("D")]]
    report = build_report(groups, None, 0.0, 0.0)
    assert "2 of 2 groups have no facilitator, because nobody is marked as a facilitator." in report.lines()
