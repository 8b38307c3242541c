"""The cost a plan minimises, its closed-form lower bound, and the per-person data both are built from.

See the package docstring for why the cost looks like this. The class part is exact arithmetic on small
counts, so without history "objective == lower bound" is a safe equality test; history terms are floats
and are compared with the tolerance EPS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

from .history import History
from .model import Participant, group_count_for

#: Cost of two people of the same spread class sharing a group.
ROLE_WEIGHT = 2.0
#: Extra cost of two facilitators sharing a group (on top of ROLE_WEIGHT: they are one class).
FACILITATOR_WEIGHT = 50.0
#: Cost of two people sharing a group again, per past meeting where they did, for the last meeting.
HISTORY_WEIGHT = 3.0
#: Share of a past meeting's weight that never fades while it is inside the window: the rest halves with
#: every meeting back, so a meeting counts 1, 0.9, 0.85, 0.825 … of HISTORY_WEIGHT and never below 0.8.
HISTORY_FLOOR = 0.8
#: Meetings further back than this are forgotten (with monthly meetings, a year).
HISTORY_WINDOW = 12
#: Tolerance for comparing float objectives.
EPS = 1e-6


class _FacilitatorClass:
    """Sentinel spread class for facilitators; never equal to any role string."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "FACILITATORS"


FACILITATORS: Hashable = _FacilitatorClass()


def spread_class(p: Participant) -> Hashable:
    """The class whose members should be spread over groups: facilitators, else the role."""
    return FACILITATORS if p.is_facilitator else p.role


def class_weight(cls: Hashable) -> float:
    """Cost of one same-class pair in a group."""
    return ROLE_WEIGHT + FACILITATOR_WEIGHT if cls is FACILITATORS else ROLE_WEIGHT


def pairs(k: int) -> int:
    """C(k, 2): how many pairs k people form."""
    return k * (k - 1) // 2


def even_split(count: int, g: int) -> tuple[int, int, int]:
    """(low, high, number of groups at high) for ``count`` people spread as evenly as possible."""
    low, extra = divmod(count, g)
    return low, low + (1 if extra else 0), extra


def even_pairs(count: int, g: int) -> int:
    """The fewest same-class pairs ``count`` people can form over g groups (C(k,2) is convex, so even wins)."""
    low, _, extra = even_split(count, g)
    return extra * pairs(low + 1) + (g - extra) * pairs(low)


def meeting_weights(history: History | None) -> dict[int, float]:
    """The cost of sharing a group again with someone one shared a group with at meeting m, by m.

    ``HISTORY_WEIGHT * (HISTORY_FLOOR + (1 - HISTORY_FLOOR) * 0.5**age)`` for meetings inside the window.
    """
    if history is None:
        return {}
    last = history.meeting_count
    return {
        m: HISTORY_WEIGHT * (HISTORY_FLOOR + (1 - HISTORY_FLOOR) * 0.5 ** history.age(m))
        for m in range(max(0, last - HISTORY_WINDOW), last)
    }


def person_tags(person: Hashable, history: History | None, weights: dict[int, float]) -> dict[int, float]:
    """The person's past groups as {tag: weight}: a pair's history cost is the sum over the tags they share.

    Two people share the tag ``meeting << 20 | group`` exactly when they were in that group at that
    meeting, so the solver can keep per-group tag counts and price any move in O(group size) look-ups.
    """
    if history is None:
        return {}
    return {(m << 20) | g: weights[m] for m, g in history.groups_of(person) if m in weights}


def lower_bound(
    participants: Sequence[Participant], *, size: int | None = None, group_count: int | None = None
) -> float:
    """A cost no plan can beat: every class at its even spread and no repeated meetings.

    Valid because each class's same-class pairs are at least :func:`even_pairs` whatever the group sizes
    and other constraints do, and history costs are never negative. It is reached whenever the history
    leaves room, which is the usual case once there are many more people than a group holds.
    """
    g = group_count_for(len(participants), size=size, group_count=group_count)
    return class_lower_bound(Counter(spread_class(p) for p in participants), g)


def class_lower_bound(class_counts: dict[Hashable, int], g: int) -> float:
    """The class part of :func:`lower_bound` from counts."""
    return sum(class_weight(c) * even_pairs(k, g) for c, k in class_counts.items())


def objective(groups: Iterable[Iterable[Participant]], history: History | None = None) -> float:
    """The cost of a plan: same-class pairs, facilitator pairs, and weighted past meetings."""
    weights = meeting_weights(history)
    total = 0.0
    for group in groups:
        members = list(group)
        for cls, k in Counter(spread_class(p) for p in members).items():
            total += class_weight(cls) * pairs(k)
        tag_counts: Counter[int] = Counter()
        tag_weight: dict[int, float] = {}
        for p in members:
            tags = person_tags(p.id, history, weights)
            tag_counts.update(tags.keys())
            tag_weight.update(tags)
        total += sum(tag_weight[t] * pairs(k) for t, k in tag_counts.items())
    return total
