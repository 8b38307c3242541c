"""plan_groups on hand-made cases: quality, determinism, reshuffles, and the infeasibility sentences."""

from __future__ import annotations

import random
from collections import Counter
from itertools import combinations

import pytest

from bot.grouping import (
    Constraints,
    History,
    InfeasibleError,
    Participant,
    lower_bound,
    objective,
    plan_groups,
)
from bot.grouping.cost import history_part

ROLES = ["lay", "lay", "commissioner", "gp", "gp", "clinician", "clinician", "clinician", "manager", "researcher"]


def roster(n: int, facilitators: int, seed: int = 0) -> list[Participant]:
    rng = random.Random(seed)
    people = [Participant(f"f{k}", "facilitator", True) for k in range(facilitators)]
    people += [Participant(f"p{k}", rng.choice(ROLES), False) for k in range(n - facilitators)]
    return people


def ids(plan) -> list[list[object]]:
    return [[p.id for p in group] for group in plan.groups]


def partition(plan) -> set[frozenset[object]]:
    return {frozenset(p.id for p in group) for group in plan.groups}


@pytest.mark.parametrize(("n", "facilitators"), [(20, 4), (23, 3), (62, 11), (200, 30), (1001, 150)])
def test_without_history_the_plan_meets_the_lower_bound(n: int, facilitators: int) -> None:
    people = roster(n, facilitators, seed=n)
    plan = plan_groups(people, size=5, time_budget=0.05)
    assert plan.report.objective == plan.report.lower_bound == lower_bound(people, size=5)
    assert plan.report.groups_without_facilitator == len(plan.groups) - facilitators
    assert plan.report.people_above_even_share == 0


def test_more_facilitators_than_groups_are_spread_evenly() -> None:
    people = roster(20, 9)
    plan = plan_groups(people, size=5, time_budget=0.05)
    counts = sorted(sum(p.is_facilitator for p in g) for g in plan.groups)
    assert counts == [2, 2, 2, 3]


def test_a_facilitator_with_another_role_is_spread_as_a_facilitator() -> None:
    people = [Participant("a", "gp", True), Participant("b", "gp", True)]
    people += [Participant(f"x{k}", "lay", False) for k in range(4)]
    plan = plan_groups(people, size=3, time_budget=0.05)
    assert [sum(p.is_facilitator for p in g) for g in plan.groups] == [1, 1]
    assert [g[0].is_facilitator for g in plan.groups] == [True, True]


def test_same_seed_same_plan_and_another_seed_another_plan_of_equal_quality() -> None:
    people = roster(30, 6, seed=3)
    first = plan_groups(people, size=5, seed=1, time_budget=0.05)
    again = plan_groups(people, size=5, seed=1, time_budget=0.05)
    other = plan_groups(people, size=5, seed=2, time_budget=0.05)
    assert ids(first) == ids(again)
    assert partition(first) != partition(other)
    assert first.report.objective == other.report.objective == first.report.lower_bound


def test_determinism_holds_with_history_when_the_search_runs_its_whole_budget() -> None:
    people = roster(20, 4, seed=5)
    rng = random.Random(5)
    meetings = []
    for _ in range(5):
        names = [p.id for p in people]
        rng.shuffle(names)
        meetings.append([names[k::4] for k in range(4)])
    history = History.from_meetings(meetings)
    plans = [plan_groups(people, size=5, history=history, seed=7, time_budget=0.05) for _ in range(2)]
    assert plans[0].report.objective > plans[0].report.lower_bound  # the budget was really used
    assert ids(plans[0]) == ids(plans[1])


def test_people_from_the_last_meeting_are_split_up_when_possible() -> None:
    people = [Participant(k, "other", False) for k in range(16)]
    last = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]
    plan = plan_groups(people, size=4, history=History.from_meetings([last]), time_budget=0.2)
    assert plan.report.repeats_from_last_meeting == 0
    assert plan.report.objective == plan.report.lower_bound


def test_recent_meetings_weigh_more_than_old_ones() -> None:
    # 4 people in 2 pairs: one pairing repeats the last meeting, one repeats the meeting before.
    people = [Participant(k, "other", False) for k in "abcd"]
    history = History.from_meetings([[["a", "b"], ["c", "d"]], [["a", "c"], ["b", "d"]]])
    plan = plan_groups(people, size=2, history=history, time_budget=0.05)
    assert partition(plan) == {frozenset("ad"), frozenset("bc")}
    # Both pairs share the role "other"; a same-role pair costs 16, the smallest power of two above the
    # 11.4 that history could cost at most (both meetings' pairs again), so role spread comes first.
    same_role = 2 * 16.0
    # Per past meeting together 3 * (0.8 + 0.2 * 0.5**age): at the last meeting 3, one meeting back 2.7.
    assert objective([[people[0], people[1]], [people[2], people[3]]], history) == pytest.approx(same_role + 2 * 2.7)
    assert objective([[people[0], people[2]], [people[1], people[3]]], history) == pytest.approx(same_role + 2 * 3.0)
    assert plan.report.objective == same_role


