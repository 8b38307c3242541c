"""Season planning: several meetings planned jointly, so early meetings keep the freedom later ones need.

Why. Planning one meeting at a time spends the new faces early: on the social-golfer case (30 people,
6 facilitators, groups of 5, 7 meetings) even exact per-meeting optimisation gives 0, 0, 0, 1, 5, 14, 24
repeated pair-meetings, 44 in all, while 24 is the floor (each facilitator meets 28 member-slots among
24 members, so 4 of their meetings are repeats; nothing else has to be). Reaching the floor needs the
meetings designed together.

What is minimised. Every round r is priced like a single meeting (facilitator pairs, then same-class
pairs, then history, see :mod:`.cost`), and history includes the season's own earlier rounds: two people
together at rounds s < t pay ``meeting weight(t - s - 1)`` for it, as if round s were a past meeting when
round t is held, and past meetings are ``r`` meetings older at round r. The weights are chosen for the
whole season exactly as :func:`cost.weights_for` chooses them for one meeting (with the season's pairs
and an upper bound on its history), so the priority facilitators > role spread > history holds for the
season's total: no round gives up an even role spread to save repeats in another.

How. A constructive seed where one fits, then tabu search over every round at once:

* Cyclic development (:mod:`.designs`): when every round has the same people and one facilitator per
  group, a schedule of the other members in which nobody meets anyone twice, with the facilitators placed
  so that each meets as many different members as the slots allow (0.5 to 5 s for the golfer case; found
  once per process, then reused).
* The rounds planned one after another by the single-meeting engine, each from the rounds before it.
* Tabu search over all rounds (:mod:`.season_search`, the only part that needs numpy, imported when a
  season is searched).

Time is a wall-clock deadline (``time.perf_counter``, a monotonic clock, checked every iteration); the best
season found so far is returned when it passes, or as soon as it reaches the lower bound. Rosters larger than
``DENSE_MAX`` people in a round, or with keep-together pairs, are planned one round after another instead
(each round from the history of the rounds before it): the dense tables would not fit, and new faces
rarely run out in a large community anyway.

Attendance that changes. ``/breakout plan`` pictures later meetings over the expected roster (today's
people and recent ones), but who will come is unknown, and the rounds planned over that picture are a
guess that leads the search astray. Measured on the benchmark's CoP case (40 on the roster, 33 of them at
random at each of 8 meetings, groups of 5, 1 s a meeting, seeds 100 to 119): the season search's first
round (taken only when as good today) gave 18.2 repeated pair-meetings on average; the one-meeting engine
with its look-ahead and strangers tie-break 17.5, and with the saturation tie-break told about the
expected roster (:mod:`.saturation`) 16.2 to 16.9 over four runs. Variants of the season that were tried
and did no better: the later rounds over random samples of the expected roster, with as many groups as
today, as scenarios of the next meeting only, warm-started from the previous meeting's picture, today's
round fixed to the plan made alone with the later rounds weighed 0.3 to 0.5, and greedy roll-outs.
Planning the same 8 meetings jointly with their real attendance known gives 4 to 8, so what is missing is
who comes, not search. So when today's people are not the expected roster, :func:`plan_first_of_season`
plans today with the one-meeting engine and passes the expected roster to its tie-break, each person
weighed by how often they came (:mod:`.meeting`).

Meeting by meeting. ``/breakout plan`` plans one meeting at a time, with nothing stored but the history.
A season planned afresh at every meeting (:func:`plan_first_of_season`) does not add up to a good season:
each call sees a different picture of the later meetings, and at 1 s its first round is rarely as good
today as the meeting planned alone. So when the same people meet again in the cyclic shape, the meetings
follow one design (:func:`continued_design`): the design depends on the shape only (found step by step
from a fixed seed, so every process finds the same one, and the search resumes over calls until found),
and any first meeting is its round 0 up to relabelling, so the design is read back from the history.
A few regulars may be away from any meeting: they keep their places in the design for when they come
back. Measured on the golfer case with each member away with chance 6% at each meeting
(``bench_golfer_regulars_away``): 23.2 repeats on average over 5 seeds, against 36.0 when the design
applied only to meetings of exactly the same people.
"""

from __future__ import annotations

import random
import time
from collections.abc import Hashable, Mapping, Sequence

from .cost import EPS, FACILITATORS, ONE_PERSON, objective, spread_class
from .designs import cyclic_schedule, known_design, led_design, place_leaders
from .feasibility import resolve
from .history import History
from .model import Constraints, InfeasibleError, Participant, group_count_for, group_sizes
from .plan import FINISH_SHARE, Plan, _arrange, plan_groups
from .report import build_report

