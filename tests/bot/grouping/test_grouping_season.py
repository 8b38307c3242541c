"""Season planning and the strict priority: mix first, then new faces."""

from __future__ import annotations

import random
import time
from collections import Counter
from itertools import combinations

from bot.grouping import Constraints, History, Participant, plan_groups
from bot.grouping.season import cyclic_schedule, plan_first_of_season, plan_season


def _pairs_met(meetings: list[list[list[object]]]) -> Counter[frozenset[object]]:
    met: Counter[frozenset[object]] = Counter()
    for groups in meetings:
        for group in groups:
            for a, b in combinations(group, 2):
                met[frozenset((a, b))] += 1
    return met


def test_role_spread_comes_before_new_faces_and_the_report_says_so() -> None:
    # Two lay members and two GPs in pairs. Every lay-GP pair met at the last meeting, so a mixed plan
    # repeats two pairs; pairing lay with lay and GP with GP repeats none. The mix wins, strictly (the old
    # weights, 2 per same-role pair against 3 per repeat, chose the unmixed pairs).
    people = [Participant("l1", "lay"), Participant("l2", "lay"), Participant("g1", "gp"), Participant("g2", "gp")]
    history = History.from_meetings([[["l1", "g1"], ["l2", "g2"]], [["l1", "g2"], ["l2", "g1"]]])
    plan = plan_groups(people, size=2, history=history, time_budget=0.1)
    assert all({p.role for p in group} == {"lay", "gp"} for group in plan.groups)
    assert plan.report.people_above_even_share == 0
    assert plan.report.met_before == 2
    assert any("keeping the mix of roles even came first" in line for line in plan.report.lines())


def test_a_cyclic_design_repeats_no_pair() -> None:
    design = cyclic_schedule(24, 6, 4, 7, time.perf_counter() + 30, random.Random(3), fresh=True)
    assert design is not None and len(design) == 7
    for rnd in design:
        assert sorted(p for group in rnd for p in group) == list(range(24))
        assert all(len(group) == 4 for group in rnd)
    assert max(_pairs_met(design).values()) == 1


def test_a_season_keeps_every_hard_rule_and_the_mix_in_every_round() -> None:
    roster = [Participant(f"f{k}", "facilitator", True) for k in range(3)]
    roster += [Participant(f"p{k}", role) for k, role in enumerate(["lay", "gp", "clinician"] * 4)]
    apart = Constraints(keep_apart=[("p0", "p1"), ("p2", "p3")])
    plans = plan_season([roster] * 4, size=5, constraints=apart, seed=2, time_budget=1.0)
    assert len(plans) == 4
    for plan in plans:
        assert sorted(p.id for g in plan.groups for p in g) == sorted(p.id for p in roster)
        assert [len(g) for g in plan.groups] == [5, 5, 5]
        assert all(sum(p.is_facilitator for p in g) == 1 for g in plan.groups)
        assert plan.report.people_above_even_share == 0
        where = {p.id: k for k, g in enumerate(plan.groups) for p in g}
        assert where["p0"] != where["p1"] and where["p2"] != where["p3"]


def test_a_season_beats_planning_one_meeting_at_a_time_where_the_first_choices_matter() -> None:
    # 9 people in groups of 3, 4 meetings: the affine plane of order 3 lets every pair meet exactly once.
    # The season finds it; the repeats are counted from the plans, not from the engine's own numbers.
    roster = [Participant(k, "other") for k in range(9)]
    plans = plan_season([roster] * 4, size=3, seed=1, time_budget=2.0)
    met = _pairs_met([[[p.id for p in g] for g in plan.groups] for plan in plans])
    assert sorted(met.values()) == [1] * 36
    assert plans[3].report.repeats_from_last_meeting == 0


def test_the_season_continues_from_history() -> None:
    roster = [Participant(k, "other") for k in range(9)]
    first = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    plans = plan_season([roster] * 3, size=3, history=History.from_meetings([first]), seed=4, time_budget=2.0)
    met = _pairs_met([first] + [[[p.id for p in g] for g in plan.groups] for plan in plans])
    assert max(met.values()) == 1, "three more meetings of the affine plane exist after any first one"


def test_first_of_season_plans_only_todays_people() -> None:
    today = [Participant(k, "other") for k in range(10)]
    expected = today + [Participant(k, "gp") for k in range(10, 14)]
    plan = plan_first_of_season(today, expected, rounds=4, size=3, seed=0, time_budget=0.5)
    assert sorted(p.id for g in plan.groups for p in g) == list(range(10))


def _golfer_roster(roles: list[str]) -> list[Participant]:
    """6 facilitators (kept apart) and 24 members, the issue's social-golfer case."""
    return [Participant(f"f{k}", "facilitator", True) for k in range(6)] + [
        Participant(f"m{k}", role) for k, role in enumerate(roles)
    ]


