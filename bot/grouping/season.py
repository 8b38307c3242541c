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

* Cyclic development (the classic construction of resolvable designs and round-robin rotations): when
  every round has the same people and one facilitator per group, the other members become the points
  Z_m x {rows} plus a few fixed points, and one starting round is searched (annealing with restarts on the
  number of repeated pairs) such that shifting it by 0, 1, …, K-1 (mod m, fixed points staying put) repeats
  no pair. For the golfer case this is a 6-4-7 schedule of the 24 members without any repeat (m = 7 with
  3 fixed points). The facilitators are then placed round by round so that each meets as many different
  members as the slots allow (:func:`place_leaders`); designs differ there, so designs are drawn until
  one reaches that floor (0.5 to 5 s for the golfer case; found once per process, then reused).
* The rounds planned one after another by the single-meeting engine, each from the rounds before it.
* Tabu search: each iteration applies the best non-tabu swap (or move between a larger and a smaller
  group) over all rounds, priced in O(1) from D_r[i][b], the cost of person i with group b of round r,
  all rounds in one numpy pass over K x N x N. A swap in round r changes who meets whom there, which
  changes the price of those pairs in every other round: O(group size x rounds) updates. Long runs
  without a new best restart from the best season, shaken. Each start gets a short trial first (a
  start's own cost says little about where the search can go from it), then the best is continued.

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
plans today with the one-meeting engine and passes the expected roster to its tie-break.

Meeting by meeting. ``/breakout plan`` plans one meeting at a time, with nothing stored but the history.
A season planned afresh at every meeting (:func:`plan_first_of_season`) does not add up to a good season:
each call sees a different picture of the later meetings, and at 1 s its first round is rarely as good
today as the meeting planned alone. So when the same people meet again in the cyclic shape, the meetings
follow one design (:func:`continued_design`): the design depends on the shape only (found step by step
from a fixed seed, so every process finds the same one, and the search resumes over calls until found),
and any first meeting is its round 0 up to relabelling, so the design is read back from the history.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Generator, Hashable, Sequence

import numpy as np

from .cost import (
    EPS,
    FACILITATORS,
    HISTORY_FLOOR,
    HISTORY_WEIGHT,
    HISTORY_WINDOW,
    ONE_PERSON,
    class_lower_bound,
    objective,
    pair_slots,
    pairs,
    person_tags,
    spread_class,
    weights_for,
)
from .feasibility import Resolved, resolve
from .history import History
from .model import Constraints, InfeasibleError, Participant, group_count_for, group_sizes
from .plan import FINISH_SHARE, Plan, _arrange, plan_groups
from .report import build_report

#: Rounds with more people than this are planned one after another (dense n x n tables per round).
DENSE_MAX = 160
#: Share of the budget for the one-round-after-another start.
SEED_SHARE = 0.1
#: Share of the budget (from the start of the call) by which the cyclic construction must be found.
CYCLIC_SHARE = 0.35
#: Tabu tenure: a person may not return to a group of a round for this many iterations plus 0..g.
TENURE_MIN = 4
#: Iterations without a new best before restarting from the best season, shaken.
STALE_MIN, STALE_PER_SLOT = 300, 2
#: Share of a meeting's budget for planning it on its own first (the season's plan must be as good today).
ALONE_SHARE = 0.4
#: Share of the search time spent trying every start before continuing from the best.
TRIAL_SHARE = 0.4
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

    season = _Season(rounds, caps_per_round, resolved, history, random.Random(seed))
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
) -> Plan:
    """Plan today's meeting as the first of ``rounds`` meetings, the later ones over ``expected``.

    Only today's plan is returned: the later rounds are the engine's picture of what comes next, so
    today's groups leave them room (see the module docstring); they are planned afresh when they come.
    When ``expected`` is not exactly today's people, that picture is a guess, and today is planned by the
    one-meeting engine with ``expected`` given to its saturation tie-break instead (module docstring,
    "Attendance that changes").
    Today comes first: the meeting is also planned on its own, and the season's first round is used only
    when it costs no more today (measured on the golfer case at 1 s a meeting, a season's first round
    alone was often dearer today, and 44 repeats over 7 meetings became 51).

    Except when the recent meetings had exactly today's people and follow a cyclic design
    (:func:`continued_design`): then today is the design's next round whenever that keeps facilitators
    and the role spread as good as planning today alone, even if today has a few more repeats. That is
    the season's trade (a slightly worse today for a much better season): on the golfer case, 24 repeats
    over 7 meetings ([0, 2, 2, 0, 4, 8, 8], the floor) against 44 to 46 without it.
    """
    later = [list(expected)] * max(0, rounds - 1)
    together = constraints is not None and any(a != b for a, b in constraints.keep_together)
    same_people = {p.id for p in today} == {p.id for p in expected}
    if not later or len(expected) < size or max(len(today), len(expected)) > DENSE_MAX or together or not same_people:
        # Nothing to plan ahead for, a roster the season search leaves to the one-meeting engine, or
        # attendance that changes: then the later rounds over the expected roster are a guess (who comes
        # is unknown), and the one-meeting engine, told who else is expected, does better (module
        # docstring, "Attendance that changes").
        return plan_groups(
            today,
            size=size,
            history=history,
            constraints=constraints,
            seed=seed,
            time_budget=time_budget,
            later=expected,
        )
    started = time.perf_counter()
    continued = continued_design(today, history, size, started + time_budget * DESIGN_SHARE)
    alone = plan_groups(
        today, size=size, history=history, constraints=constraints, seed=seed, time_budget=time_budget * ALONE_SHARE
    )
    if continued is not None:
        groups, from_start = continued
        apart = constraints.keep_apart if constraints is not None else ()
        where = {p.id: b for b, group in enumerate(groups) for p in group}
        follows = _planned(groups, history if history is not None else History())
        if (
            all(where.get(a) != where.get(b) or a not in where for a, b in apart)
            and _priority(groups) <= _priority(alone.groups)
            # Part way through a run of meetings the design ignores the run's earlier meetings: then only
            # when it is as good today.
            and (from_start or follows.report.objective <= alone.report.objective + EPS)
        ):
            return follows
    left = time_budget - (time.perf_counter() - started)
    if left <= 0.05:
        return alone
    season = plan_season(
        [list(today), *later], size=size, history=history, constraints=constraints, seed=seed, time_budget=left
    )[0]
    # Today's meeting first: the season's picture of later meetings only chooses among plans as good today.
    return season if season.report.objective <= alone.report.objective + EPS else alone