__all__ = [
    "continued_design",
    "cyclic_schedule",
    "known_design",
    "led_design",
    "place_leaders",
    "plan_first_of_season",
    "plan_season",
]

#: Rounds with more people than this are planned one after another (dense n x n tables per round).
DENSE_MAX = 160
#: Share of the budget for the one-round-after-another start.
SEED_SHARE = 0.1
#: Share of the budget (from the start of the call) by which the cyclic construction must be found.
CYCLIC_SHARE = 0.35
#: Share of a meeting's budget for planning it on its own first (the season's plan must be as good today).
ALONE_SHARE = 0.4
#: Share of a meeting's budget spent on the design search of :func:`known_design` while it is not found yet.
DESIGN_SHARE = 0.45


def plan_season(
    rosters: Sequence[Sequence[Participant]],
    *,
    size: int,
    history: History | None = None,
    constraints: Constraints | None = None,
    seed: int = 0,
    time_budget: float = 1.0,
) -> list[Plan]:
    """Plan one meeting per roster in ``rosters``, jointly. Each plan keeps every hard rule of
    :func:`plan_groups`; its report counts repeats against ``history`` and the season's earlier rounds.

    The same person (same id) may be in several rosters with the same role. ``history`` holds the
    meetings before the season. The whole call keeps to ``time_budget`` seconds of wall time.
    """
    started = time.perf_counter()
    finish_by = started + time_budget * (1 - FINISH_SHARE)
    rounds = [list(r) for r in rosters]
    if not rounds:
        return []
    people: dict[Hashable, Participant] = {}
    for roster in rounds:
        seen: set[Hashable] = set()
        for p in roster:
            if p.id in seen:
                raise ValueError(f"{p.id} is listed twice among the participants of one meeting.")
            seen.add(p.id)
            if people.setdefault(p.id, p) != p:
                raise ValueError(f"{p.id} has a different role in two meetings of the season.")
    groups_per_round = [group_count_for(len(r), size=size) for r in rounds]
    caps_per_round = [group_sizes(len(r), g) for r, g in zip(rounds, groups_per_round, strict=True)]
    resolved = [resolve(r, constraints, caps) for r, caps in zip(rounds, caps_per_round, strict=True)]
    sequential = (
        len(rounds) == 1
        or max(len(r) for r in rounds) > DENSE_MAX
        or any(len(unit) > 1 for res in resolved for unit in res.units)
    )
    if sequential:
        return _one_after_another(rounds, size, history, constraints, seed, started, time_budget)

    # numpy is imported here, not with this module: only a season search needs it (see season_search).
    from .season_search import SeasonSearch

    season = SeasonSearch(rounds, caps_per_round, resolved, history, random.Random(seed))
    # Dealt rounds only when nothing better exists: they are always the dearest start.
    starts = [season.sequential(history, constraints, time_budget * SEED_SHARE)]
    cyclic = season.cyclic(started + time_budget * CYCLIC_SHARE)
    if cyclic is not None:
        starts.append(cyclic)
    season.search(starts, finish_by)
    plans = []
    past = history if history is not None else History()
    for r, roster in enumerate(rounds):
        assignment = season.best[0][r, season.local[r]].tolist()
        broken = [
            (i, j) for i in range(len(roster)) for j in resolved[r].apart[i] if i < j and assignment[i] == assignment[j]
        ]
        if broken:
            i, j = broken[0]
            raise InfeasibleError(
                "No plan was found that keeps {0} and {1} apart while keeping every group within one person "
                "of the same size.",
                roster[i].id,
                roster[j].id,
            )
        groups = _arrange(roster, assignment, groups_per_round[r])
        plans.append(_planned(groups, past))
        past = past.extended([[p.id for p in g] for g in groups])
    return plans


