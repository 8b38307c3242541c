"""Turn keep-apart/keep-together pairs into solver input, refusing plans that cannot exist.

Checks run before any search so the common impossible requests get a precise sentence ("these two must
be together and apart") instead of a vague "no plan found". What cannot be decided cheaply (keep-apart
as a colouring problem in general) is left to the solver, which reports the pair it could not separate.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from .model import Constraints, InfeasibleError, Participant, people


@dataclass(frozen=True, slots=True)
class Resolved:
    """Constraints over participant indices.

    ``units`` partitions every index into keep-together components (singletons included), ordered by
    their first member; ``apart`` lists each index's keep-apart partners.
    """

    units: list[tuple[int, ...]]
    apart: list[tuple[int, ...]]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def resolve(participants: Sequence[Participant], constraints: Constraints | None, sizes: Sequence[int]) -> Resolved:
    """Validate the constraints against the roster and the group sizes; raise InfeasibleError if hopeless."""
    n = len(participants)
    index: dict[Hashable, int] = {p.id: k for k, p in enumerate(participants)}
    ids = [p.id for p in participants]
    together: set[tuple[int, int]] = set()
    apart_pairs: set[tuple[int, int]] = set()
    if constraints is not None:
        for a, b in constraints.keep_together:
            if a in index and b in index and a != b:
                together.add((min(index[a], index[b]), max(index[a], index[b])))
        for a, b in constraints.keep_apart:
            if a in index and b in index:
                if a == b:
                    raise InfeasibleError("{0} cannot be kept apart from themselves.", a)
                apart_pairs.add((min(index[a], index[b]), max(index[a], index[b])))

    uf = _UnionFind(n)
    for i, j in sorted(together):
        uf.union(i, j)
    for i, j in sorted(apart_pairs):
        if (i, j) in together:
            raise InfeasibleError("{0} and {1} must be kept together and kept apart at the same time.", ids[i], ids[j])
        if uf.find(i) == uf.find(j):
            raise InfeasibleError(
                "{0} and {1} must be kept apart, but the keep-together pairs put them in the same group.",
                ids[i],
                ids[j],
            )

    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(uf.find(i), []).append(i)
    units = [tuple(m) for m in members.values()]
    biggest = max(sizes)
    for unit in units:
        if len(unit) > biggest:
            raise InfeasibleError(
                "A group of {size} cannot hold the {k} who must be kept together with {0}.",
                ids[unit[0]],
                size=biggest,
                k=people(len(unit)),
            )

    apart: list[list[int]] = [[] for _ in range(n)]
    for i, j in sorted(apart_pairs):
        apart[i].append(j)
        apart[j].append(i)
    _check_cliques(units, apart, ids, len(sizes))
    return Resolved(units=units, apart=[tuple(a) for a in apart])


def _check_cliques(units: list[tuple[int, ...]], apart: list[list[int]], ids: list[Hashable], g: int) -> None:
    """Refuse when more units must be mutually apart than there are groups (found greedily).

    A greedy clique is a cheap, sound certificate: if it is larger than the group count no plan exists.
    Missing a clique only means the solver reports the failure instead.
    """
    unit_of = {i: u for u, unit in enumerate(units) for i in unit}
    neighbours: list[set[int]] = [set() for _ in units]
    for u, unit in enumerate(units):
        for i in unit:
            neighbours[u].update(unit_of[j] for j in apart[i])
    if sum(len(s) for s in neighbours) // 2 < g * (g + 1) // 2:
        return  # too few keep-apart pairs to form a clique of g + 1
    order = sorted(range(len(units)), key=lambda u: (-len(neighbours[u]), u))
    for u in order:
        if len(neighbours[u]) < g:
            break
        clique = [u]
        for v in sorted(neighbours[u], key=lambda v: (-len(neighbours[v]), v)):
            if all(v in neighbours[w] for w in clique):
                clique.append(v)
        if len(clique) > g:
            named = [ids[units[w][0]] for w in sorted(clique)]
            raise InfeasibleError(
                "{all} must all be kept apart from each other, which needs {k} groups, but {only}.",
                *named,
                k=len(clique),
                only="there is only 1" if g == 1 else f"there are only {g}",
            )
