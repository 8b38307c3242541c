"""A tie-break that keeps future groups possible: among plans of equal cost, prefer the one that leaves
people who are still strangers to the same others free to meet them together later.

Why. In a small community, new faces run out. After a few meetings every plan of the next one has to
reuse some pairs, and how many depends on the earlier plans, not only on this one: for 30 people in
groups of 5, the first three meetings can all be free of repeats in very many ways, and the choice among
them decides whether the fifth and sixth meetings can be. A group of strangers for a later meeting needs
people who have all not met each other; two people who share many strangers (people neither has met
yet) are worth keeping apart now, because together with those shared strangers they can form a new group
later. Two people who share few strangers are the ones to put together now.

How. Every person c on the roster gives each person who has not met c inside the history window the tag
"stranger of c", worth ``unit``. The solver already prices shared tags, so two people placed together then
cost ``unit`` once for every person neither of them has met. ``unit`` is small enough that the tie-break
over a whole plan never reaches ``COST_STEP``, the smallest difference two real costs can have (every
term of the real cost is a whole multiple of it, checked in the tests), so it orders plans of equal real
cost and never trades away real quality.

Measured on the repeat benchmark (30 people, 6 facilitators kept apart, 7 meetings in a row, 1 s each;
``tests/benchmarks/bench_grouping.py``), seeds 30 to 99: with looking ahead (:mod:`.lookahead`), repeated
pair-meetings average 44.2 with this tie-break and 45.0 without it; lower in three of the four blocks of
seeds tried. On its own, without looking ahead, it made no measurable difference (46.4 against 45.2 on the
benchmark's 10 runs, within their spread): the imagined meetings reward the room it leaves.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import cost
from .cost import pairs

#: Rosters larger than this skip the tie-break: new faces rarely run out there, and the tags (one per
#: stranger, so up to n per person) would cost time and memory.
TIE_BREAK_MAX = 60
#: Below this time budget (seconds) the search spends it all on the real cost.
TIE_BREAK_MIN_BUDGET = 0.5

#: Every term of the real cost is a whole multiple of this: same-class pairs cost a power of two of at
#: least 2 (2 = 20480 steps), and a past meeting 2.4 + 0.6 * 0.5**age with age < 12 (0.6 * 2**-11 = 3
#: steps). So two plans of different real cost differ by at least this much.
COST_STEP = cost.COST_STEP


def worth_breaking_ties(n: int, meetings_so_far: int, budget: float) -> bool:
    """Only small rosters with a past (before the first meeting everyone is a stranger to everyone, so
    every plan scores the same), and only with time to spare: the tie-break leaves the search no plateaus
    to stop on, so a short budget is better spent on the real cost alone."""
    return meetings_so_far > 0 and 3 <= n <= TIE_BREAK_MAX and budget >= TIE_BREAK_MIN_BUDGET


def stranger_tags(tags: Sequence[dict[int, float]], caps: Sequence[int]) -> list[dict[int, float]]:
    """Each person's tags with a "stranger of c" tag added for every c on the roster they have not met.

    ``tags`` are the history tags of :func:`cost.person_tags` (two people met inside the window exactly
    when they share one); the new tags are negative integers, which history tags never are. ``caps``
    are the group sizes, which bound how many pairs a plan holds and so fix the size of ``unit``.
    """
    n = len(tags)
    worst = sum(pairs(c) for c in caps) * (n - 2)
    unit = COST_STEP / (2 * worst)
    result = []
    for person, (own, met) in enumerate(zip(tags, met_sets(tags), strict=True)):
        extended = dict(own)
        for c in range(n):
            if c != person and c not in met:
                extended[stranger_tag(c)] = unit
        result.append(extended)
    return result


def met_sets(tags: Sequence[dict[int, float]]) -> list[set[int]]:
    """For each person, everyone (themselves included) they met inside the history window: two people met
    exactly when they share a history tag (tags >= 0; the tie-breaks' own tags are negative)."""
    holders: dict[int, list[int]] = {}
    for person, own in enumerate(tags):
        for tag in own:
            if tag >= 0:
                holders.setdefault(tag, []).append(person)
    return [{other for tag in own if tag >= 0 for other in holders[tag]} for own in tags]


def stranger_tag(person: int) -> int:
    """The tag "stranger of ``person``" (a roster index); negative, unlike every history tag."""
    return -1 - person


def tie_cost(assignment: Sequence[int], tags: Sequence[dict[int, float]]) -> float:
    """The tie-break part of a plan's cost: what the tie-breaks' tags (all negative: :func:`stranger_tags`
    and :func:`.saturation.saturation_tags`) add to the search's total."""
    counts: dict[tuple[int, int], int] = {}
    weight: dict[int, float] = {}
    for person, group in enumerate(assignment):
        for tag, w in tags[person].items():
            if tag < 0:
                counts[(group, tag)] = counts.get((group, tag), 0) + 1
                weight[tag] = w
    return sum(weight[tag] * pairs(k) for (_, tag), k in counts.items())
