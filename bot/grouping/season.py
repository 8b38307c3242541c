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

* Cyclic development (the classic construction of resolvable designs and round-robin rotations): the
  members who are not facilitators become the points Z_m x {rows} plus a few fixed points; one starting
  round is found by backtracking so that shifting it by 0, 1, …, K-1 (mod m, fixed points staying put)
  repeats no pair. For the golfer case this is a 6-4-7 schedule of the 24 members without any repeat
  (m = 7 with 3 fixed points, found in milliseconds); the facilitators are then spread by the search.
  Every round is also dealt class by class round the groups (even role spread from the start), and the
  cheaper start wins.
* Tabu search: each iteration applies the best non-tabu swap (or move between a larger and a smaller
  group) over all rounds, priced in O(1) from D_r[i][b], the cost of person i with group b of round r.
  A swap in round r changes who meets whom there, which changes the price of those pairs in every other
  round: O(group size x rounds) updates, so an iteration stays a few numpy passes over n x n per round.
  Long runs without a new best restart from the best season, shaken.

Time is a wall-clock deadline (``time.monotonic``, checked every iteration); the best season found so
far is returned when it passes, or as soon as it reaches the lower bound. Rosters larger than
``DENSE_MAX`` people in a round, or with keep-together pairs, are planned one round after another instead
(each round from the history of the rounds before it): the dense tables would not fit, and new faces
rarely run out in a large community anyway.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from .cost import (
    EPS,
    FACILITATORS,
    HISTORY_FLOOR,
    HISTORY_WEIGHT,
    HISTORY_WINDOW,
    class_lower_bound,
    objective,
    pair_slots,
    pairs,
    person_tags,
    spread_class,
    weights_for,
)
from .feasibility import resolve
from .history import History
from .model import Constraints, InfeasibleError, Participant, group_count_for, group_sizes
from .plan import FINISH_SHARE, Plan, _arrange, plan_groups
from .report import build_report

#: Rounds with more people than this are planned one after another (dense n x n tables per round).
DENSE_MAX = 160
#: Share of the budget the cyclic construction may spend looking for a starting round.
SEED_SHARE = 0.1
#: Tabu tenure: a person may not return to a group of a round for this many iterations plus 0..g.
TENURE_MIN = 4
#: Iterations without a new best before restarting from the best season, shaken.
STALE_MIN, STALE_PER_SLOT = 300, 2
#: Share of each round's people swapped (within their class) on a restart.
SHAKE = 0.1


def age_weight(age: int) -> float:
    """The cost of meeting again someone one met ``age`` meetings back (0 = the last); 0 beyond the window."""
    if age >= HISTORY_WINDOW:
        return 0.0
    return HISTORY_WEIGHT * (HISTORY_FLOOR + (1 - HISTORY_FLOOR) * 0.5**age)


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
    started = time.monotonic()
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

    season = _Season(rounds, caps_per_round, resolved, history, random.Random(seed))
    season.search(seed_deadline=started + time_budget * SEED_SHARE, deadline=finish_by)
    plans = []
    past = history if history is not None else History()
    for r, roster in enumerate(rounds):
        assignment = season.best[r].tolist()
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
) -> Plan:
    """Plan today's meeting as the first of ``rounds`` meetings, the later ones over ``expected``.

    Only today's plan is returned: the later rounds are the engine's picture of what comes next, so
    today's groups leave them room (see the module docstring); they are planned afresh when they come.
    """
    later = [list(expected)] * max(0, rounds - 1)
    if not later or len(expected) < size:
        return plan_groups(
            today, size=size, history=history, constraints=constraints, seed=seed, time_budget=time_budget
        )
    return plan_season(
        [list(today), *later], size=size, history=history, constraints=constraints, seed=seed, time_budget=time_budget
    )[0]


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
        left = started + budget * (1 - FINISH_SHARE) - time.monotonic()
        share = max(0.01, left / (len(rounds) - r))
        plan = plan_groups(roster, size=size, history=past, constraints=constraints, seed=seed + r, time_budget=share)
        plans.append(plan)
        past = past.extended([[p.id for p in g] for g in plan.groups])
    return plans