def plan_first_of_season(
    today: Sequence[Participant],
    expected: Sequence[Participant],
    *,
    rounds: int,
    size: int,
    history: History | None = None,
    constraints: Constraints | None = None,
    seed: int = 0,
    time_budget: float = 1.0,
    attendance: Mapping[Hashable, float] | None = None,
) -> Plan:
    """Plan today's meeting as the first of ``rounds`` meetings, the later ones over ``expected``.

    Only today's plan is returned: the later rounds are the engine's picture of what comes next, so
    today's groups leave them room (see the module docstring); they are planned afresh when they come.
    When ``expected`` is not exactly today's people, that picture is a guess, and today is planned by the
    one-meeting engine with ``expected`` given to its saturation tie-break instead (module docstring,
    "Attendance that changes"), each weighed by ``attendance`` (how often they come; 1 when not given).
    Today comes first: the meeting is also planned on its own, and the season's first round is used only
    when it costs no more today (measured on the golfer case at 1 s a meeting, a season's first round
    alone was often dearer today, and 44 repeats over 7 meetings became 51).

    Except when the recent meetings had today's people (a few may be away) and follow a cyclic design
    (:func:`continued_design`): then today is the design's next round whenever that keeps one facilitator
    a group and every role at its even share, even if today has a few more repeats. That is
    the season's trade (a slightly worse today for a much better season): on the golfer case, 24 repeats
    over 7 meetings ([0, 2, 2, 0, 4, 8, 8], the floor) against 44 to 46 without it.

    And except at a first meeting (no history): then every plan of the best cost is as good as another,
    today and for the season, since the next meeting reads this one back as the design's round 0
    whatever it is. So today is planned alone, which stops as soon as it reaches its lower bound: the
    same plan on every machine, from the bot and offline alike, where a season search would stop at a
    deadline and depend on the machine's speed.
    """
    later = [list(expected)] * max(0, rounds - 1)
    together = constraints is not None and any(a != b for a, b in constraints.keep_together)
    same_people = {p.id for p in today} == {p.id for p in expected}
    started = time.perf_counter()
    if not later or len(expected) < size or max(len(today), len(expected)) > DENSE_MAX or together:
        # Nothing to plan ahead for, or a roster the season search leaves to the one-meeting engine.
        return _told_who_else(today, expected, size, history, constraints, seed, time_budget, attendance)
    # Searched for even before there is a meeting to continue, so that the bot has it ready for the next.
    continued = continued_design(today, history, size, started + time_budget * DESIGN_SHARE, known=expected)
    if history is None or history.meeting_count == 0:
        left = max(0.05, time_budget - (time.perf_counter() - started))
        return plan_groups(today, size=size, constraints=constraints, seed=seed, time_budget=left)
    follows: Plan | None = None
    if continued is not None:
        groups, from_start = continued
        apart = constraints.keep_apart if constraints is not None else ()
        where = {p.id: b for b, group in enumerate(groups) for p in group}
        if all(where.get(a) != where.get(b) or a not in where for a, b in apart):
            follows = _planned(groups, history)  # before planning alone, which may use the rest of the time
    if same_people:
        alone = plan_groups(
            today, size=size, history=history, constraints=constraints, seed=seed, time_budget=time_budget * ALONE_SHARE
        )
    else:
        # Attendance that changes: the later rounds over the expected roster would be a guess (who comes is
        # unknown), and the one-meeting engine, told who else is expected, does better (module docstring,
        # "Attendance that changes"). It also plans today when the design does not apply.
        left = max(0.05, time_budget - (time.perf_counter() - started))
        alone = _told_who_else(today, expected, size, history, constraints, seed, left, attendance)
    if (
        follows is not None
        # The design ignores roles: it is followed only when it keeps every role (and the facilitators) at
        # its even share, the best any plan can do. (Compared with the plan made alone instead, a busy
        # machine that cut that search short let a design with a worse mix through.)
        and follows.report.people_above_even_share == 0
        # Part way through a run of meetings the design ignores the run's earlier meetings: then only when
        # it is as good today.
        and (from_start or follows.report.objective <= alone.report.objective + EPS)
    ):
        return follows
    left = time_budget - (time.perf_counter() - started)
    if not same_people or left <= 0.05:
        return alone
    season = plan_season(
        [list(today), *later], size=size, history=history, constraints=constraints, seed=seed, time_budget=left
    )[0]
    # Today's meeting first: the season's picture of later meetings only chooses among plans as good today.
    return season if season.report.objective <= alone.report.objective + EPS else alone


def _told_who_else(
    today: Sequence[Participant],
    expected: Sequence[Participant],
    size: int,
    history: History | None,
    constraints: Constraints | None,
    seed: int,
    time_budget: float,
    attendance: Mapping[Hashable, float] | None,
) -> Plan:
    """Today planned by the one-meeting engine, its tie-breaks told who else is expected later."""
    return plan_groups(
        today,
        size=size,
        history=history,
        constraints=constraints,
        seed=seed,
        time_budget=time_budget,
        later=expected,
        attendance=attendance,
    )


def _planned(groups: list[list[Participant]], past: History) -> Plan:
    """A plan of ``groups`` with its report against ``past`` (the bound uses the same weights)."""
    from .cost import lower_bound

    bound = lower_bound([p for g in groups for p in g], group_count=len(groups), history=past)
    return Plan(groups=groups, report=build_report(groups, past, bound, objective(groups, past)))