def _meeting_by_meeting(roster: list[Participant], meetings: int, first: list[list[str]] | None = None) -> list:
    apart = Constraints(keep_apart=list(combinations([p.id for p in roster if p.is_facilitator], 2)))
    history = History()
    plans = []
    if first is not None:
        history.add_meeting(first)
    for r in range(meetings):
        plan = plan_first_of_season(
            roster, roster, rounds=6, size=5, history=history, constraints=apart, seed=r, time_budget=0.6
        )
        plans.append(plan)
        history.add_meeting([[p.id for p in g] for g in plan.groups])
    return plans, history


def test_meeting_by_meeting_follows_one_design_to_the_seasons_floor() -> None:
    # Any first meeting (here a hand-made one) is round 0 of the design up to relabelling; the next six
    # continue it. Over the 7 meetings each facilitator must meet 4 members a second time (28 places, 24
    # members): 24 repeats is the floor, and planning each meeting alone gives 44.
    from bot.grouping.season import known_design

    # The design search resumes over calls; found once here so a loaded test machine cannot starve it
    # (the search's result depends on its fixed seed only, never on the clock).
    assert known_design(24, 6, 4, 7, 6, time.perf_counter() + 60) is not None
    roster = _golfer_roster(["other"] * 24)
    first = [[f"f{b}", *(f"m{4 * b + k}" for k in range(4))] for b in range(6)]
    plans, history = _meeting_by_meeting(roster, 6, first)
    met = _pairs_met(history.meetings())
    assert sum(k - 1 for k in met.values()) == 24
    for plan in plans:
        assert all(sum(p.is_facilitator for p in g) == 1 for g in plan.groups)
        assert sorted(p.id for g in plan.groups for p in g) == sorted(p.id for p in roster)


def test_the_design_goes_on_when_a_few_regulars_are_away() -> None:
    # Issue 29: the golfer case with two members away at the first meeting, three at the fourth and one at
    # the sixth. Each meeting is the design's round with the absent left out (a member moves where that
    # leaves a group two short), and the absent keep their places for when they come back. Measured: 27
    # repeats ([0, 2, 2, 1, 5, 9, 8]; 24 is the floor with everyone there); with the design only for
    # meetings of exactly the same people, as before, 42 ([0, 0, 11, 0, 4, 10, 17]).
    from bot.grouping.meeting import plan_meeting
    from bot.grouping.season import known_design

    assert known_design(24, 6, 4, 7, 6, time.perf_counter() + 60) is not None
    roster = _golfer_roster(["other"] * 24)
    away = {0: {"m3", "m17"}, 3: {"m0", "m5", "m22"}, 5: {"m9"}}
    history = History()
    for r in range(7):
        today = [p for p in roster if p.id not in away.get(r, set())]
        plan = plan_meeting(today, size=5, history=history, seed=r, time_budget=0.6, members=roster, season_meetings=6)
        assert sorted(p.id for g in plan.groups for p in g) == sorted(p.id for p in today)
        assert all(sum(p.is_facilitator for p in g) == 1 for g in plan.groups)
        history.add_meeting([[p.id for p in g] for g in plan.groups])
    met = _pairs_met(history.meetings())
    assert sum(k - 1 for k in met.values()) <= 30


def test_following_the_design_never_costs_the_mix() -> None:
    # The design ignores roles; with a realistic mix it is used only for groups whose mix is as even as
    # planning the meeting alone gives.
    roles = ["patient"] * 8 + ["gp"] * 6 + ["clinician"] * 6 + ["commissioner"] * 4
    random.Random(5).shuffle(roles)
    plans, _history = _meeting_by_meeting(_golfer_roster(roles), 7)
    assert [plan.report.people_above_even_share for plan in plans] == [0] * 7


def test_the_design_is_the_same_in_every_process() -> None:
    # Found from a fixed seed, step by step, never by the clock: a restarted bot continues the same design.
    from bot.grouping.designs import _design_steps

    def run() -> object:
        steps = _design_steps(24, 6, 4, 7, 6)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    first = run()
    assert first is not None and first == run()


def test_no_design_is_followed_when_the_people_changed() -> None:
    from bot.grouping.season import continued_design

    roster = _golfer_roster(["other"] * 24)
    first = [[f"f{b}", *(f"m{4 * b + k}" for k in range(4))] for b in range(6)]
    deadline = time.perf_counter() + 30
    assert continued_design(roster, History.from_meetings([first]), 5, deadline) is not None
    others = [[f"f{b}", *(f"x{4 * b + k}" for k in range(4))] for b in range(6)]
    assert continued_design(roster, History.from_meetings([first, others]), 5, deadline) is None
