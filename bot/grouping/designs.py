"""Cyclic designs: seasons of the same people in which nobody meets anyone twice, built by construction.

When every meeting has the same people and one facilitator per group, the other members become the
points Z_m x {rows} plus a few fixed points, and one starting round is searched (annealing with restarts
on the number of repeated pairs) such that shifting it by 0, 1, …, K-1 (mod m, fixed points staying put)
repeats no pair. For the social-golfer case (30 people, 6 facilitators, groups of 5) this is a 6-4-7
schedule of the 24 members without any repeat (m = 7 with 3 fixed points). The facilitators are then
placed round by round so that each meets as many different members as the slots allow
(:func:`place_leaders`); designs differ there, so designs are drawn until one reaches that floor.

Two users: the season search starts from such a design (:func:`led_design`, drawn with the search's own
random numbers), and meetings planned one at a time follow one design found from a fixed seed
(:func:`known_design`, the same in every process, so the offline command and the bot find the same one;
:func:`.season.continued_design`). Pure Python, no numpy.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Generator

from .cost import pairs

#: Starting rounds found so far, by (points, groups, per group, rounds): a design is found once per process.
_DESIGNS: dict[tuple[int, int, int, int], list[list[list[int]]] | None] = {}
#: Proposals per restart of the starting-round search (a fresh random start escapes a dead end sooner).
RESTART_STEPS = 3000


#: Designs with their leaders placed, by (points, groups, per group, rounds, leaders), once at the floor.
_LED: dict[tuple[int, int, int, int, int], tuple[list[list[list[int]]], list[list[int]]]] = {}
#: Annealing proposals for placing the leaders on one design.
LEADER_STEPS = 5000


def led_design(
    points: int, g: int, per_group: int, rounds: int, leaders: int, deadline: float, rng: random.Random
) -> tuple[list[list[list[int]]], list[list[int]]] | None:
    """A cyclic design (:func:`cyclic_schedule`) and, per round, the group of each leader (one per group),
    such that each leader meets as many different members as the slots allow, if found by ``deadline``.

    Designs differ in this: for 24 members in 6 groups of 4 over 7 rounds, some let every leader meet all
    24 (the floor: 4 repeats each) and others leave at best 8 each, whatever the placement. So designs are
    drawn until one reaches the floor; the best one so far is kept otherwise.
    """
    key = (points, g, per_group, rounds, leaders)
    if key in _LED:
        return _LED[key]
    slots = per_group * rounds
    q, e = divmod(slots, points)
    floor = leaders * (e * pairs(q + 1) + (points - e) * pairs(q))
    best: tuple[int, tuple[list[list[list[int]]], list[list[int]]]] | None = None
    while time.perf_counter() < deadline:
        design = cyclic_schedule(points, g, per_group, rounds, deadline, rng, fresh=True)
        if design is None:
            break
        if not leaders:
            return design, [[] for _ in range(rounds)]
        placed, cost = place_leaders(design, leaders, rng)
        if best is None or cost < best[0]:
            best = (cost, (design, placed))
        if cost <= floor:
            _LED[key] = best[1]
            break
    return best[1] if best else None


def place_leaders(groups: list[list[list[int]]], leaders: int, rng: random.Random) -> tuple[list[list[int]], int]:
    """Per round, the group of each leader, by annealing on sum over leaders and members of C(times met, 2);
    returns the placement and that sum."""
    K = len(groups)
    members = sorted({m for rnd in groups for grp in rnd for m in grp})
    perm = [rng.sample(range(leaders), leaders) for _ in range(K)]
    met = [dict.fromkeys(members, 0) for _ in range(leaders)]
    for r in range(K):
        for f in range(leaders):
            for m in groups[r][perm[r][f]]:
                met[f][m] += 1
    cost = sum(pairs(k) for f in range(leaders) for k in met[f].values())
    best = (cost, [list(p) for p in perm])
    for step in range(LEADER_STEPS):
        temperature = 0.02 ** (step / LEADER_STEPS)
        r = rng.randrange(K)
        f1, f2 = rng.sample(range(leaders), 2)
        g1, g2 = groups[r][perm[r][f1]], groups[r][perm[r][f2]]
        # f1 leaves g1 for g2 and f2 the other way: C(k, 2) falls by k - 1 or grows by k.
        d = sum(met[f1][m] for m in g2) - sum(met[f1][m] - 1 for m in g1)
        d += sum(met[f2][m] for m in g1) - sum(met[f2][m] - 1 for m in g2)
        if d <= 0 or rng.random() < math.exp(-d / temperature):
            for m in g1:
                met[f1][m] -= 1
                met[f2][m] += 1
            for m in g2:
                met[f2][m] -= 1
                met[f1][m] += 1
            perm[r][f1], perm[r][f2] = perm[r][f2], perm[r][f1]
            cost += d
            if cost < best[0]:
                best = (cost, [list(p) for p in perm])
    return best[1], best[0]


def cyclic_schedule(
    points: int, g: int, per_group: int, rounds: int, deadline: float, rng: random.Random, *, fresh: bool = False
) -> list[list[list[int]]] | None:
    """``rounds`` rounds of ``g`` groups of ``per_group`` over ``points`` points with no pair twice, or None.

    Points are Z_m x {rows} plus f fixed points (m >= rounds, f <= g, points = rows * m + f); point
    ``row * m + x`` is (row, x) and the last f are fixed. Round t shifts every (row, x) to
    (row, x + t mod m) and keeps the fixed points in their group, so only the starting round is searched:
    by annealing on the number of pairs the development repeats, with random restarts, until none does
    (for 24 points in 6 groups of 4 over 7 rounds, m = 7 with 3 fixed points: about 3 found per second).
    """
    key = (points, g, per_group, rounds)
    if key in _DESIGNS and not fresh:
        return _DESIGNS[key]
    if points != g * per_group or per_group < 2:
        return None
    options = [
        (f, m)
        for m in range(rounds, points + 1)
        for f in range(0, g + 1)
        if (points - f) % m == 0 and (points - f) // m >= 1
    ]
    # Full developments (m = rounds) first: their differences each appear once, the tightest designs.
    options.sort(key=lambda fm: (fm[1] != rounds, fm[1], fm[0]))
    tried = [o for o in options if o[1] == rounds] or options[:3]
    while time.perf_counter() < deadline:
        for f, m in tried:
            restart_by = min(deadline, time.perf_counter() + 0.1)
            base = _cyclic_base(points, g, per_group, rounds, m, f, restart_by, rng)
            if base is not None:
                design = [[[_shift(p, t, m, points - f) for p in group] for group in base] for t in range(rounds)]
                _DESIGNS[key] = design
                return design
    return None


def _shift(p: int, t: int, m: int, cyclic: int) -> int:
    if p >= cyclic:
        return p
    row, x = divmod(p, m)
    return row * m + (x + t) % m


def _cyclic_base(
    points: int, g: int, per_group: int, rounds: int, m: int, f: int, deadline: float, rng: random.Random
) -> list[list[int]] | None:
    """One annealing run for a starting round whose development repeats no pair; None if out of steps
    or past ``deadline``."""
    steps = _cyclic_base_steps(points, g, per_group, rounds, m, f, rng)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
        if time.perf_counter() > deadline:
            return None


def _cyclic_base_steps(
    points: int, g: int, per_group: int, rounds: int, m: int, f: int, rng: random.Random
) -> Generator[None, None, list[list[int]] | None]:
    """:func:`_cyclic_base` as a generator that yields every 256 proposals, so a caller can spread one
    search over several calls (the result depends on ``rng`` only, never on the clock)."""
    cyclic = points - f
    orbit: dict[tuple[int, int], list[tuple[int, int]]] = {}
    # Two fixed points together would meet every round: that pair is priced as many repeats.
    together_always = [(-1, -1)] * (4 * rounds)

    def keys(p: int, q: int) -> list[tuple[int, int]]:
        k = orbit.get((p, q))
        if k is None:
            if p >= cyclic and q >= cyclic:
                k = together_always
            else:
                k = []
                for t in range(rounds):
                    a, b = _shift(p, t, m, cyclic), _shift(q, t, m, cyclic)
                    k.append((a, b) if a < b else (b, a))
            orbit[(p, q)] = orbit[(q, p)] = k
        return k

    count: dict[tuple[int, int], int] = {}

    def change(p: int, q: int, sign: int) -> int:
        """Add (sign 1) or remove (-1) the developed pairs of p and q; return the change in repeats."""
        d = 0
        for key in keys(p, q):
            v = count.get(key, 0)
            if sign > 0:
                d += v
                count[key] = v + 1
            else:
                d -= v - 1
                count[key] = v - 1
        return d

    # A full development (m = rounds) shifts a pair through its whole orbit under Z_m, and two orbits are
    # equal or disjoint: so every developed pair of one orbit always has the same count, and one counter
    # per orbit gives exactly the sums above (each distinct pair appears ``mu`` times in the orbit) in
    # O(1) instead of O(rounds). Same numbers, so the same search and the same design, about 3 times sooner.
    orbit_of: dict[tuple[int, int], tuple[int, int, int]] = {}
    orbit_ids: dict[frozenset[tuple[int, int]], int] = {}
    orbit_count: list[int] = []

    def change_by_orbit(p: int, q: int, sign: int) -> int:
        known = orbit_of.get((p, q))
        if known is None:
            developed = keys(p, q)
            distinct = frozenset(developed)
            if distinct not in orbit_ids:
                orbit_ids[distinct] = len(orbit_count)
                orbit_count.append(0)
            known = (orbit_ids[distinct], len(distinct), len(developed) // len(distinct))
            orbit_of[(p, q)] = orbit_of[(q, p)] = known
        orbit, distinct_pairs, mu = known
        v = orbit_count[orbit]
        if sign > 0:
            orbit_count[orbit] = v + mu
            return distinct_pairs * (mu * v + mu * (mu - 1) // 2)
        orbit_count[orbit] = v - mu
        return -distinct_pairs * (mu * v - mu * (mu + 1) // 2)

    if m == rounds:
        change = change_by_orbit

    rest = list(range(cyclic))
    rng.shuffle(rest)
    groups: list[list[int]] = [[p] for p in range(cyclic, points)] + [[] for _ in range(g - f)]
    for p in rest:
        min(groups, key=len).append(p)
    where = {p: b for b, group in enumerate(groups) for p in group}
    total = 0
    for group in groups:
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                total += change(group[x], group[y], 1)
    everyone = list(range(points))
    for step in range(RESTART_STEPS):
        if total == 0:
            return groups
        if not step & 255:
            yield
        p, q = rng.sample(everyone, 2)
        a, b = where[p], where[q]
        if a == b:
            continue
        ga = [x for x in groups[a] if x != p]
        gb = [x for x in groups[b] if x != q]
        d = sum(change(p, x, -1) for x in ga) + sum(change(q, x, -1) for x in gb)
        d += sum(change(p, x, 1) for x in gb) + sum(change(q, x, 1) for x in ga)
        if d <= 0 or rng.random() < math.exp(-d):
            groups[a], groups[b] = [*ga, q], [*gb, p]
            where[p], where[q] = b, a
            total += d
        else:
            for x in ga:
                change(q, x, -1)
            for x in gb:
                change(p, x, -1)
            for x in gb:
                change(q, x, 1)
            for x in ga:
                change(p, x, 1)
    return groups if total == 0 else None


#: Seed of the design search behind :func:`continued_design`: fixed, so every process finds the same design.
DESIGN_SEED = 19
#: Proposals (in slices of 256) after which a shape is given up: some shapes have no cyclic design.
DESIGN_GIVE_UP = 40_000
#: Design searches in progress (generators) and their results, by (points, groups, per group, rounds, leaders).
_SEARCHES: dict[tuple[int, int, int, int, int], Generator[None, None, tuple | None]] = {}
_FOUND: dict[tuple[int, int, int, int, int], tuple[list[list[list[int]]], list[list[int]]] | None] = {}


def _design_steps(
    points: int, g: int, per_group: int, rounds: int, leaders: int
) -> Generator[None, None, tuple[list[list[list[int]]], list[list[int]]] | None]:
    """Cyclic designs drawn from a fixed seed until one lets each leader meet every member as often as the
    slots allow (as :func:`led_design`, but step by step and independent of the clock, so the design is the
    same in every process and across restarts of the bot)."""
    rng = random.Random(DESIGN_SEED)
    options = [
        (f, m) for m in range(rounds, points + 1) for f in range(0, g + 1) if (points - f) % m == 0 and points > f
    ]
    options.sort(key=lambda fm: (fm[1] != rounds, fm[1], fm[0]))
    tried = [o for o in options if o[1] == rounds] or options[:3]
    slots = per_group * rounds
    q, e = divmod(slots, points)
    floor = leaders * (e * pairs(q + 1) + (points - e) * pairs(q))
    slices = 0
    while tried and slices * 256 < DESIGN_GIVE_UP:
        for f, m in tried:
            steps = _cyclic_base_steps(points, g, per_group, rounds, m, f, rng)
            while True:
                try:
                    next(steps)
                except StopIteration as done:
                    base = done.value
                    break
                slices += 1
                yield
            if base is None:
                continue
            design = [[[_shift(p, t, m, points - f) for p in group] for group in base] for t in range(rounds)]
            placed, cost = place_leaders(design, leaders, rng)
            yield
            if cost <= floor:
                return design, placed
    return None


def known_design(
    points: int, g: int, per_group: int, rounds: int, leaders: int, deadline: float
) -> tuple[list[list[list[int]]], list[list[int]]] | None:
    """The design of :func:`_design_steps` if found, searching on until ``deadline`` (the search resumes
    where it stopped at the next call, so a design too slow for one meeting's budget is ready a meeting
    or two later)."""
    key = (points, g, per_group, rounds, leaders)
    if key in _FOUND:
        return _FOUND[key]
    steps = _SEARCHES.setdefault(key, _design_steps(*key))
    while time.perf_counter() < deadline:
        try:
            next(steps)
        except StopIteration as done:
            _FOUND[key] = done.value
            del _SEARCHES[key]
            return done.value
    return None