def test_a_third_meeting_together_weighs_more_than_a_second() -> None:
    # Putting a pair together again costs more the more often they have already met.
    people = [Participant(k, "other", False) for k in "ab"]
    costs = [history_part([people], History.from_meetings([[["a", "b"]]] * k)) for k in range(4)]
    assert costs[0] == 0 and costs[0] < costs[1] < costs[2] < costs[3]
    # ... and more the more recently: having met at the last meeting costs more than at the one before.
    last = History.from_meetings([[["a"], ["b"]], [["a", "b"]]])
    before = History.from_meetings([[["a", "b"]], [["a"], ["b"]]])
    assert history_part([people], last) > history_part([people], before) > 0


def test_groups_list_facilitators_first_then_roster_order() -> None:
    people = roster(12, 3, seed=1)
    plan = plan_groups(people, size=4, time_budget=0.05)
    order = {p.id: k for k, p in enumerate(people)}
    for group in plan.groups:
        assert group[0].is_facilitator
        rest = [order[p.id] for p in group[1:]]
        assert rest == sorted(rest)
    firsts = [order[g[0].id] for g in plan.groups]
    assert firsts == sorted(firsts)


def test_keep_together_and_apart_hold() -> None:
    people = roster(20, 4, seed=2)
    together = [("p0", "p1"), ("p1", "p2"), ("p5", "p6")]
    apart = [("f0", "p0"), ("p3", "p4"), ("p0", "p5")]
    plan = plan_groups(people, size=5, constraints=Constraints(apart, together), time_budget=0.05)
    where = {p.id: k for k, g in enumerate(plan.groups) for p in g}
    assert where["p0"] == where["p1"] == where["p2"]
    assert where["p5"] == where["p6"]
    assert all(where[a] != where[b] for a, b in apart)


def test_constraints_naming_absent_people_are_ignored() -> None:
    people = roster(10, 2)
    c = Constraints(keep_apart=[("f0", "ghost")], keep_together=[("ghost", "p1")])
    assert len(plan_groups(people, size=5, constraints=c, time_budget=0.05).groups) == 2


def test_facilitators_kept_apart_pairwise_get_one_group_each() -> None:
    people = roster(30, 6, seed=4)
    facs = [p.id for p in people if p.is_facilitator]
    plan = plan_groups(people, size=5, constraints=Constraints(keep_apart=combinations(facs, 2)), time_budget=0.05)
    assert [sum(p.is_facilitator for p in g) for g in plan.groups] == [1] * 6


def test_keep_apart_colouring_that_greedy_dealing_gets_wrong_is_repaired() -> None:
    # A 5-cycle of keep-apart pairs needs 3 groups; with 3 groups of 2 it is still possible.
    people = [Participant(k, "other", False) for k in range(6)]
    cycle = [(k, (k + 1) % 5) for k in range(5)]
    plan = plan_groups(people, size=2, constraints=Constraints(keep_apart=cycle), time_budget=0.05)
    where = {p.id: k for k, g in enumerate(plan.groups) for p in g}
    assert all(where[a] != where[b] for a, b in cycle)


@pytest.mark.parametrize(
    ("constraints", "size", "message"),
    [
        (
            Constraints(keep_apart=[("a", "b")], keep_together=[("b", "a")]),
            3,
            "a and b must be kept together and kept apart at the same time.",
        ),
        (
            Constraints(keep_apart=[("a", "c")], keep_together=[("a", "b"), ("b", "c")]),
            3,
            "a and c must be kept apart, but the keep-together pairs put them in the same group.",
        ),
        (
            Constraints(keep_together=[("a", "b"), ("b", "c"), ("c", "d")]),
            3,
            "A group of 3 cannot hold the 4 people who must be kept together with a.",
        ),
        (
            Constraints(keep_apart=[("a", "a")]),
            3,
            "a cannot be kept apart from themselves.",
        ),
        (
            Constraints(keep_apart=combinations("abc", 2)),
            3,
            "a, b and c must all be kept apart from each other, which needs 3 groups, but there are only 2.",
        ),
        (
            Constraints(keep_together=[("a", "b"), ("c", "d"), ("e", "f")]),
            3,
            "The 2 people who must be kept together with e do not fit into any group once the other "
            "keep-together groups are placed, with groups of 3.",
        ),
    ],
)
def test_infeasible_requests_name_the_rule_and_why(constraints: Constraints, size: int, message: str) -> None:
    people = [Participant(k, "other", False) for k in "abcdef"]
    with pytest.raises(InfeasibleError) as info:
        plan_groups(people, size=size, constraints=constraints, time_budget=0.05)
    assert str(info.value) == message


def test_keep_apart_that_no_plan_can_satisfy_is_refused_not_returned_broken() -> None:
    # In pairs, "a" must be apart from everyone: no clique gives it away, so the search must report it.
    people = [Participant(k, "other", False) for k in "abcdef"]
    apart = [("a", x) for x in "bcdef"]
    with pytest.raises(InfeasibleError) as info:
        plan_groups(people, size=2, constraints=Constraints(keep_apart=apart), time_budget=0.05)
    assert str(info.value).startswith("No plan was found that keeps a and ")
    assert str(info.value).endswith(" apart while keeping every group within one person of the same size.")


