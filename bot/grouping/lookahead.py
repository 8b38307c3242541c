"""Looking ahead: among plans equally good for this meeting, pick the one that leaves the next ones room.

Planning one meeting at a time is short-sighted in a small community. Early on many plans have no repeat
at all, and which of them is picked decides how soon everyone runs out of new faces: after three such
meetings of 30 people, a careless choice already forces a repeat at the fourth. So when a small roster
has history, the engine finds several plans of the best cost it can reach for this meeting, imagines the
next ``DEPTH`` meetings with the same people after each (planned quickly, one after another), and keeps
the plan whose imagined follow-ups carry the least avoidable cost (objective minus lower bound).

This never trades this meeting's quality for the future: only plans whose cost equals the best one found
are compared, and the main search keeps half the time budget. On the repeat benchmark (30 people,
6 facilitators, 7 meetings, 1 s per meeting; ``tests/benchmarks/bench_grouping.py``) it works together with
the strangers tie-break (:mod:`.strangers`): over 70 runs, both together give 44.2 repeated pair-meetings
on average, looking ahead alone 45.0, and planning each meeting on its cost alone about 45. Most of the
remaining gap to the floor of 24 comes from choices that no single meeting's plan can see.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence

from .cost import EPS
from .history import History

#: Rosters larger than this plan one meeting at a time: repeats are rarely forced there, and the
#: extra searches would cost more time than they save repeats.
LOOK_AHEAD_MAX = 60
#: Below this time budget (seconds) the whole budget goes to this meeting's own search.
LOOK_AHEAD_MIN_BUDGET = 0.5
#: Plans tried for this meeting (the main search's included).
CANDIDATES = 8
#: Imagined meetings after this one.
DEPTH = 3
#: Share of the time budget kept by the main search; the rest is split between the other candidates
#: and the imagined meetings.
MAIN_SHARE = 0.5

#: ``solve(history, seed, budget)`` -> (assignment person -> group, cost): one plain search.
Solve = Callable[[History | None, int, float], tuple[list[int], float]]


def worth_looking_ahead(n: int, g: int, history: History | None, budget: float) -> bool:
    """Only small rosters with history gain from it (without history every plan looks the same ahead),
    and only with time to spare: a short budget is better spent on this meeting alone."""
    return (
        history is not None
        and history.meeting_count > 0
        and g >= 2
        and n <= LOOK_AHEAD_MAX
        and budget >= LOOK_AHEAD_MIN_BUDGET
    )


def choose(
    solve: Solve,
    *,
    ids: Sequence[Hashable],
    g: int,
    history: History,
    seed: int,
    budget: float,
    bound: float,
    first: tuple[list[int], float],
    deadline: float = math.inf,
) -> list[int]:
    """The candidate of the best cost whose imagined next meetings cost least (``first`` on ties).

    Nothing new is started after ``deadline`` (a busy machine makes the searches' set-up slower than
    planned): the candidates whose imagined meetings were all planned by then are compared."""
    best_cost = first[1]
    candidates = [first]
    seen = {_partition(first[0])}
    spare = budget * (1 - MAIN_SHARE) / 2
    for k in range(1, CANDIDATES):
        if time.perf_counter() >= deadline:
            break
        assignment, cost = solve(history, _seed(seed, k), spare / (CANDIDATES - 1))
        if cost < best_cost - EPS:
            best_cost = cost
            candidates = [c for c in candidates if c[1] <= best_cost + EPS]
        key = _partition(assignment)
        if cost <= best_cost + EPS and key not in seen:
            seen.add(key)
            candidates.append((assignment, cost))
    if len(candidates) == 1:
        return candidates[0][0]
    step_budget = spare / (len(candidates) * DEPTH)
    scores = []
    for k, (assignment, _) in enumerate(candidates):
        future = history.extended(_groups(assignment, ids, g))
        score = 0.0
        for step in range(DEPTH):
            if time.perf_counter() >= deadline:
                break
            imagined, cost = solve(future, _seed(seed, 100 + k * DEPTH + step), step_budget)
            score += cost - bound
            future = future.extended(_groups(imagined, ids, g))
        else:
            scores.append(score)
            continue
        break
    if not scores:
        return candidates[0][0]
    lowest = min(scores)
    return next(c[0] for c, score in zip(candidates, scores, strict=False) if score <= lowest + EPS)


def _seed(seed: int, k: int) -> int:
    return seed * 1_000_003 + k


def _partition(assignment: Sequence[int]) -> frozenset[frozenset[int]]:
    groups: dict[int, list[int]] = {}
    for person, group in enumerate(assignment):
        groups.setdefault(group, []).append(person)
    return frozenset(frozenset(members) for members in groups.values())


def _groups(assignment: Sequence[int], ids: Sequence[Hashable], g: int) -> list[list[Hashable]]:
    groups: list[list[Hashable]] = [[] for _ in range(g)]
    for person, group in enumerate(assignment):
        groups[group].append(ids[person])
    return groups