def _one_after_another(
    rounds: list[list[Participant]],
    size: int,
    history: History | None,
    constraints: Constraints | None,
    seed: int,
    started: float,
    budget: float,
) -> list[Plan]:
    """Each round planned from the history of the ones before it, sharing the budget evenly."""
    plans = []
    past = history if history is not None else History()
    for r, roster in enumerate(rounds):
        left = started + budget * (1 - FINISH_SHARE) - time.perf_counter()
        share = max(0.01, left / (len(rounds) - r))
        plan = plan_groups(roster, size=size, history=past, constraints=constraints, seed=seed + r, time_budget=share)
        plans.append(plan)
        past = past.extended([[p.id for p in g] for g in plan.groups])
    return plans


def continued_design(
    today: Sequence[Participant],
    history: History | None,
    size: int,
    deadline: float,
    known: Sequence[Participant] = (),
) -> tuple[list[list[Participant]], bool] | None:
    """Today's groups as the next round of a cyclic design the recent meetings follow, or None.

    Why: planning each meeting alone (or as the first of a season planned afresh each time) spends the
    new faces early; following one season design meeting after meeting reaches the season's floor. This
    needs no stored state: the design is a function of the shape only (:func:`known_design`), and any
    meeting of the same people, one facilitator a group, is its round 0 up to relabelling. So the oldest
    of the recent meetings (the anchor) fixes the relabelling (groups by their facilitator, members in id
    order), the meetings after it are checked against rounds 1..t-1, and today is round t.

    The regulars (everyone at the anchor, today or a meeting since) must fill equal groups with one
    facilitator each (the cyclic shape), but any meeting may miss a few of them, the anchor included
    (:func:`_relabel` gives the absent the design's free places). A round is then the design's round with
    the absent left out, and where that leaves groups more than one person apart, the member whose move
    costs least (the planner's own cost with the history of the time, then id order) moves from a largest
    group to a smallest, until sizes are within one (:func:`_following`). A meeting missing so many that it
    needs fewer groups cannot follow the design, nor can a newcomer who joins part way through (they have
    no place in it that the earlier meetings kept for them): such meetings are planned as usual, and a
    design starts again from a later anchor. ``known`` gives the roles of regulars who are not here today
    (the expected roster); a regular nobody knows stops the design too.

    Returns the groups and whether the design started with the first of the recent meetings of the
    regulars (rather than part way through them, when it ignores the earlier ones and must be checked
    against planning today alone).
    """
    people = list(today)
    by_id = {p.id: p for p in [*known, *people]}
    shape = _cyclic_shape(people, size)
    if shape is not None:
        # Searched for even before there is a meeting to continue, so that it is ready when there is one.
        known_design(*shape, shape[1], deadline)
    if history is None:
        return None
    ids = {p.id for p in people}
    past = history.meetings()
    present = [_ids(meeting) for meeting in past]
    for t in range(len(past), 0, -1):
        # The regulars: everyone at the anchor, today, or a meeting since.
        regulars = ids.union(*present[-t:])
        if any(i not in by_id for i in regulars):
            continue
        shape = _cyclic_shape([by_id[i] for i in regulars], size)
        if shape is None or t > shape[3] - 1:
            continue
        found = known_design(*shape, shape[1], deadline)
        if found is None:
            continue
        design, leaders = found
        fac = sorted((by_id[i] for i in regulars if spread_class(by_id[i]) == FACILITATORS), key=lambda p: str(p.id))
        fac_index = {p.id: f for f, p in enumerate(fac)}
        member_point = _relabel(past[-t], design[0], leaders[0], fac_index, regulars)
        if member_point is None:
            continue
        rounds = [_round_groups(design[r], leaders[r], member_point, fac) for r in range(t + 1)]
        if not all(
            _as_sets(past[-t + k])
            == _as_sets(_following(rounds[k], present[-t + k], by_id, size, History.from_meetings(past[: -t + k])))
            for k in range(1, t)
        ):
            continue
        groups = _following(rounds[t], ids, by_id, size, history)
        if not groups:
            continue
        run = 0
        while run < len(past) and present[-1 - run] <= regulars:
            run += 1
        return [[by_id[i] for i in group] for group in _round_lists(_as_sets(groups))], t == run
    return None


def _cyclic_shape(people: Sequence[Participant], size: int) -> tuple[int, int, int, int] | None:
    """(points, groups, members per group, rounds) of the cyclic design for these people, when they fill
    equal groups of at least 3 with one facilitator each; else None."""
    g = group_count_for(len(people), size=size)
    caps = group_sizes(len(people), g)
    leaders = sum(1 for p in people if spread_class(p) == FACILITATORS)
    if len(set(caps)) != 1 or leaders != g or caps[0] < 3:
        return None
    per_group = caps[0] - 1
    points = g * per_group
    return points, g, per_group, (points - 1) // (per_group - 1)


