"""The saturation tie-break: shares over the expected roster, its exact scale, and who it spares."""

from __future__ import annotations

import random
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.grouping import History, Participant, plan_groups
from bot.grouping import saturation as sat
from bot.grouping import strangers as sg
from bot.grouping.cost import meeting_weights, person_tags, spread_class
from bot.grouping.model import group_sizes
from bot.grouping.season import plan_first_of_season


def tags_for(ids: list[str], history: History) -> list[dict[int, float]]:
    weights = meeting_weights(history)
    return [person_tags(i, history, weights) for i in ids]


def test_a_share_counts_the_people_of_other_roles_met_among_today_and_later() -> None:
    history = History.from_meetings([[["a", "b", "x"], ["c", "d"]]])
    today, later = ["a", "b", "c", "d"], ["x", "y"]
    classes = ["lay", "gp", "gp", "lay"]
    shares = sat.met_shares(tags_for(today, history), classes, tags_for(later, history), ["gp", "lay"])
    # a (lay) can meet the gps b, c and x, and met b and x.
    assert shares[0] == pytest.approx(2 / 3)
    # b (gp) can meet a, d, y (lay): met a only.
    assert shares[1] == pytest.approx(1 / 3)
    # c (gp): d of {a, d, y}; d (lay): c of {b, c, x}.
    assert shares[2] == pytest.approx(1 / 3)
    assert shares[3] == pytest.approx(1 / 3)


def test_only_unmet_pairs_of_different_roles_are_priced_and_the_fuller_pay_more() -> None:
    history = History.from_meetings([[["a", "b"], ["c"], ["d"]]])
    ids = ["a", "b", "c", "d"]
    classes = ["lay", "gp", "gp", "lay"]
    tags = sat.saturation_tags(tags_for(ids, history), classes, [0.5, 0.5, 0.0, 0.25], [2, 2])

    def price(i: int, j: int) -> float:
        return sum(w for t, w in tags[i].items() if t <= sat.TAG_BASE and t in tags[j])

    assert price(0, 1) == 0  # met before: the real cost prices them
    assert price(1, 2) == 0 and price(0, 3) == 0  # same role
    assert price(0, 2) > price(2, 3) > 0  # a (0.5) with c (0) costs more than d (0.25) with c
    assert price(1, 3) > price(0, 2)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(4, 14), meetings=st.integers(0, 4), roles=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_both_tie_breaks_of_a_whole_plan_stay_below_one_cost_step(n: int, meetings: int, roles: int, seed: int) -> None:
    rng = random.Random(seed)
    ids = [f"p{k}" for k in range(n)]
    classes = [f"r{rng.randrange(roles)}" for _ in ids]
    past = []
    for _ in range(meetings):
        shuffled = rng.sample(ids, n)
        past.append([shuffled[k::3] for k in range(3)])
    history = History.from_meetings(past)
    g = rng.randint(2, n // 2)
    caps = group_sizes(n, g)
    base = tags_for(ids, history)
    shares = sat.met_shares(base, classes)
    with_strangers = sg.stranger_tags(base, caps)
    tags = sat.saturation_tags(with_strangers, classes, shares, caps)
    assignment = [b for b, cap in enumerate(caps) for _ in range(cap)]
    rng.shuffle(assignment)
    saturation_part = sg.tie_cost(assignment, tags) - sg.tie_cost(assignment, with_strangers)
    by_pairs = sum(
        sum(w for t, w in tags[i].items() if t <= sat.TAG_BASE and t in tags[j])
        for i, j in combinations(range(n), 2)
        if assignment[i] == assignment[j]
    )
    assert saturation_part == pytest.approx(by_pairs, abs=1e-18)
    assert saturation_part <= sg.COST_STEP / 4 * (1 + 1e-9)
    assert sg.tie_cost(assignment, tags) < sg.COST_STEP


#: Nine today, in a group of 5 and one of 4. "full" and "twin" share a role, so one of them is in each
#: group. Last time "full" met four people who are not here today, so no plan repeats anyone and the two
#: look the same to every other part of the cost and to the strangers tie-break: without this tie-break
#: either may get the smaller group (about half the seeds each, measured).
TODAY = [Participant("full", "r0"), Participant("twin", "r0")] + [Participant(f"p{k}", f"r{k}") for k in range(1, 8)]
AWAY = [Participant(f"away{k}", f"r{k + 1}") for k in range(4)]
PAST = History.from_meetings([[["full", "away0", "away1", "away2", "away3"]]])


def group_of(plan, person: str) -> int:  # type: ignore[no-untyped-def]
    return next(len(group) for group in plan.groups if any(p.id == person for p in group))


@pytest.mark.parametrize("seed", range(6))
def test_whoever_has_met_most_of_the_expected_roster_takes_the_smaller_group(seed: int) -> None:
    plan = plan_groups(TODAY, size=5, history=PAST, seed=seed, time_budget=0.6, later=AWAY)
    assert plan.report.objective == plan.report.lower_bound
    assert (group_of(plan, "full"), group_of(plan, "twin")) == (4, 5)


def test_the_first_of_a_season_with_other_people_expected_counts_them_too() -> None:
    plan = plan_first_of_season(TODAY, TODAY + AWAY, rounds=6, size=5, history=PAST, seed=0, time_budget=0.6)
    assert sorted(p.id for g in plan.groups for p in g) == sorted(p.id for p in TODAY)
    assert group_of(plan, "full") == 4


def test_without_the_expected_roster_nobody_stands_out() -> None:
    # Counted among today's people only, "full" has met nobody either: every share is 0 and nothing is
    # priced, so the tie-break adds no tag at all.
    ids = [p.id for p in TODAY]
    shares = sat.met_shares(tags_for(ids, PAST), [spread_class(p) for p in TODAY])
    assert shares == [0.0] * len(TODAY)
    tags = sat.saturation_tags(tags_for(ids, PAST), [spread_class(p) for p in TODAY], shares, [5, 4])
    assert all(t > sat.TAG_BASE for own in tags for t in own)