def _priority(groups: Sequence[Sequence[Participant]]) -> tuple[int, float]:
    """What comes before history, for comparing two plans of one meeting: facilitators sharing a group,
    then same-class pairs of the other classes (on the fixed :data:`cost.ONE_PERSON` scale)."""
    fac = 0
    rest = 0.0
    for group in groups:
        counts = _counts(group)
        for cls, k in counts.items():
            if cls == FACILITATORS:
                fac += pairs(k)
            else:
                rest += ONE_PERSON.of(cls) * pairs(k)
    return fac, rest


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


class _Season:
    """Every round's assignment over one index of people, and the tables that price swaps in O(1).

    Arrays are K x N (x N or x G+1): person i absent from round r sits in the dummy group G there, with
    zero costs, so every round is priced in the same numpy passes.
    """

    def __init__(
        self,
        rounds: list[list[Participant]],
        caps: list[list[int]],
        resolved: list[Resolved],
        history: History | None,
        rng: random.Random,
    ) -> None:
        self.rng = rng
        self.nprng = np.random.default_rng(rng.randrange(2**32))
        self.K = K = len(rounds)
        self.rosters = rounds
        self.caps = caps
        index: dict[Hashable, int] = {}
        for roster in rounds:
            for p in roster:
                index.setdefault(p.id, len(index))
        self.N = N = len(index)
        self.g = [len(c) for c in caps]
        self.G = G = max(self.g)
        self.local = [np.array([index[p.id] for p in roster], dtype=np.int64) for roster in rounds]
        self.present = np.zeros((K, N), dtype=bool)
        for r, ids in enumerate(self.local):
            self.present[r, ids] = True
        class_keys: dict[Hashable, int] = {}
        self.cls = np.zeros(N, dtype=np.int64)
        for roster in rounds:
            for p in roster:
                self.cls[index[p.id]] = class_keys.setdefault(spread_class(p), len(class_keys))
        self.facilitator_class = class_keys.get(FACILITATORS)
        self.pair_w = np.array([[age_weight(abs(t - s) - 1) if s != t else 0.0 for t in range(K)] for s in range(K)])
        past_tags = _past_tags(rounds, history)
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
        self.weights = w = weights_for(cap, sum(pair_slots(c) for c in caps))
        class_w = np.array([w.of(c) for c in class_keys])
        self.bound = sum(class_lower_bound(_counts(roster), len(caps[r]), w) for r, roster in enumerate(rounds))
        same = (self.cls[:, None] == self.cls[None, :]) * class_w[self.cls][:, None]
        base = np.zeros((K, N, N))
        for r, roster in enumerate(rounds):
            ids = self.local[r]
            base[r][np.ix_(ids, ids)] = same[np.ix_(ids, ids)]
            tags = [past_tags[r][p.id] for p in roster]
            for a in range(len(roster)):
                ta = tags[a]
                if not ta:
                    continue
                for b in range(a + 1, len(roster)):
                    v = sum(ta[t] for t in tags[b] if t in ta)
                    if v:
                        base[r, ids[a], ids[b]] += v
                        base[r, ids[b], ids[a]] += v
            for a, partners in enumerate(resolved[r].apart):
                for b in partners:
                    base[r, ids[a], ids[b]] += w.keep_apart
        idx = np.arange(N)
        base[:, idx, idx] = 0.0
        self.base = base
        self.valid = np.zeros((K, G + 1), dtype=bool)
        for r, g in enumerate(self.g):
            self.valid[r, :g] = True
        self.grp = np.full((K, N), G, dtype=np.int64)
        self.C = base.copy()
        self.D = np.zeros((K, N, G + 1))
        self.sizes = np.zeros((K, G + 1), dtype=np.int64)
        self.tabu = np.zeros((K, N, G + 1), dtype=np.int64)
        self.best: list[np.ndarray] = []
        self.best_total = float("inf")
        self.total = 0.0

    # ------------------------------------------------------------------ state

    def load(self, assignment: np.ndarray) -> None:
        """Set every round's groups (K x N, dummy group G for absent people) and rebuild C and D."""
        K, N, G = self.K, self.N, self.G
        self.grp = assignment.copy()
        together = (self.grp[:, :, None] == self.grp[:, None, :]) & self.present[:, :, None] & self.present[:, None, :]
        idx = np.arange(N)
        together[:, idx, idx] = False
        T = together.astype(float)
        self.C = self.base + np.einsum("rs,sxy->rxy", self.pair_w, T)
        onehot = np.zeros((K, N, G + 1))
        onehot[np.arange(K)[:, None], idx[None, :], self.grp] = 1.0
        self.D = self.C @ onehot
        self.sizes = onehot[:, :, :].sum(axis=1).astype(np.int64) * self.valid
        self.tabu[:] = 0
        a = 0.5 * float((self.C * T).sum())
        b = 0.5 * float((self.base * T).sum())
        self.total = (a + b) / 2

    # ------------------------------------------------------------------ seeds

    def _empty(self) -> np.ndarray:
        return np.full((self.K, self.N), self.G, dtype=np.int64)

    def dealt(self) -> np.ndarray:
        """Every round dealt class by class round the groups (facilitators first): even role spread."""
        out = self._empty()
        for r, ids in enumerate(self.local):
            by_class: dict[int, list[int]] = {}
            for i in ids.tolist():
                by_class.setdefault(int(self.cls[i]), []).append(i)
            order = list(by_class)
            self.rng.shuffle(order)
            order.sort(key=lambda c: (c != self.facilitator_class, -len(by_class[c])))
            g = self.g[r]
            room = list(self.caps[r])
            pointer = self.rng.randrange(g)
            for c in order:
                members = by_class[c]
                self.rng.shuffle(members)
                for i in members:
                    while room[pointer % g] == 0:
                        pointer += 1
                    b = pointer % g
                    out[r, i] = b
                    room[b] -= 1
                    pointer = b + 1
        return out

    def sequential(self, history: History | None, constraints: Constraints | None, seconds: float) -> np.ndarray:
        """Each round planned by the single-meeting engine from the rounds before it (short searches)."""
        out = self._empty()
        past = history if history is not None else History()
        for r, roster in enumerate(self.rosters):
            plan = plan_groups(
                roster,
                group_count=self.g[r],
                history=past,
                constraints=constraints,
                seed=self.rng.randrange(2**31),
                time_budget=seconds / self.K,
            )
            for b, group in enumerate(plan.groups):
                for p in group:
                    out[r, self.local[r][roster.index(p)]] = b
            past = past.extended([[p.id for p in g] for g in plan.groups])
        return out

    def cyclic(self, deadline: float) -> np.ndarray | None:
        """A cyclic development of the non-facilitators when every round has the same people and groups
        of one size with one facilitator each (see the module docstring), or None."""
        if not self.present.all() or len({c for caps in self.caps for c in caps}) != 1 or len(set(self.g)) != 1:
            return None
        g, size = self.g[0], self.caps[0][0]
        fac = [i for i in range(self.N) if self.cls[i] == self.facilitator_class]
        if len(fac) not in (0, g):
            return None
        members = [i for i in range(self.N) if self.cls[i] != self.facilitator_class]
        found = led_design(len(members), g, size - (1 if fac else 0), self.K, len(fac), deadline, self.rng)
        if found is None:
            return None
        design, leaders = found
        # Members of one class on consecutive points, so the rows (orbits) carry the classes.
        order = sorted(members, key=lambda i: (int(self.cls[i]), self.rng.random()))
        out = self._empty()
        for r in range(self.K):
            for b, group in enumerate(design[r]):
                for point in group:
                    out[r, order[point]] = b
            for f, b in zip(fac, leaders[r], strict=False):
                out[r, f] = b
        return out

    # ------------------------------------------------------------------ search

    def search(self, starts: list[np.ndarray], deadline: float) -> None:
        """Tabu search from every start for a short trial, then from the best season found until the bound
        or the deadline; the best is left in ``best``.

        A start's own cost says little about where the search can go from it: the cyclic design, whose
        facilitators are placed at random, starts dearer than rounds planned one by one but leads to the
        floor, while those rounds are a deep local optimum. So each start gets a trial.
        """
        found: list[tuple[float, np.ndarray]] = []
        trial = (deadline - time.perf_counter()) * TRIAL_SHARE / max(1, len(starts))
        for start in starts:
            self.load(start)
            self.best_total, self.best = self.total, [start.copy()]
            self._tabu(min(deadline, time.perf_counter() + trial))
            found.append((self.best_total, self.best[0]))
        _total, best = min(found, key=lambda f: f[0])
        self.load(best)
        self.best_total, self.best = self.total, [best.copy()]
        self._tabu(deadline)

    def _tabu(self, deadline: float) -> None:
        K, N, G = self.K, self.N, self.G
        it = stale = 0
        stale_limit = max(STALE_MIN, STALE_PER_SLOT * int(self.present.sum()))
        both = self.present[:, :, None] & self.present[:, None, :]
        uneven = [r for r in range(K) if len(set(self.caps[r])) > 1]
        np.arange(K)[:, None]
        best_grp = self.best[0].copy()
        while self.best_total > self.bound + EPS and time.perf_counter() < deadline:
            it += 1
            aspire = self.best_total - self.total - 1e-9
            grp, D, C = self.grp, self.D, self.C
            own = np.take_along_axis(D, grp[:, :, None], axis=2)[:, :, 0]
            X = np.take_along_axis(D, np.broadcast_to(grp[:, None, :], (K, N, N)), axis=2)
            delta = X + X.transpose(0, 2, 1) - own[:, :, None] - own[:, None, :] - 2 * C
            T = np.take_along_axis(self.tabu, np.broadcast_to(grp[:, None, :], (K, N, N)), axis=2) > it
            blocked = ~both | (grp[:, :, None] == grp[:, None, :]) | ((T | T.transpose(0, 2, 1)) & (delta >= aspire))
            noisy = np.where(blocked, np.inf, delta + self.nprng.random((K, N, N)) * 1e-7)
            k = int(np.argmin(noisy))
            best_d = float(noisy.flat[k])
            r, rest = divmod(k, N * N)
            move = (r, rest // N, rest % N, -1)
            for r2 in uneven:
                sizes = self.sizes[r2]
                hi, lo = sizes[self.valid[r2]].max(), sizes[self.valid[r2]].min()
                mv = D[r2] - own[r2][:, None]
                ok = (
                    self.present[r2][:, None]
                    & (sizes[grp[r2]] == hi)[:, None]
                    & ((sizes == lo) & self.valid[r2])[None, :]
                )
                ok &= ~((self.tabu[r2] > it) & (mv >= aspire))
                mv = np.where(ok, mv + self.nprng.random(mv.shape) * 1e-7, np.inf)
                k2 = int(np.argmin(mv))
                if float(mv.flat[k2]) < best_d:
                    best_d, move = float(mv.flat[k2]), (r2, k2 // (G + 1), -1, k2 % (G + 1))
            if best_d == np.inf:
                break
            r, i, j, b = move
            a = int(grp[r, i])
            if j >= 0:
                bj = int(grp[r, j])
                exact = D[r, i, bj] - D[r, i, a] + D[r, j, a] - D[r, j, bj] - 2 * C[r, i, j]
            else:
                exact = D[r, i, b] - D[r, i, a]
            self._apply(r, i, j, b, it)
            self.total += float(exact)
            if self.total < self.best_total - 1e-9:
                self.best_total, best_grp, stale = self.total, self.grp.copy(), 0
            else:
                stale += 1
                if stale >= stale_limit:
                    stale = 0
                    self.load(self._shaken(best_grp))
            if not it % 1000:
                # Keep the running total honest: the keep-apart penalty is huge next to history terms.
                self.load(self.grp)
        self.load(best_grp)
        self.best_total = self.total
        self.best = [best_grp]

    def _apply(self, r: int, i: int, j: int, b: int, it: int) -> None:
        """Swap i and j in round r (or, with j < 0, move i to group b) and update every table."""
        grp, D, C = self.grp, self.D, self.C
        a = int(grp[r, i])
        tenure = TENURE_MIN + self.rng.randrange(self.g[r] + 1)
        moves = [(i, a, int(grp[r, j]))] if j >= 0 else [(i, a, b)]
        if j >= 0:
            moves.append((j, int(grp[r, j]), a))
        for x, src, dst in moves:
            D[r, :, src] -= C[r, :, x]
            D[r, :, dst] += C[r, :, x]
            grp[r, x] = dst
            self.sizes[r, src] -= 1
            self.sizes[r, dst] += 1
            self.tabu[r, x, src] = it + tenure
        movers = {x for x, _, _ in moves}
        weights = self.pair_w[r]
        ks = np.arange(self.K)
        row = grp[r]
        for x, src, dst in moves:
            for y in np.flatnonzero(row == src).tolist():
                if y not in movers:
                    self._pair_changed(x, y, -weights, ks)
            for y in np.flatnonzero(row == dst).tolist():
                if y != x and y not in movers:
                    self._pair_changed(x, y, weights, ks)

    def _pair_changed(self, x: int, y: int, dw: np.ndarray, ks: np.ndarray) -> None:
        """x and y started (dw > 0) or stopped meeting in one round: reprice them in every other round."""
        dv = dw * (self.present[:, x] & self.present[:, y])
        self.C[:, x, y] += dv
        self.C[:, y, x] += dv
        self.D[ks, x, self.grp[:, y]] += dv
        self.D[ks, y, self.grp[:, x]] += dv

    def _shaken(self, start: np.ndarray) -> np.ndarray:
        """``start`` with a few random same-class swaps in every round."""
        out = start.copy()
        for r, ids in enumerate(self.local):
            for _ in range(max(2, int(len(ids) * SHAKE))):
                i = int(ids[self.rng.randrange(len(ids))])
                same = np.flatnonzero((self.cls == self.cls[i]) & self.present[r] & (out[r] != out[r, i]))
                if len(same):
                    k = int(same[self.rng.randrange(len(same))])
                    out[r, i], out[r, k] = out[r, k], out[r, i]
        return out


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


def _counts(roster: Sequence[Participant]) -> dict[Hashable, int]:
    counts: dict[Hashable, int] = {}
    for p in roster:
        counts[spread_class(p)] = counts.get(spread_class(p), 0) + 1
    return counts


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


# ---------------------------------------------------------------------- continuing a design, meeting by meeting

#: Seed of the design search behind :func:`continued_design`: fixed, so every process finds the same design.
DESIGN_SEED = 19
#: Share of a meeting's budget spent on that search while its design is not found yet.
DESIGN_SHARE = 0.45
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


def continued_design(
    today: Sequence[Participant], history: History | None, size: int, deadline: float
) -> tuple[list[list[Participant]], bool] | None:
    """Today's groups as the next round of a cyclic design the recent meetings follow, or None.

    Why: planning each meeting alone (or as the first of a season planned afresh each time) spends the
    new faces early; following one season design meeting after meeting reaches the season's floor. This
    needs no stored state: the design is a function of the shape only (:func:`known_design`), and any
    meeting of the same people, one facilitator a group, is its round 0 up to relabelling. So the last t
    meetings with exactly today's people are matched against rounds 0..t-1, the relabelling read off the
    oldest of them (groups by their facilitator, members in id order), and today is round t.

    Applies when today's people fill equal groups with one facilitator each (the cyclic shape). Returns
    the groups and whether the design started with the first of the meetings with today's people (rather
    than part way through them, when it ignores the earlier ones and must be checked against planning
    today alone).
    """
    people = list(today)
    g = group_count_for(len(people), size=size)
    caps = group_sizes(len(people), g)
    fac = sorted((p for p in people if spread_class(p) == FACILITATORS), key=lambda p: str(p.id))
    if len(set(caps)) != 1 or len(fac) != g or caps[0] < 3:
        return None
    per_group = caps[0] - 1
    points = g * per_group
    rounds = (points - 1) // (per_group - 1)
    # Searched for even before there is a meeting to continue, so that it is ready when there is one.
    found = known_design(points, g, per_group, rounds, g, deadline)
    if found is None or history is None:
        return None
    ids = {p.id for p in people}
    past = history.meetings()
    run = 0
    while run < len(past) and {i for group in past[-1 - run] for i in group} == ids:
        run += 1
    design, leaders = found
    by_id = {p.id: p for p in people}
    fac_index = {p.id: f for f, p in enumerate(fac)}
    for t in range(min(run, rounds - 1), 0, -1):
        member_point = _relabel(past[-t], design[0], leaders[0], fac_index)
        if member_point is None:
            continue
        rounds_as_sets = [_round_sets(design[r], leaders[r], member_point, fac) for r in range(t + 1)]
        if all(_as_sets(past[-t + k]) == rounds_as_sets[k] for k in range(1, t)):
            groups = [[by_id[i] for i in sorted(group, key=str)] for group in _round_lists(rounds_as_sets[t])]
            return groups, t == run
    return None


def _relabel(
    anchor: list[list[Hashable]], first: list[list[int]], leader_groups: list[int], fac_index: dict[Hashable, int]
) -> dict[Hashable, int] | None:
    """Members of ``anchor`` mapped to design points so that ``anchor`` is the design's round 0: each group
    goes to the design group of its facilitator there, its members to that group's points in id order."""
    member_point: dict[Hashable, int] = {}
    for group in anchor:
        leads = [i for i in group if i in fac_index]
        members = sorted((i for i in group if i not in fac_index), key=str)
        if len(leads) != 1:
            return None
        points = sorted(first[leader_groups[fac_index[leads[0]]]])
        if len(points) != len(members):
            return None
        member_point.update(zip(members, points, strict=True))
    return member_point


def _round_sets(
    groups: list[list[int]], leader_groups: list[int], member_point: dict[Hashable, int], fac: list[Participant]
) -> set[frozenset[Hashable]]:
    """One design round in people's ids, as a set of groups."""
    point_member = {pt: i for i, pt in member_point.items()}
    out = [[point_member[pt] for pt in group] for group in groups]
    for f, b in enumerate(leader_groups):
        out[b].append(fac[f].id)
    return {frozenset(group) for group in out}


def _as_sets(meeting: list[list[Hashable]]) -> set[frozenset[Hashable]]:
    return {frozenset(group) for group in meeting}


def _round_lists(groups: set[frozenset[Hashable]]) -> list[list[Hashable]]:
    """Groups in a stable order (by their smallest id as text)."""
    return sorted((sorted(group, key=str) for group in groups), key=lambda grp: str(grp[0]))