def _following(
    groups: list[list[Hashable]], present: set[Hashable], by_id: dict[Hashable, Participant], size: int, past: History
) -> list[list[Hashable]]:
    """A design round (groups of the regulars' ids) for the people ``present``: the absent left out, then,
    while two groups are more than one person apart, the member (never a facilitator) of a largest group
    whose move to a smallest one costs least (:func:`objective` on the :data:`cost.ONE_PERSON` scale,
    with ``past``; then id order). Empty when the people present need another number of groups."""
    kept = [[i for i in group if i in present] for group in groups]
    if group_count_for(len(present), size=size) != len(kept):
        return []
    while True:
        big = max(range(len(kept)), key=lambda b: (len(kept[b]), -b))
        small = min(range(len(kept)), key=lambda b: (len(kept[b]), b))
        if len(kept[big]) - len(kept[small]) <= 1:
            return kept
        to = [by_id[i] for i in kept[small]]
        rest = [by_id[i] for i in kept[big]]
        before = objective([to], past, ONE_PERSON) + objective([rest], past, ONE_PERSON)
        moves = [
            (
                round(
                    objective([[*to, p]], past, ONE_PERSON)
                    + objective([[q for q in rest if q.id != p.id]], past, ONE_PERSON)
                    - before,
                    9,
                ),
                str(p.id),
                p,
            )
            for p in rest
            if spread_class(p) != FACILITATORS
        ]
        if not moves:
            return []
        *_, mover = min(moves, key=lambda move: move[:2])
        kept[big].remove(mover.id)
        kept[small].append(mover.id)


def _relabel(
    anchor: list[list[Hashable]],
    first: list[list[int]],
    leader_groups: list[int],
    fac_index: dict[Hashable, int],
    regulars: set[Hashable],
) -> dict[Hashable, int] | None:
    """The regulars who are not facilitators mapped to design points so that ``anchor`` is the design's
    round 0 with the absent left out: each group goes to the design group of its facilitator there (a
    group without one to that of a facilitator who was away), its members to that group's first points in
    id order; the members who were away take the points left free, in id order. None when the anchor does
    not fit (two facilitators in a group, or more members than a design group holds)."""
    member_point: dict[Hashable, int] = {}
    used: set[int] = set()
    leaderless: list[list[Hashable]] = []
    for group in anchor:
        leads = [i for i in group if i in fac_index]
        members = sorted((i for i in group if i not in fac_index), key=str)
        if len(leads) > 1:
            return None
        if not leads:
            leaderless.append(members)
            continue
        b = leader_groups[fac_index[leads[0]]]
        if not _place(members, first[b], member_point):
            return None
        used.add(b)
    away = [leader_groups[f] for i, f in sorted(fac_index.items(), key=lambda item: item[1]) if i not in _ids(anchor)]
    if len(leaderless) > len(away):
        return None
    for members, b in zip(leaderless, away, strict=False):
        if not _place(members, first[b], member_point):
            return None
    free = sorted(pt for group in first for pt in group if pt not in member_point.values())
    absent = sorted((i for i in regulars if i not in fac_index and i not in member_point), key=str)
    if len(absent) != len(free):
        return None
    member_point.update(zip(absent, free, strict=True))
    return member_point


def _place(members: list[Hashable], points: list[int], member_point: dict[Hashable, int]) -> bool:
    """Members to the first of ``points`` (sorted), or False when they do not fit."""
    if len(members) > len(points):
        return False
    member_point.update(zip(members, sorted(points), strict=False))
    return True


def _ids(meeting: list[list[Hashable]]) -> set[Hashable]:
    return {i for group in meeting for i in group}


def _round_groups(
    groups: list[list[int]], leader_groups: list[int], member_point: dict[Hashable, int], fac: list[Participant]
) -> list[list[Hashable]]:
    """One design round in people's ids, in the design's group order."""
    point_member = {pt: i for i, pt in member_point.items()}
    out = [[point_member[pt] for pt in group] for group in groups]
    for f, b in enumerate(leader_groups):
        out[b].append(fac[f].id)
    return out


def _as_sets(meeting: list[list[Hashable]]) -> set[frozenset[Hashable]]:
    return {frozenset(group) for group in meeting}


def _round_lists(groups: set[frozenset[Hashable]]) -> list[list[Hashable]]:
    """Groups in a stable order (by their smallest id as text)."""
    return sorted((sorted(group, key=str) for group in groups), key=lambda grp: str(grp[0]))