@dataclass(slots=True)
class _Round:
    """One round's dense state: local people, groups, cost tables."""

    ids: np.ndarray  # local index -> global index
    grp: np.ndarray  # local index -> group
    sizes: np.ndarray  # group -> size
    caps: list[int]
    C: np.ndarray  # pair costs (class + past history + season rounds + keep-apart penalty)
    D: np.ndarray  # D[i, b] = sum of C[i, j] over j in group b
    tabu: np.ndarray  # tabu[i, b]: iteration until which i may not enter group b
    cls: np.ndarray
    g: int


class _Season:
    """Every round's assignment and the tables that price swaps in O(1)."""

    def __init__(
        self,
        rounds: list[list[Participant]],
        caps: list[list[int]],
        resolved: list,  # type: ignore[type-arg]
        history: History | None,
        rng: random.Random,
    ) -> None:
        self.rng = rng
        self.K = K = len(rounds)
        self.rosters = rounds
        index: dict[Hashable, int] = {}
        for roster in rounds:
            for p in roster:
                index.setdefault(p.id, len(index))
        self.N = len(index)
        self.pos = np.full((K, self.N), -1, dtype=np.int64)
        class_keys: dict[Hashable, int] = {}
        self.global_cls = np.zeros(self.N, dtype=np.int64)
        for roster in rounds:
            for p in roster:
                self.global_cls[index[p.id]] = class_keys.setdefault(spread_class(p), len(class_keys))
        self.facilitator_class = class_keys.get(FACILITATORS)
        # Season weights: the history bound covers past meetings (aged by r at round r) and the season.
        self.pair_w = np.array([[age_weight(abs(t - s) - 1) if s != t else 0.0 for t in range(K)] for s in range(K)])
        past_tags = self._past_tags(rounds, history)
        cap = 0.0
        for r, roster in enumerate(rounds):
            holders: dict[int, int] = {}
            tag_weight: dict[int, float] = {}
            for p in roster:
                for t, wt in past_tags[r][p.id].items():
                    holders[t] = holders.get(t, 0) + 1
                    tag_weight[t] = wt
            cap += sum(tag_weight[t] * pairs(k) for t, k in holders.items())
            cap += pair_slots(caps[r]) * sum(age_weight(r - s - 1) for s in range(r))
        slots = sum(pair_slots(c) for c in caps)
        self.weights = w = weights_for(cap, slots)
        self.class_w = np.array([w.of(c) for c in class_keys])
        self.bound = sum(class_lower_bound(_counts(roster), len(caps[r]), w) for r, roster in enumerate(rounds))
        self.rounds: list[_Round] = []
        for r, roster in enumerate(rounds):
            ids = np.array([index[p.id] for p in roster], dtype=np.int64)
            self.pos[r, ids] = np.arange(len(ids))
            cls = self.global_cls[ids]
            same = cls[:, None] == cls[None, :]
            C = np.where(same, self.class_w[cls][:, None], 0.0)
            tags = [past_tags[r][p.id] for p in roster]
            for a in range(len(roster)):
                ta = tags[a]
                if not ta:
                    continue
                for b in range(a + 1, len(roster)):
                    v = sum(ta[t] for t in tags[b] if t in ta)
                    if v:
                        C[a, b] += v
                        C[b, a] += v
            for a, partners in enumerate(resolved[r].apart):
                for b in partners:
                    C[a, b] += w.keep_apart
            np.fill_diagonal(C, 0.0)
            g = len(caps[r])
            self.rounds.append(
                _Round(
                    ids=ids,
                    grp=np.zeros(len(ids), dtype=np.int64),
                    sizes=np.zeros(g, dtype=np.int64),
                    caps=list(caps[r]),
                    C=C,
                    D=np.zeros((len(ids), g)),
                    tabu=np.zeros((len(ids), g), dtype=np.int64),
                    cls=cls,
                    g=g,
                )
            )
        self.base = [rd.C.copy() for rd in self.rounds]
        self.best: list[np.ndarray] = []
        self.best_total = float("inf")
        self.total = 0.0

    @staticmethod
    def _past_tags(rounds: list[list[Participant]], history: History | None) -> list[dict[Hashable, dict[int, float]]]:
        """Per round: each person's past-meeting tags, with weights aged by the round's offset."""
        out = []
        for r, roster in enumerate(rounds):
            weights: dict[int, float] = {}
            if history is not None:
                last = history.meeting_count
                for m in range(max(0, last - HISTORY_WINDOW), last):
                    w = age_weight(history.age(m) + r)
                    if w:
                        weights[m] = w
            out.append({p.id: person_tags(p.id, history, weights) if weights else {} for p in roster})
        return out

    # ------------------------------------------------------------------ state

    def load(self, assignment: list[np.ndarray]) -> None:
        """Set every round's groups and rebuild C (season part) and D from scratch."""
        for r, rd in enumerate(self.rounds):
            rd.grp = assignment[r].copy()
            rd.sizes = np.bincount(rd.grp, minlength=rd.g)
            rd.C = self.base[r].copy()
        for r, rd in enumerate(self.rounds):
            for s in range(self.K):
                if s == r or not self.pair_w[r, s]:
                    continue
                other = self.rounds[s]
                local = self.pos[s, rd.ids]
                ok = local >= 0
                gs = np.where(ok, other.grp[np.maximum(local, 0)], -1)
                together = (gs[:, None] == gs[None, :]) & ok[:, None] & ok[None, :]
                np.fill_diagonal(together, False)
                rd.C += self.pair_w[r, s] * together
        total = 0.0
        for rd in self.rounds:
            onehot = np.zeros((len(rd.ids), rd.g))
            onehot[np.arange(len(rd.ids)), rd.grp] = 1.0
            rd.D = rd.C @ onehot
            rd.tabu[:] = 0
            own = rd.D[np.arange(len(rd.ids)), rd.grp]
            total += float(own.sum()) / 2
        # Season pairs are counted in both rounds' C; each meeting-again pair is paid once.
        self.total = total - self._season_part() / 2

    def _season_part(self) -> float:
        """Sum over rounds of the season (not past) part of the cost of pairs together, counted per round."""
        v = 0.0
        for r, rd in enumerate(self.rounds):
            same = rd.grp[:, None] == rd.grp[None, :]
            v += float(((rd.C - self.base[r]) * same).sum()) / 2
        return v

    def cost(self) -> float:
        """The season's cost from scratch (see the module docstring)."""
        self.load([rd.grp for rd in self.rounds])
        return self.total

    # ------------------------------------------------------------------ seeds

    def dealt(self) -> list[np.ndarray]:
        """Every round dealt class by class round the groups (facilitators first): even role spread."""
        out = []
        for rd in self.rounds:
            by_class: dict[int, list[int]] = {}
            for i, c in enumerate(rd.cls.tolist()):
                by_class.setdefault(c, []).append(i)
            order = list(by_class)
            self.rng.shuffle(order)
            order.sort(key=lambda c: (c != self.facilitator_class, -len(by_class[c])))
            room = list(rd.caps)
            grp = np.zeros(len(rd.ids), dtype=np.int64)
            pointer = self.rng.randrange(rd.g)
            for c in order:
                members = by_class[c]
                self.rng.shuffle(members)
                for i in members:
                    while room[pointer % rd.g] == 0:
                        pointer += 1
                    b = pointer % rd.g
                    grp[i] = b
                    room[b] -= 1
                    pointer = b + 1
            out.append(grp)
        return out

    def cyclic(self, deadline: float) -> list[np.ndarray] | None:
        """A cyclic development of the non-facilitators when every round has the same people and groups
        of one size with one facilitator each (see the module docstring), or None."""
        first = self.rounds[0]
        if any(not np.array_equal(rd.ids, first.ids) for rd in self.rounds) or len(set(first.caps)) != 1:
            return None
        fac = [i for i in range(len(first.ids)) if first.cls[i] == self.facilitator_class]
        if len(fac) not in (0, first.g):
            return None
        members = [i for i in range(len(first.ids)) if first.cls[i] != self.facilitator_class]
        per_group = first.caps[0] - (1 if fac else 0)
        base = cyclic_schedule(len(members), first.g, per_group, self.K, deadline, self.rng)
        if base is None:
            return None
        # Members of one class on consecutive points, so the rows (orbits) carry the classes.
        order = sorted(members, key=lambda i: (int(first.cls[i]), self.rng.random()))
        out = []
        for r in range(self.K):
            grp = np.zeros(len(first.ids), dtype=np.int64)
            for b, group in enumerate(base[r]):
                for point in group:
                    grp[order[point]] = b
            shuffled = list(range(first.g))
            self.rng.shuffle(shuffled)
            for f, b in zip(fac, shuffled, strict=False):
                grp[f] = b
            out.append(grp)
        return out

    # ------------------------------------------------------------------ search

    def search(self, *, seed_deadline: float, deadline: float) -> None:
        """Seed, then tabu search until the bound or the deadline; the best season is left in ``best``."""
        starts = [self.dealt()]
        cyclic = self.cyclic(min(seed_deadline, deadline))
        if cyclic is not None:
            starts.append(cyclic)
        for start in starts:
            self.load(start)
            if self.total < self.best_total - EPS:
                self.best_total, self.best = self.total, [g.copy() for g in start]
        self.load(self.best)
        self._tabu(deadline)

    def _tabu(self, deadline: float) -> None:
        rng = self.rng
        nprng = np.random.default_rng(rng.randrange(2**32))
        it = stale = 0
        stale_limit = max(STALE_MIN, STALE_PER_SLOT * sum(len(rd.ids) for rd in self.rounds))
        while self.best_total > self.bound + EPS and time.monotonic() < deadline:
            it += 1
            aspire = self.best_total - self.total - 1e-9
            best_d, best_move = np.inf, None
            for r, rd in enumerate(self.rounds):
                n = len(rd.ids)
                grp, D = rd.grp, rd.D
                own = D[np.arange(n), grp]
                X = D[:, grp]  # X[i, j] = cost of i in j's group
                delta = X - own[:, None] + X.T - own[None, :] - 2 * rd.C
                tabu = rd.tabu[:, grp] > it
                blocked = (grp[:, None] == grp[None, :]) | ((tabu | tabu.T) & (delta >= aspire))
                delta = np.where(blocked, np.inf, delta + nprng.random((n, n)) * 1e-7)
                k = int(np.argmin(delta))
                d = float(delta.flat[k])
                if d < best_d:
                    best_d, best_move = d, (r, k // n, k % n, -1)
                if rd.sizes.max() > rd.sizes.min():
                    hi, lo = rd.sizes.max(), rd.sizes.min()
                    mv = D - own[:, None]
                    ok = (rd.sizes[grp] == hi)[:, None] & (rd.sizes == lo)[None, :]
                    mv = np.where(ok & ~((rd.tabu > it) & (mv >= aspire)), mv + nprng.random(mv.shape) * 1e-7, np.inf)
                    k = int(np.argmin(mv))
                    d = float(mv.flat[k])
                    if d < best_d:
                        best_d, best_move = d, (r, k // rd.g, -1, k % rd.g)
            if best_move is None or best_d == np.inf:
                break
            r, i, j, b = best_move
            rd = self.rounds[r]
            a = rd.grp[i]
            if j >= 0:
                bj = rd.grp[j]
                exact = rd.D[i, bj] - rd.D[i, a] + rd.D[j, a] - rd.D[j, bj] - 2 * rd.C[i, j]
            else:
                exact = rd.D[i, b] - rd.D[i, a]
            self._apply(r, i, j, b, it)
            self.total += float(exact)
            if self.total < self.best_total - 1e-9:
                self.best_total, self.best, stale = self.total, [rd.grp.copy() for rd in self.rounds], 0
            else:
                stale += 1
                if stale >= stale_limit:
                    stale = 0
                    self.load(self._shaken(self.best))
            if not it % 2000:
                # Keep the running total honest: the keep-apart penalty is huge next to history terms.
                self.load([rd.grp for rd in self.rounds])
        final = [g.copy() for g in self.best]
        self.load(final)
        self.best_total = self.total
        self.best = final

    def _apply(self, r: int, i: int, j: int, b: int, it: int) -> None:
        """Swap local i and j in round r (or, with j < 0, move i to group b) and update every table."""
        rd = self.rounds[r]
        a = int(rd.grp[i])
        tenure = TENURE_MIN + self.rng.randrange(rd.g + 1)
        moves = [(i, a, int(rd.grp[j]))] if j >= 0 else [(i, a, b)]
        if j >= 0:
            moves.append((j, int(rd.grp[j]), a))
        changed: list[tuple[int, int, float]] = []  # (global x, global y, +1 together / -1 apart)
        for x, src, dst in moves:
            rd.D[:, src] -= rd.C[:, x]
            rd.D[:, dst] += rd.C[:, x]
            rd.grp[x] = dst
            rd.sizes[src] -= 1
            rd.sizes[dst] += 1
            rd.tabu[x, src] = it + tenure
        movers = {x for x, _, _ in moves}
        for x, src, dst in moves:
            gx = int(rd.ids[x])
            for y in np.flatnonzero(rd.grp == src).tolist():
                if y not in movers:
                    changed.append((gx, int(rd.ids[y]), -1.0))
            for y in np.flatnonzero(rd.grp == dst).tolist():
                if y != x and y not in movers:
                    changed.append((gx, int(rd.ids[y]), 1.0))
        for s, other in enumerate(self.rounds):
            w = self.pair_w[r, s]
            if s == r or not w:
                continue
            pos = self.pos[s]
            for gx, gy, sign in changed:
                x, y = pos[gx], pos[gy]
                if x < 0 or y < 0:
                    continue
                dv = sign * w
                other.C[x, y] += dv
                other.C[y, x] += dv
                other.D[x, other.grp[y]] += dv
                other.D[y, other.grp[x]] += dv

    def _shaken(self, start: list[np.ndarray]) -> list[np.ndarray]:
        """``start`` with a few random same-class swaps in every round."""
        out = []
        for rd, grp in zip(self.rounds, start, strict=True):
            grp = grp.copy()
            n = len(grp)
            for _ in range(max(2, int(n * SHAKE))):
                i = self.rng.randrange(n)
                same = np.flatnonzero((rd.cls == rd.cls[i]) & (grp != grp[i]))
                if len(same):
                    k = int(same[self.rng.randrange(len(same))])
                    grp[i], grp[k] = grp[k], grp[i]
            out.append(grp)
        return out


def _counts(roster: Sequence[Participant]) -> dict[Hashable, int]:
    counts: dict[Hashable, int] = {}
    for p in roster:
        counts[spread_class(p)] = counts.get(spread_class(p), 0) + 1
    return counts


#: Starting rounds found so far, by (points, groups, per group, rounds): a design is found once per process.
_DESIGNS: dict[tuple[int, int, int, int], list[list[list[int]]] | None] = {}
#: Proposals per restart of the starting-round search (a fresh random start escapes a dead end sooner).
RESTART_STEPS = 3000


def cyclic_schedule(
    points: int, g: int, per_group: int, rounds: int, deadline: float, rng: random.Random
) -> list[list[list[int]]] | None:
    """``rounds`` rounds of ``g`` groups of ``per_group`` over ``points`` points with no pair twice, or None.

    Points are Z_m x {rows} plus f fixed points (m >= rounds, f <= g, points = rows * m + f); point
    ``row * m + x`` is (row, x) and the last f are fixed. Round t shifts every (row, x) to
    (row, x + t mod m) and keeps the fixed points in their group, so only the starting round is searched:
    by annealing on the number of pairs the development repeats, with random restarts, until none does
    (for 24 points in 6 groups of 4 over 7 rounds, m = 7 with 3 fixed points: about 3 found per second).
    """
    key = (points, g, per_group, rounds)
    if key in _DESIGNS:
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
    while time.monotonic() < deadline:
        for f, m in tried:
            restart_by = min(deadline, time.monotonic() + 0.1)
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
    """One annealing run for a starting round whose development repeats no pair; None if out of steps."""
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
        if not step & 255 and time.monotonic() > deadline:
            return None
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
