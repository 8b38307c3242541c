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
#: Scale of the history term: a pair's cost is HISTORY_WEIGHT * (w + w**2 / 2), w its decayed meeting count.
HISTORY_WEIGHT = 2.0
#: Each meeting further back counts this much of the one after it in w (a slow fade: 0.9**7 is about 1/2).
HISTORY_DECAY = 0.9
#: Weight of the squared term in the pair cost: 1/2 makes the k-th meeting cost HISTORY_WEIGHT * (k + 1/2)
#: more than the (k-1)-th (without decay), so a third meeting together weighs more than a second.
HISTORY_SQUARE = 0.5
#: Meetings further back than this are forgotten (with monthly meetings, a year). It keeps every
#: person's tag list short (one tag per past group, one per pair of past groups).
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
    """Recency weight of meeting index m, HISTORY_DECAY**age, for meetings inside the window."""
    if history is None:
        return {}
    last = history.meeting_count
    return {m: HISTORY_DECAY ** history.age(m) for m in range(max(0, last - HISTORY_WINDOW), last)}


def history_cost(w: float) -> float:
    """Cost of a pair whose recency-weighted number of past meetings is w (convex: repeats weigh more)."""
    return HISTORY_WEIGHT * (w + HISTORY_SQUARE * w * w)


#: Marks a tag for a pair of meetings, so it can never equal a single meeting's tag.
_PAIR_TAG = 1 << 80


def person_tags(person: Hashable, history: History | None, weights: dict[int, float]) -> dict[int, float]:
    """The person's past groups as {tag: weight}, such that a pair's history cost is the sum of the
    weights of the tags they share.

    With w = sum of d_m over the meetings m where both were in one group (d_m = HISTORY_DECAY**age),
    HISTORY_WEIGHT * (w + s * w**2) (s = HISTORY_SQUARE) expands to a sum over single meetings of
    HISTORY_WEIGHT * (d_m + s * d_m**2) plus a sum over pairs of meetings m < m' of
    2 * s * HISTORY_WEIGHT * d_m * d_m'.
    So each person carries one tag per past group (``meeting << 20 | group``) and one per pair of past
    groups; two people share the pair tag exactly when they met at both meetings. The quadratic cost thus
    stays a sum over shared tags, and the solver keeps its per-group tag counts and O(group size) deltas.
    """
    if history is None:
        return {}
    places = [((m << 20) | g, weights[m]) for m, g in history.groups_of(person) if m in weights]
    tags = {t: HISTORY_WEIGHT * (d + HISTORY_SQUARE * d * d) for t, d in places}
    for k, (t, d) in enumerate(places):
        for t2, d2 in places[k + 1 :]:
            tags[_PAIR_TAG | (t << 40) | t2] = 2 * HISTORY_SQUARE * HISTORY_WEIGHT * d * d2
    return tags


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
