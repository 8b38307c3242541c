"""Looking ahead picks, among plans equally good now, the one whose imagined next meetings go best."""

from __future__ import annotations

from itertools import combinations

from bot.grouping import Constraints, History, Participant, plan_groups
from bot.grouping import lookahead as la

IDS = ["a", "b", "c", "d"]
FIRST = [0, 0, 1, 1]  # {a, b} {c, d}
SECOND = [0, 1, 0, 1]  # {a, c} {b, d}
THIRD = [0, 1, 1, 0]  # {a, d} {b, c}


def scripted(candidates: dict[int, tuple[list[int], float]], future_cost: dict[frozenset, float]):
    """A stand-in search: candidate k by its seed; imagined meetings cost by the plan just before them."""

    def solve(history: History | None, seed: int, budget: float) -> tuple[list[int], float]:
        k = seed - 7 * 1_000_003
        if k in candidates:
            return candidates[k]
        assert history is not None
        last = history.meetings()[-1]
        key = frozenset(frozenset(group) for group in last)
        return FIRST, future_cost.get(key, 0.0)

    return solve


def as_key(assignment: list[int]) -> frozenset:
    groups: dict[int, set] = {}
    for person, group in enumerate(assignment):
        groups.setdefault(group, set()).add(IDS[person])
    return frozenset(frozenset(g) for g in groups.values())


def choose(candidates, future_cost, first):
    return la.choose(
        scripted(candidates, future_cost),
        ids=IDS,
        g=2,
        history=History.from_meetings([[["a"], ["b"], ["c"], ["d"]]]),
        seed=7,
        budget=1.0,
        bound=0.0,
        first=first,
    )


def test_among_equal_plans_the_one_with_the_easiest_future_wins() -> None:
    candidates = {k: (SECOND if k % 2 else THIRD, 5.0) for k in range(1, la.CANDIDATES)}
    future = {as_key(FIRST): 9.0, as_key(SECOND): 4.0, as_key(THIRD): 1.0}
    assert choose(candidates, future, (FIRST, 5.0)) == THIRD


def test_a_worse_plan_today_is_never_chosen_for_its_future() -> None:
    candidates = {k: (SECOND, 6.0) for k in range(1, la.CANDIDATES)}  # a better future, a worse today
    future = {as_key(FIRST): 9.0, as_key(SECOND): 0.0}
    assert choose(candidates, future, (FIRST, 5.0)) == FIRST


def test_a_better_plan_found_later_replaces_the_first() -> None:
    candidates = {k: (FIRST, 5.0) for k in range(1, la.CANDIDATES)}
    candidates[3] = (SECOND, 4.0)
    assert choose(candidates, {}, (FIRST, 5.0)) == SECOND


def test_ties_in_the_future_keep_the_main_search_plan() -> None:
    candidates = {k: (SECOND, 5.0) for k in range(1, la.CANDIDATES)}
    assert choose(candidates, {}, (FIRST, 5.0)) == FIRST


def test_look_ahead_only_for_small_rosters_with_history_and_time() -> None:
    history = History.from_meetings([[["a", "b"]]])
    assert la.worth_looking_ahead(30, 6, history, 1.0)
    assert not la.worth_looking_ahead(30, 6, None, 1.0)
    assert not la.worth_looking_ahead(30, 6, History(), 1.0)
    assert not la.worth_looking_ahead(la.LOOK_AHEAD_MAX + 1, 6, history, 1.0)
    assert not la.worth_looking_ahead(30, 6, history, la.LOOK_AHEAD_MIN_BUDGET / 2)


def test_plans_with_look_ahead_keep_the_hard_rules() -> None:
    people = [Participant(k, "facilitator", True) for k in range(4)]
    people += [Participant(k, "other", False) for k in range(4, 20)]
    apart = Constraints(keep_apart=list(combinations(range(4), 2)))
    history = History.from_meetings([[list(range(4 + k, 20, 4)) for k in range(4)]])
    plans = [plan_groups(people, size=5, history=history, constraints=apart, seed=3, time_budget=0.5) for _ in "xy"]
    # The searches stop at a wall-clock deadline, so two runs may differ, but never in quality here.
    assert plans[0].report.objective == plans[1].report.objective
    for group in plans[0].groups:
        assert len(group) == 5 and sum(p.is_facilitator for p in group) == 1
    assert plans[0].report.repeats_from_last_meeting == 0