def test_duplicate_participants_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        plan_groups([Participant(1, "gp"), Participant(1, "lay")], size=2)


def test_group_count_is_an_alternative_to_size() -> None:
    plan = plan_groups(roster(17, 3), group_count=4, time_budget=0.05)
    assert sorted(len(g) for g in plan.groups) == [4, 4, 4, 5]


def test_a_large_roster_with_history_reaches_the_bound_quickly() -> None:
    people = roster(1500, 250, seed=9)
    rng = random.Random(9)
    meetings = []
    for _ in range(4):
        names = [p.id for p in people if rng.random() < 0.8]
        rng.shuffle(names)
        g = -(-len(names) // 5)
        meetings.append([names[k::g] for k in range(g)])
    plan = plan_groups(people, size=5, history=History.from_meetings(meetings), time_budget=1.0)
    assert plan.report.objective == plan.report.lower_bound
    assert Counter(len(g) for g in plan.groups) == Counter({5: 300})


def test_keep_together_units_that_greedy_packing_misplaces_are_still_placed():
    """7 people in groups of 4 and 3: {p0,p3,p4} must take the group of 3, found by exact packing."""
    from bot.grouping import Constraints, Participant, plan_groups

    people = [Participant(f"p{i}", "lay", False) for i in range(7)]
    together = [("p0", "p3"), ("p0", "p4"), ("p1", "p2"), ("p5", "p6")]
    plan = plan_groups(people, size=4, constraints=Constraints(keep_together=together), seed=0, time_budget=0.05)
    where = {p.id: n for n, group in enumerate(plan.groups) for p in group}
    assert all(where[a] == where[b] for a, b in together)
    assert sorted(len(g) for g in plan.groups) == [3, 4]


def _as_ids(plan) -> list[list[str]]:
    return [[p.id for p in group] for group in plan.groups]


def test_a_reshuffle_of_a_roster_with_many_best_plans_gives_other_plans_of_the_same_cost() -> None:
    people = roster(24, 4, seed=11)
    shown = plan_groups(people, size=4, seed=0, time_budget=0.2)
    others = [plan_groups(people, size=4, seed=s, time_budget=0.2, avoid=[_as_ids(shown)]) for s in (1, 2, 3, 4, 5)]
    assert all(partition(o) != partition(shown) for o in others)
    assert all(o.report.objective == shown.report.objective == shown.report.lower_bound for o in others)
    assert len({frozenset(partition(o)) for o in others}) >= 3, "different seeds should reach different plans"
    assert not any(o.report.only_best for o in others)
    assert "No other plan" not in "\n".join(others[0].report.lines())


def _history_case():
    """Like the issue's case: 24 people, 5 past meetings, where every seed used to give one plan."""
    roles = ["lay"] * 5 + ["gp"] * 4 + ["clinician"] * 4 + ["commissioner"] * 3 + ["researcher"] * 2 + ["manager"] * 2
    people = [Participant(f"f{k}", "facilitator", True) for k in range(4)]
    people += [Participant(f"p{k}", role, False) for k, role in enumerate(roles)]
    rng = random.Random(7)
    meetings = []
    for _ in range(5):
        names = [p.id for p in people]
        rng.shuffle(names)
        meetings.append([names[k::6] for k in range(6)])
    return people, History.from_meetings(meetings)


def test_a_reshuffle_with_history_differs_at_the_same_cost() -> None:
    people, history = _history_case()
    shown = plan_groups(people, size=4, history=history, seed=0, time_budget=1.0)
    again = plan_groups(people, size=4, history=history, seed=1, time_budget=1.0, avoid=[_as_ids(shown)])
    assert partition(again) != partition(shown)
    assert again.report.objective <= shown.report.objective + 1e-6
    assert not again.report.only_best


def test_when_the_plan_is_the_only_best_one_a_reshuffle_says_so_and_keeps_it() -> None:
    fran, fay = Participant("Fran", "facilitator", True), Participant("Fay", "facilitator", True)
    lee, gus = Participant("Lee", "lay", False), Participant("Gus", "gp", False)
    # Last time Fran sat with Lee and Fay with Gus: the only plan with no repeat and facilitators apart.
    history = History.from_meetings([[["Fran", "Lee"], ["Fay", "Gus"]]])
    shown = plan_groups([fran, fay, lee, gus], size=2, history=history, seed=0, time_budget=0.2)
    assert partition(shown) == {frozenset({"Fran", "Gus"}), frozenset({"Fay", "Lee"})}
    again = plan_groups([fran, fay, lee, gus], size=2, history=history, seed=1, time_budget=0.2, avoid=[_as_ids(shown)])
    assert partition(again) == partition(shown)
    assert again.report.only_best
    lines = again.report.lines()
    assert lines[-1] == "No other plan as good as this one was found, so these are the same groups as before."
    assert "Mix score 0 (lower is better; the lowest possible)." in lines
