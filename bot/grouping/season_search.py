"""The season search behind :func:`.season.plan_season`: tabu search over every round at once, in numpy.

Kept apart from :mod:`.season` so that numpy is imported only when a season is searched: ``copbot --help``,
``copbot check`` and a ``copbot groups plan`` that does not search a season never pay for it (issue 29).

Each iteration applies the best non-tabu swap (or move between a larger and a smaller group) over all
rounds, priced in O(1) from D_r[i][b], the cost of person i with group b of round r, all rounds in one
numpy pass over K x N x N. A swap in round r changes who meets whom there, which changes the price of
those pairs in every other round: O(group size x rounds) updates. Long runs without a new best restart
from the best season, shaken. Each start gets a short trial first (a start's own cost says little about
where the search can go from it), then the best is continued. The starts are the rounds planned one
after another by the single-meeting engine and, where it fits, a cyclic design (:mod:`.designs`).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Hashable

import numpy as np

from .cost import (
    EPS,
    FACILITATORS,
    HISTORY_FLOOR,
    HISTORY_WEIGHT,
    HISTORY_WINDOW,
    class_lower_bound,
    pair_slots,
    pairs,
    person_tags,
    spread_class,
    weights_for,
)
from .designs import led_design
from .feasibility import Resolved
from .history import History
from .model import Constraints, Participant
from .plan import plan_groups

#: Tabu tenure: a person may not return to a group of a round for this many iterations plus 0..g.
TENURE_MIN = 4
#: Iterations without a new best before restarting from the best season, shaken.
STALE_MIN, STALE_PER_SLOT = 300, 2
#: Share of the search time spent trying every start before continuing from the best.
TRIAL_SHARE = 0.4
#: Share of each round's people swapped (within their class) on a restart.
SHAKE = 0.1


def age_weight(age: int) -> float:
    """The cost of meeting again someone one met ``age`` meetings back (0 = the last); 0 beyond the window."""
    if age >= HISTORY_WINDOW:
        return 0.0
    return HISTORY_WEIGHT * (HISTORY_FLOOR + (1 - HISTORY_FLOOR) * 0.5**age)


class SeasonSearch:
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
        self.bound = sum(
            class_lower_bound(Counter(spread_class(p) for p in roster), len(caps[r]), w)
            for r, roster in enumerate(rounds)
        )
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
