"""The strangers tie-break: exact scale (never outweighs real cost), the tags it adds, and its effect."""

from __future__ import annotations

import random
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.grouping import History, Participant, objective, plan_groups
from bot.grouping import strangers as sg
from bot.grouping.cost import (
    FACILITATORS,
    HISTORY_WINDOW,
    ROLE_WEIGHT,
    meeting_weights,
    person_tags,
    weights_for,
)
from bot.grouping.model import group_sizes


def whole_steps(x: float) -> bool:
    steps = x / sg.COST_STEP
    return abs(steps - round(steps)) < 1e-6


def test_every_real_cost_term_is_a_whole_number_of_cost_steps() -> None:
    history = History.from_meetings([[["a", "b"]]] * HISTORY_WINDOW)
    weights = meeting_weights(history)
    assert len(weights) == HISTORY_WINDOW
    assert all(whole_steps(w) for w in weights.values())
    assert whole_steps(ROLE_WEIGHT)
    for cap, slots in ((0.0, 10), (37.5, 60), (1e5, 10_000)):
        assert whole_steps(weights_for(cap, slots).of(FACILITATORS))
        assert whole_steps(weights_for(cap, slots).role)


def tags_for(ids: list[str], history: History) -> list[dict[int, float]]:
    weights = meeting_weights(history)
    return [person_tags(i, history, weights) for i in ids]


def shared_strangers(tags: list[dict[int, float]], a: int, b: int) -> int:
    return sum(1 for t in tags[a] if t < 0 and t in tags[b])


def test_two_people_share_one_tag_per_person_neither_has_met() -> None:
    ids = ["a", "b", "c", "d", "e"]
    history = History.from_meetings([[["a", "b"], ["c", "d"], ["e"]]])
    tags = sg.stranger_tags(tags_for(ids, history), group_sizes(5, 2))
    assert shared_strangers(tags, 0, 1) == 3  # a and b: neither has met c, d or e
    assert shared_strangers(tags, 0, 2) == 1  # a and c: only e is new to both
    assert shared_strangers(tags, 0, 4) == 2  # a and e: c and d (b has met a)
    history_tags = tags_for(ids, history)
    assert all({t: w for t, w in own.items() if t >= 0} == history_tags[k] for k, own in enumerate(tags))


def test_a_meeting_outside_the_window_makes_people_strangers_again() -> None:
    ids = ["a", "b", "c"]
    history = History.from_meetings([[["a", "b"], ["c"]]] + [[["a"], ["b"], ["c"]]] * HISTORY_WINDOW)
    tags = sg.stranger_tags(tags_for(ids, history), [2, 1])
    assert sg.stranger_tag(1) in tags[0] and sg.stranger_tag(0) in tags[1]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(4, 14), meetings=st.integers(0, 4), seed=st.integers(0, 10_000))
def test_the_tie_break_of_a_whole_plan_is_at_most_half_a_cost_step(n: int, meetings: int, seed: int) -> None:
    rng = random.Random(seed)
    ids = [f"p{k}" for k in range(n)]
    past = []
    for _ in range(meetings):
        shuffled = rng.sample(ids, n)
        past.append([shuffled[k::3] for k in range(3)])
    g = rng.randint(2, n // 2)
    caps = group_sizes(n, g)
    tags = sg.stranger_tags(tags_for(ids, History.from_meetings(past)), caps)
    assignment = [b for b, cap in enumerate(caps) for _ in range(cap)]
    rng.shuffle(assignment)
    by_pairs = sum(
        shared_strangers(tags, i, j) * next(w for t, w in tags[i].items() if t < 0)
        for i, j in combinations(range(n), 2)
        if assignment[i] == assignment[j] and shared_strangers(tags, i, j)
    )
    assert sg.tie_cost(assignment, tags) == pytest.approx(by_pairs)
    assert sg.tie_cost(assignment, tags) <= sg.COST_STEP / 2 * (1 + 1e-9)


def test_only_small_rosters_with_a_past_and_time_to_spare_break_ties() -> None:
    assert sg.worth_breaking_ties(30, 2, 1.0)
    assert not sg.worth_breaking_ties(30, 0, 1.0)
    assert not sg.worth_breaking_ties(sg.TIE_BREAK_MAX + 1, 2, 1.0)
    assert not sg.worth_breaking_ties(30, 2, sg.TIE_BREAK_MIN_BUDGET / 2)


EIGHT = [Participant(f"p{k}", f"role {k}", False) for k in range(8)]
#: Two past meetings in pairs. 36 plans of four new pairs repeat nobody; they differ in how many strangers
#: the new pairs share, and only 6 of them share the fewest.
PAST = History.from_meetings(
    [
        [["p0", "p1"], ["p2", "p3"], ["p4", "p5"], ["p6", "p7"]],
        [["p6", "p7"], ["p3", "p0"], ["p2", "p5"], ["p1", "p4"]],
    ]
)


def pairings(people: list[str]) -> list[list[list[str]]]:
    if not people:
        return [[]]
    first, rest = people[0], people[1:]
    return [[[first, other], *tail] for other in rest for tail in pairings([p for p in rest if p != other])]


def test_among_plans_free_of_repeats_the_one_sharing_fewest_strangers_is_chosen() -> None:
    ids = [p.id for p in EIGHT]
    tags = sg.stranger_tags(tags_for(ids, PAST), [2, 2, 2, 2])

    def tie(plan: list[list[str]]) -> float:
        assignment = [0] * len(ids)
        for b, group in enumerate(plan):
            for person in group:
                assignment[ids.index(person)] = b
        return sg.tie_cost(assignment, tags)

    free = [plan for plan in pairings(ids) if objective([[EIGHT[ids.index(i)] for i in g] for g in plan], PAST) == 0]
    best = min(tie(plan) for plan in free)
    assert len(free) == 36
    assert sum(tie(plan) == pytest.approx(best) for plan in free) == 6
    for seed in range(5):
        chosen = plan_groups(EIGHT, group_count=4, history=PAST, seed=seed, time_budget=1.0)
        assert chosen.report.objective == 0
        assert tie([[p.id for p in group] for group in chosen.groups]) == pytest.approx(best)


@pytest.mark.parametrize("seed", range(4))
def test_breaking_ties_never_costs_real_quality(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    people = [Participant(k, rng.choice(["lay", "gp", "nurse"]), k < 2) for k in range(9)]
    orders = [rng.sample(range(9), 9) for _ in range(3)]
    past = History.from_meetings([[order[k::3] for k in range(3)] for order in orders])
    with_ties = plan_groups(people, size=3, history=past, seed=seed, time_budget=1.0)
    monkeypatch.setattr(sg, "TIE_BREAK_MAX", 0)
    without = plan_groups(people, size=3, history=past, seed=seed, time_budget=1.0)
    assert with_ties.report.objective == pytest.approx(without.report.objective)
