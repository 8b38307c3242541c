"""The search: an even-spread construction, then swap/move local search with O(group size) deltas.

State is per group (class counts, a {past-group tag: count} map, members) and per person (group, tags), so
evaluating "swap i and j" costs a few dict look-ups per past meeting of i and j, never a pass over n.

Construction deals people class by class around the groups like cards. Consecutive people of one class
then land in consecutive groups, so every class is at its even spread and facilitators come first, one
per group: the class part of the cost starts at its lower bound. The search then descends by swapping
people of the same class (which keeps every class count, so the role part stays optimal), focused on
people who sit with someone they met before; on large rosters that alone reaches the lower bound. When
it does not: rosters of up to TINY_MAX people are solved exactly by trying every plan; rosters of up to
DENSE_MAX people get a tabu search over every swap and move with O(1)
deltas from a dense n×n cost matrix (small enough there, and far stronger than random proposals);
larger ones, or any with keep-together groups, get a general descent and then annealing cycles that
restart from the best plan so far. Keep-apart pairs are a huge penalty during search; a plan still
paying it is refused.

The search is bounded by the clock: a deadline on ``time.perf_counter()``, checked every few hundred
proposals (every few tabu iterations), and the best plan so far is returned when it passes. A step count
calibrated on one machine overran on a slower or busier one (a "1 s" plan took 1.2 to 2.2 s); the clock
cannot. The price is that a search that runs to its deadline may end on another plan on another machine;
a search that reaches the lower bound stops there and is the same everywhere for a given seed.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Hashable, Sequence

from .model import InfeasibleError, people

#: Annealing: starting and final temperature, and proposals per cycle per person (at least CYCLE_MIN).
T_START, T_END, CYCLE_PER_PERSON, CYCLE_MIN = 2.0, 0.05, 60, 4000
#: Rosters up to this size are solved exactly by trying every plan (at most a few thousand).
TINY_MAX = 9
#: Rosters up to this size use tabu search on a dense n×n cost matrix (memory n², so only when small).
DENSE_MAX = 160
#: Tabu tenure: a person may not return to a group for this many iterations plus a random 0..g.
TENURE_MIN = 3
#: Tabu iterations without a new best before restarting from the best plan, shaken.
STALE_MIN, STALE_PER_PERSON = 200, 8
#: Share of people swapped (within their class) when the tabu search restarts from its best plan.
SHAKE = 0.125


class Search:
    """One plan being improved. People and groups are indices; classes are small ints."""

    def __init__(
        self,
        *,
        classes: Sequence[int],
        class_weights: Sequence[float],
        tags: Sequence[dict[int, float]],
        apart: Sequence[tuple[int, ...]],
        units: Sequence[tuple[int, ...]],
        caps: Sequence[int],
        ids: Sequence[Hashable],
        rng: random.Random,
        penalty: float,
    ) -> None:
        self.n = n = len(classes)
        self.g = g = len(caps)
        self.cls = list(classes)
        self.W = list(class_weights)
        self.tags = list(tags)
        self.tag_items = [tuple(t.items()) for t in tags]
        self.tag_weight: dict[int, float] = {}
        for t in tags:
            self.tag_weight.update(t)
        self.apart = list(apart)
        empty: frozenset[int] = frozenset()
        self.apart_set = [frozenset(a) if a else empty for a in apart]
        self.units = list(units)
        self.unit_of = [0] * n
        for u, unit in enumerate(units):
            for i in unit:
                self.unit_of[i] = u
        self.unit_size = [len(u) for u in units]
        self.caps = list(caps)
        self.lo, self.hi = min(caps), max(caps)
        self.ids = ids
        self.rng = rng
        #: Cost of a keep-apart pair sharing a group: above any plan's real cost (``Weights.keep_apart``).
        self.penalty = penalty
        self.grp = [-1] * n
        self.members: list[list[int]] = [[] for _ in range(g)]
        self.cnt = [[0] * len(class_weights) for _ in range(g)]
        self.tc: list[dict[int, int]] = [{} for _ in range(g)]
        self.size = [0] * g
        self.hot: list[int] = []
        self.hot_pos = [-1] * n
        self.total = 0.0
        self.steps = 0

    # ----------------------------------------------------------------- state changes

    def _add(self, i: int, b: int) -> None:
        self.grp[i] = b
        self.members[b].append(i)
        self.cnt[b][self.cls[i]] += 1
        self.size[b] += 1
        tc = self.tc[b]
        for t in self.tags[i]:
            tc[t] = tc.get(t, 0) + 1

    def _remove(self, i: int) -> None:
        a = self.grp[i]
        self.members[a].remove(i)
        self.cnt[a][self.cls[i]] -= 1
        self.size[a] -= 1
        tc = self.tc[a]
        for t in self.tags[i]:
            k = tc[t] - 1
            if k:
                tc[t] = k
            else:
                del tc[t]

    def load(self, assignment: Sequence[int]) -> None:
        """Replace the state by ``assignment`` (person -> group) and recompute everything from scratch."""
        self.grp = [-1] * self.n
        self.members = [[] for _ in range(self.g)]
        self.cnt = [[0] * len(self.W) for _ in range(self.g)]
        self.tc = [{} for _ in range(self.g)]
        self.size = [0] * self.g
        for i, b in enumerate(assignment):
            self._add(i, b)
        self.total = self.recompute()
        self.hot = []
        self.hot_pos = [-1] * self.n
        for b in range(self.g):
            self._refresh(b)

    def recompute(self) -> float:
        """The cost of the current state from scratch (penalties included)."""
        total = 0.0
        for b in range(self.g):
            for c, k in enumerate(self.cnt[b]):
                total += self.W[c] * (k * (k - 1) // 2)
            for t, k in self.tc[b].items():
                total += self.tag_weight[t] * (k * (k - 1) // 2)
        return total + self.penalty * len(self.violations())

    def violations(self) -> list[tuple[int, int]]:
        """Keep-apart pairs currently sharing a group."""
        return [(i, j) for i in range(self.n) for j in self.apart[i] if i < j and self.grp[i] == self.grp[j]]

    def _own_cost(self, i: int) -> float:
        """History and keep-apart cost of i in its own group (the part a same-class swap can fix)."""
        b = self.grp[i]
        tc = self.tc[b]
        v = 0.0
        for t, w in self.tag_items[i]:
            k = tc[t] - 1
            if k:
                v += w * k
        for j in self.apart[i]:
            if self.grp[j] == b:
                v += self.penalty
        return v

    def _refresh(self, b: int) -> None:
        """Update the hot list (people with a fixable cost) for the members of group b."""
        hot, pos = self.hot, self.hot_pos
        for i in self.members[b]:
            is_hot = self._own_cost(i) > 0
            if is_hot and pos[i] < 0:
                pos[i] = len(hot)
                hot.append(i)
            elif not is_hot and pos[i] >= 0:
                last = hot.pop()
                if last != i:
                    hot[pos[i]] = last
                    pos[last] = pos[i]
                pos[i] = -1

    # ----------------------------------------------------------------- construction

    def construct(self, facilitator_class: int | None) -> None:
        """Deal units into groups: keep-together units first, then class by class round the table."""
        rng, g = self.rng, self.g
        room = list(self.caps)
        assignment = [-1] * self.n
        big = sorted((u for u in self.units if len(u) > 1), key=len, reverse=True)
        for index, unit in enumerate(big):
            options = [b for b in range(g) if room[b] >= len(unit)]
            if not options:
                # The greedy deal painted itself into a corner; an exact packing may still exist.
                packing = _exact_packing([len(u) for u in big], list(self.caps))
                if packing is None:
                    raise InfeasibleError(
                        "The {k} who must be kept together with {0} do not fit into any group once the other "
                        "keep-together groups are placed, with groups of {sizes}.",
                        self.ids[unit[0]],
                        k=people(len(unit)),
                        sizes=" or ".join(str(s) for s in sorted(set(self.caps))),
                    )
                room = list(self.caps)
                for placed in big[:index]:
                    for i in placed:
                        assignment[i] = -1
                for placed, b in zip(big, packing, strict=True):
                    for i in placed:
                        assignment[i] = b
                    room[b] -= len(placed)
                break
            best = min(options, key=lambda b: (self._conflicts(unit, b, assignment), -room[b], b))
            for i in unit:
                assignment[i] = best
            room[best] -= len(unit)

        by_class: dict[int, list[int]] = {}
        for u in self.units:
            if len(u) == 1:
                by_class.setdefault(self.cls[u[0]], []).append(u[0])
        order = list(by_class)
        rng.shuffle(order)
        order.sort(key=lambda c: (c != facilitator_class, -len(by_class[c])))
        pointer = 0
        for c in order:
            group_members = by_class[c]
            rng.shuffle(group_members)
            for i in group_members:
                chosen = first = -1
                for step in range(g):
                    b = (pointer + step) % g
                    if room[b] > 0:
                        if first < 0:
                            first = b
                        if not self._conflicts((i,), b, assignment):
                            chosen = b
                            break
                if chosen < 0:
                    chosen = first
                assignment[i] = chosen
                room[chosen] -= 1
                pointer = chosen + 1
        self.load(assignment)

    def _conflicts(self, unit: Sequence[int], b: int, assignment: Sequence[int]) -> int:
        return sum(1 for i in unit for j in self.apart[i] if assignment[j] == b)

    # ----------------------------------------------------------------- evaluation

    def _cost_with(self, i: int, b: int) -> float:
        """Cost of i's pairs with the current members of group b other than i."""
        own = 1 if self.grp[i] == b else 0
        c = self.cls[i]
        v = self.W[c] * (self.cnt[b][c] - own)
        tc = self.tc[b]
        for t, w in self.tag_items[i]:
            k = tc.get(t, 0) - own
            if k:
                v += w * k
        for j in self.apart[i]:
            if self.grp[j] == b:
                v += self.penalty
        return v

    def _pair(self, i: int, j: int) -> float:
        v = self.W[self.cls[i]] if self.cls[i] == self.cls[j] else 0.0
        ti, tj = self.tags[i], self.tags[j]
        if len(ti) > len(tj):
            ti, tj = tj, ti
        for t, w in ti.items():
            if t in tj:
                v += w
        if j in self.apart_set[i]:
            v += self.penalty
        return v

    def exchange_delta(self, A: Sequence[int], a: int, B: Sequence[int], b: int) -> float:
        """Change in cost if the people A (in group a) and B (in group b) trade groups.

        Derived from per-person costs: pairs inside A or inside B move together and cancel out, while the
        per-person sums count A×B pairs that are never together, hence the correction terms.
        """
        d = 0.0
        for i in A:
            d += self._cost_with(i, b) - self._cost_with(i, a)
        for j in B:
            d += self._cost_with(j, a) - self._cost_with(j, b)
        for x in range(len(A)):
            for y in range(x + 1, len(A)):
                d += 2 * self._pair(A[x], A[y])
        for x in range(len(B)):
            for y in range(x + 1, len(B)):
                d += 2 * self._pair(B[x], B[y])
        for i in A:
            for j in B:
                d -= 2 * self._pair(i, j)
        return d

    def apply(self, A: Sequence[int], a: int, B: Sequence[int], b: int, delta: float) -> None:
        for i in A:
            self._remove(i)
        for j in B:
            self._remove(j)
        for i in A:
            self._add(i, b)
        for j in B:
            self._add(j, a)
        self.total += delta
        self._refresh(a)
        self._refresh(b)

    def _fill(self, b: int, k: int, exclude_unit: int) -> list[int] | None:
        """Whole units of group b totalling exactly k people, picked at random, or None."""
        seen: set[int] = set()
        units = []
        for j in self.members[b]:
            u = self.unit_of[j]
            if u not in seen and u != exclude_unit:
                seen.add(u)
                units.append(u)
        self.rng.shuffle(units)
        # Random order first, so every combination of units can be drawn; largest first as a fallback.
        for order in (units, sorted(units, key=lambda u: -self.unit_size[u])):
            chosen: list[int] = []
            left = k
            for u in order:
                if self.unit_size[u] <= left:
                    chosen.extend(self.units[u])
                    left -= self.unit_size[u]
                    if not left:
                        return chosen
        return None

    # ----------------------------------------------------------------- search

    def run(self, deadline: float, target: float) -> list[int]:
        """Improve the plan until ``target`` is reached or ``deadline`` (``time.perf_counter``) passes.

        Returns the best assignment found."""
        best_total = self.total
        best = list(self.grp)
        if self.g < 2 or best_total <= target + 1e-6:
            return best
        n = self.n
        if n <= TINY_MAX:
            return self._exhaustive()
        dense = n <= DENSE_MAX and all(size == 1 for size in self.unit_size)
        # Small rosters save their budget for the tabu search, which does the real work there.
        stall_limit = 300 if dense else max(2000, 20 * n)
        # Phase 1: descent by swaps within a class only. They keep every class count, so the even spread
        # built above stays optimal while history conflicts are repaired; on large rosters this alone
        # usually reaches the lower bound.
        done = self._anneal(stall_limit * 4, 0.0, 0.0, deadline, target, stall_limit, True)
        # Phase 1b: descent by any swap or move, trading spread against history where that pays.
        if not done and not dense:
            done = self._anneal(stall_limit * 4, 0.0, 0.0, deadline, target, stall_limit)
        best_total, best = self.total, list(self.grp)
        if done or time.perf_counter() > deadline:
            return best
        if dense:
            # Small rosters: tabu search over all swaps with O(1) deltas from a dense cost matrix.
            return self._tabu(best, deadline, target)
        # Phase 2: annealing cycles, each restarting from the best plan so far.
        cycle = max(CYCLE_MIN, CYCLE_PER_PERSON * n)
        while not done:
            self._anneal(cycle, T_START, T_END, deadline, target, 0)
            if self._best_total < best_total - 1e-9:
                best_total, best = self._best_total, self._best
            done = best_total <= target + 1e-6 or time.perf_counter() > deadline
            self.load(best)
        return best

    def _exhaustive(self) -> list[int]:
        """Every plan of a tiny roster, up to the order of the groups; a random one of the cheapest.

        Local search can be trapped there: with keep-together units and keep-apart pairs, the only good
        plans may be several moves away, each through a forbidden one. Units are placed in turn into an
        open group or the next empty one (so each partition is seen once), within the largest group size;
        a partition whose sizes match the groups' is mapped onto them and costed from scratch.
        """
        units = sorted(self.units, key=len, reverse=True)
        g, hi = self.g, self.hi
        target = sorted(self.caps)
        blocks: list[list[int]] = []
        best_total, best = math.inf, []

        def place(k: int) -> None:
            nonlocal best_total, best
            if k == len(units):
                if len(blocks) != g or sorted(len(b) for b in blocks) != target:
                    return
                free = sorted(range(g), key=lambda b: self.caps[b])
                assignment = [-1] * self.n
                for block in sorted(blocks, key=len):
                    group = free.pop(0)
                    for i in block:
                        assignment[i] = group
                self.load(assignment)
                if self.total < best_total - 1e-9:
                    best_total, best = self.total, [assignment]
                elif self.total < best_total + 1e-9:
                    best.append(assignment)
                return
            unit = units[k]
            for b in range(len(blocks) + (1 if len(blocks) < g else 0)):
                if b == len(blocks):
                    if len(unit) > hi:
                        continue
                    blocks.append(list(unit))
                    place(k + 1)
                    blocks.pop()
                elif len(blocks[b]) + len(unit) <= hi:
                    blocks[b].extend(unit)
                    place(k + 1)
                    del blocks[b][-len(unit) :]

        place(0)
        if not best:
            return list(self.grp)
        return best[self.rng.randrange(len(best))]

    def _anneal(
        self,
        steps: int,
        t_start: float,
        t_end: float,
        deadline: float,
        target: float,
        stall: int,
        same_class: bool = False,
    ) -> bool:
        """Run ``steps`` proposals cooling from t_start to t_end (0 = descent). Return True when finished early.

        ``stall`` > 0 ends a descent after that many proposals without improvement; ``same_class`` only
        proposes swaps of two single people of the same class. The best state seen is left in
        ``_best``/``_best_total``.
        """
        rng = self.rng
        rnd = rng.random
        n, g = self.n, self.g
        grp, members, cnt, tc, size = self.grp, self.members, self.cnt, self.tc, self.size
        cls, W, tag_items, tags = self.cls, self.W, self.tag_items, self.tags
        apart, unit_of, unit_size = self.apart, self.unit_of, self.unit_size
        hot = self.hot
        penalty = self.penalty
        self._best_total = self.total
        self._best = list(grp)
        since_improvement = 0
        cool = (t_end / t_start) ** (1.0 / max(1, steps)) if t_start > 0 else 1.0
        temperature = t_start
        can_move = self.hi > self.lo
        for step in range(steps):
            if not step & 127 and step and time.perf_counter() > deadline:
                self.steps += step
                return True
            temperature *= cool
            i = hot[int(rnd() * len(hot))] if hot and rnd() < 0.6 else int(rnd() * n)
            a = grp[i]
            b = int(rnd() * (g - 1))
            if b >= a:
                b += 1
            ci = cls[i]
            j = -1
            if same_class:
                if unit_size[unit_of[i]] > 1:
                    continue
                same = [x for x in members[b] if cls[x] == ci and unit_size[unit_of[x]] == 1]
                if not same:
                    since_improvement += 1
                    continue
                j = same[int(rnd() * len(same))]
                A, B = (i,), (j,)
                ta, tb = tc[a], tc[b]
                d = 0.0
                for t, w in tag_items[i]:
                    d += w * (tb.get(t, 0) - ta[t] + 1)
                tj = tags[j]
                for t, w in tag_items[j]:
                    d += w * (ta.get(t, 0) - tb[t] + 1)
                for t, w in tag_items[i]:
                    if t in tj:
                        d -= 2 * w
                if apart[i] or apart[j]:
                    d = self.exchange_delta(A, a, B, b)
            elif unit_size[unit_of[i]] == 1:
                mb = members[b]
                if can_move and size[a] > size[b] and rnd() < 0.25:
                    A: Sequence[int] = (i,)
                    B: Sequence[int] = ()
                    d = self.exchange_delta(A, a, B, b)
                else:
                    if rnd() < 0.5:
                        same = [x for x in mb if cls[x] == ci]
                        j = same[int(rnd() * len(same))] if same else mb[int(rnd() * len(mb))]
                    else:
                        j = mb[int(rnd() * len(mb))]
                    if unit_size[unit_of[j]] > 1:
                        fill = self._fill(a, unit_size[unit_of[j]], unit_of[j])
                        if fill is None:
                            continue
                        A, B = fill, self.units[unit_of[j]]
                        d = self.exchange_delta(A, a, B, b)
                    else:
                        A, B = (i,), (j,)
                        # Inline fast path of exchange_delta for two single people.
                        cj = cls[j]
                        if ci == cj:
                            d = 0.0
                        else:
                            ca, cb = cnt[a], cnt[b]
                            d = W[ci] * (cb[ci] - ca[ci] + 1) + W[cj] * (ca[cj] - cb[cj] + 1)
                        ta, tb = tc[a], tc[b]
                        for t, w in tag_items[i]:
                            d += w * (tb.get(t, 0) - ta[t] + 1)
                        tj = tags[j]
                        for t, w in tag_items[j]:
                            d += w * (ta.get(t, 0) - tb[t] + 1)
                        for t, w in tag_items[i]:
                            if t in tj:
                                d -= 2 * w
                        if apart[i] or apart[j]:
                            for x, y, src, dst in ((i, j, a, b), (j, i, b, a)):
                                for k in apart[x]:
                                    if k != y:
                                        gk = grp[k]
                                        if gk == dst:
                                            d += penalty
                                        elif gk == src:
                                            d -= penalty
            else:
                A = self.units[unit_of[i]]
                fill = self._fill(b, len(A), -1)
                if fill is None:
                    continue
                B = fill
                d = self.exchange_delta(A, a, B, b)
            if d <= 1e-9 or (temperature > 0 and rnd() < math.exp(-d / temperature)):
                self.apply(A, a, B, b, d)
                if self.total < self._best_total - 1e-9:
                    self._best_total = self.total
                    since_improvement = 0
                    if temperature > 0:
                        self._best = list(grp)
                    if self.total <= target + 1e-6:
                        # A running total of huge keep-apart terms can drift; trust only a fresh sum.
                        self.total = self.recompute()
                        self._best_total = self.total
                        if self.total <= target + 1e-6:
                            self._best = list(grp)
                            self.steps += step + 1
                            return True
                    continue
            since_improvement += 1
            if stall and since_improvement >= stall:
                self.steps += step + 1
                return False
        self.steps += steps
        return False

    def _tabu(self, start: list[int], deadline: float, target: float) -> list[int]:
        """Tabu search over every swap (and every move between a larger and a smaller group).

        Each iteration applies the best non-tabu exchange, even a worsening one, so the search walks out
        of local optima; a person may not go back to the group they just left for a few iterations unless
        that gives a new best plan. Long runs without a new best restart from the best plan, shaken.
        Deltas are O(1) from D[i][k] = cost of i with the members of group k, updated in O(n) per move.
        """
        n, g, rng = self.n, self.g, self.rng
        C = [[0.0] * n for _ in range(n)]
        for i in range(n):
            Ci = C[i]
            for j in range(i + 1, n):
                v = self._pair(i, j)
                if v:
                    Ci[j] = v
                    C[j][i] = v
        grp = list(start)
        size = [0] * g
        for b in grp:
            size[b] += 1
        lo, hi = self.lo, self.hi
        D = [[0.0] * g for _ in range(n)]
        for i in range(n):
            Di, Ci = D[i], C[i]
            for j in range(n):
                Di[grp[j]] += Ci[j]
        total = sum(D[i][grp[i]] for i in range(n)) / 2
        best_total, best = total, list(grp)
        tabu = [[0] * g for _ in range(n)]
        it = stale = 0
        stale_limit = max(STALE_MIN, STALE_PER_PERSON * n)
        people = range(n)
        while best_total > target + 1e-6:
            if not it & 3 and time.perf_counter() > deadline:
                break
            it += 1
            own = [D[k][grp[k]] for k in people]
            # Only exchanges involving someone who costs something where they are: swapping two people
            # who cost nothing gives d = D[i][b] + D[j][a] - 2*C[i][j] >= 0 (each D holds that pair's
            # C), so such swaps never improve, and leaving them out makes an iteration near a good plan
            # cost O(hot * n) instead of O(n²). This is the usual "conflicting vertices" rule of tabu
            # search for colouring.
            hot = [k for k in people if own[k] > 1e-12]
            is_hot = [False] * n
            for k in hot:
                is_hot[k] = True
            aspire = best_total - total - 1e-9
            bd = math.inf
            bh = -1.0  # among equal moves, prefer moving people who cost most where they are
            bi = bj = bb = -1
            ties = 0
            for i in hot:
                a = grp[i]
                Di, Ci, ti, oi = D[i], C[i], tabu[i], own[i]
                for j in people:
                    b = grp[j]
                    if b == a or (is_hot[j] and j < i):
                        continue
                    d = Di[b] - oi + D[j][a] - own[j] - 2 * Ci[j]
                    if d <= bd:
                        if (ti[b] > it or tabu[j][a] > it) and d >= aspire:
                            continue
                        heat = oi + own[j]
                        if d < bd - 1e-12 or heat > bh:
                            bd, bh, bi, bj, ties = d, heat, i, j, 1
                        elif heat == bh:
                            ties += 1
                            if rng.random() * ties < 1:
                                bi, bj = i, j
            if hi > lo:
                for i in hot:
                    a = grp[i]
                    if size[a] != hi:
                        continue
                    Di, oi, ti = D[i], own[i], tabu[i]
                    for b in range(g):
                        if size[b] != lo:
                            continue
                        d = Di[b] - oi
                        if d <= bd:
                            if ti[b] > it and d >= aspire:
                                continue
                            if d < bd - 1e-12 or oi > bh:
                                bd, bh, bi, bj, bb, ties = d, oi, i, -1, b, 1
                            elif oi == bh:
                                ties += 1
                                if rng.random() * ties < 1:
                                    bi, bj, bb = i, -1, b
            if bi < 0:
                break
            a = grp[bi]
            tenure = TENURE_MIN + rng.randrange(g + 1)
            if bj >= 0:
                b = grp[bj]
                for k in range(n):
                    Ck = C[k]
                    x = Ck[bi] - Ck[bj]
                    if x:
                        Dk = D[k]
                        Dk[a] -= x
                        Dk[b] += x
                grp[bi], grp[bj] = b, a
                tabu[bj][b] = it + tenure
            else:
                b = bb
                for k in range(n):
                    x = C[k][bi]
                    if x:
                        Dk = D[k]
                        Dk[a] -= x
                        Dk[b] += x
                grp[bi] = b
                size[a] -= 1
                size[b] += 1
            tabu[bi][a] = it + tenure
            total += bd
            if total < best_total - 1e-9:
                best_total, best, stale = total, list(grp), 0
            else:
                stale += 1
                if stale >= stale_limit:
                    stale = 0
                    grp, size, D, total = self._shaken(best, C)
        self.steps += it
        return best

    def _shaken(self, start: list[int], C: list[list[float]]) -> tuple[list[int], list[int], list[list[float]], float]:
        """``start`` with a few random same-class swaps, and its size and D tables rebuilt."""
        n, g, rng = self.n, self.g, self.rng
        grp = list(start)
        by_class: dict[int, list[int]] = {}
        for i, c in enumerate(self.cls):
            by_class.setdefault(c, []).append(i)
        for _ in range(max(2, int(n * SHAKE))):
            i = rng.randrange(n)
            others = [j for j in by_class[self.cls[i]] if grp[j] != grp[i]]
            if others:
                j = others[rng.randrange(len(others))]
                grp[i], grp[j] = grp[j], grp[i]
        size = [0] * g
        for b in grp:
            size[b] += 1
        D = [[0.0] * g for _ in range(n)]
        for i in range(n):
            Di, Ci = D[i], C[i]
            for j in range(n):
                Di[grp[j]] += Ci[j]
        total = sum(D[i][grp[i]] for i in range(n)) / 2
        return grp, size, D, total


def _exact_packing(sizes: list[int], caps: list[int]) -> list[int] | None:
    """Place units of the given sizes (largest first) into groups with these capacities, or None.

    Backtracking over groups, skipping groups whose remaining room equals one already tried
    (they are interchangeable), so the search stays small for the handful of keep-together units
    a real meeting has. Singletons need no packing: they fill whatever room is left.
    """
    room = list(caps)
    result = [-1] * len(sizes)

    def place(k: int) -> bool:
        if k == len(sizes):
            return True
        tried: set[int] = set()
        for b, free in enumerate(room):
            if free >= sizes[k] and free not in tried:
                tried.add(free)
                room[b] -= sizes[k]
                result[k] = b
                if place(k + 1):
                    return True
                room[b] += sizes[k]
        return False

    return result if place(0) else None
