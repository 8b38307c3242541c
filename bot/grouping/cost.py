"""The cost a plan minimises, its closed-form lower bound, and the per-person data both are built from.

See the package docstring for why the cost looks like this. The class part is exact arithmetic on small
counts, so without history "objective == lower bound" is a safe equality test; history terms are floats
and are compared with the tolerance EPS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from .history import History
from .model import Participant, group_count_for, group_sizes

#: The smallest cost of two people of the same spread class sharing a group. The real weight is chosen per
#: plan by :func:`weights_for` (a power of two above everything history can cost), so that role spread
#: always comes before history; this minimum keeps it a whole number of COST_STEPs when there is none.
ROLE_WEIGHT = 2.0
#: Cost of two people sharing a group again, per past meeting where they did, for the last meeting.
HISTORY_WEIGHT = 3.0
#: Share of a past meeting's weight that never fades while it is inside the window: the rest halves with
#: every meeting back, so a meeting counts 1, 0.9, 0.85, 0.825 … of HISTORY_WEIGHT and never below 0.8.
HISTORY_FLOOR = 0.8
#: Meetings further back than this are forgotten (with monthly meetings, a year).
HISTORY_WINDOW = 12
#: Tolerance for comparing float objectives.
EPS = 1e-6
#: Every history term is a whole multiple of this: a past meeting costs 2.4 + 0.6 * 0.5**age with
#: age < 12 (0.6 * 2**-11 = 3 steps), so two plans of different history cost differ by at least this much.
COST_STEP = 0.2 / 2**11


class _FacilitatorClass:
    """Sentinel spread class for facilitators; never equal to any role string."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "FACILITATORS"


FACILITATORS: Hashable = _FacilitatorClass()


def spread_class(p: Participant) -> Hashable:
    """The class whose members should be spread over groups: facilitators, else the role."""
    return FACILITATORS if p.is_facilitator else p.role


@dataclass(frozen=True, slots=True)
class Weights:
    """The two priority weights of one plan (see :func:`weights_for` for why they make it lexicographic)."""

    #: Cost of one same-class pair sharing a group.
    role: float
    #: Extra cost of two facilitators sharing a group, on top of ``role`` (they are one class).
    facilitator: float
    #: P, the number of pairs a plan holds.
    slots: int

    def of(self, cls: Hashable) -> float:
        """Cost of one same-class pair of class ``cls``."""
        return self.role + self.facilitator if cls is FACILITATORS else self.role

    @property
    def keep_apart(self) -> float:
        """Cost of a keep-apart pair sharing a group while searching: dearer than any plan without one
        (a plan costs at most Wf*P + Wr*P + H < Wf*(P + 1))."""
        return self.facilitator * (self.slots + 1)


def weights_for(history_cap: float, pair_slots: int) -> Weights:
    """Weights that make facilitators > role spread > history a strict order for plans of these sizes.

    ``history_cap`` bounds the history part H of every plan (:func:`history_cap`); ``pair_slots`` is P,
    the number of pairs a plan holds (sum of C(size, 2) over its groups). The cost of a plan is
    ``Wf * F + Wr * R + H`` with F the facilitator pairs, R the same-class pairs of every class
    (facilitators included) and 0 <= H <= cap. Take Wr a power of two above cap + COST_STEP (so above H
    and the search's tie-breaks, which together stay below one COST_STEP) and Wf = Wr * (P + 1). Then:

    * fewer facilitator pairs always wins: F1 < F2 gives
      cost1 <= Wf*F1 + Wr*P + H < Wf*F1 + Wr*(P + 1) = Wf*(F1 + 1) <= Wf*F2 <= cost2, since R <= P;
    * with F equal, fewer same-class pairs always wins: R1 < R2 gives
      Wr*R1 + H1 < Wr*(R1 + 1) <= Wr*R2, since H1 < Wr;
    * only with F and R equal does history decide.

    And "never above a role's even share when a plan without that exists": C(c, 2) is strictly convex on
    whole numbers, so a class's pairs over the groups are at their minimum exactly when its counts
    differ by at most one (its even share). A plan with every class at its even share therefore has the
    least F and the least R any plan can have, so every cheapest plan has them too: every class at its even
    share. Powers of two keep class costs exact in floating point, so "objective == lower bound" is exact.
    """
    role = ROLE_WEIGHT
    while role <= history_cap + COST_STEP:
        role *= 2
    return Weights(role=role, facilitator=role * (pair_slots + 1), slots=pair_slots)


def history_cap(tags: Iterable[dict[int, float]]) -> float:
    """An upper bound on the history part of any plan of the people whose tags these are.

    Two people pay a tag's weight when both hold it and share a group, so a past group with k of today's
    people present costs at most its weight times C(k, 2), whoever is grouped with whom.
    """
    holders: dict[int, int] = {}
    weight: dict[int, float] = {}
    for own in tags:
        for t, w in own.items():
            holders[t] = holders.get(t, 0) + 1
            weight[t] = w
    return sum(weight[t] * pairs(k) for t, k in holders.items())


def pair_slots(sizes: Iterable[int]) -> int:
    """How many pairs groups of these sizes hold."""
    return sum(pairs(s) for s in sizes)


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


def plan_weights(participants: Sequence[Participant], history: History | None, sizes: Sequence[int]) -> Weights:
    """The :class:`Weights` of plans of ``participants`` in groups of ``sizes`` after ``history``."""
    weights = meeting_weights(history)
    cap = history_cap(person_tags(p.id, history, weights) for p in participants)
    return weights_for(cap, pair_slots(sizes))


def lower_bound(
    participants: Sequence[Participant],
    *,
    size: int | None = None,
    group_count: int | None = None,
    history: History | None = None,
) -> float:
    """A cost no plan can beat: every class at its even spread and no repeated meetings.

    Valid because each class's same-class pairs are at least :func:`even_pairs` whatever the group sizes
    and other constraints do, and history costs are never negative. It is reached whenever the history
    leaves room, which is the usual case once there are many more people than a group holds. ``history``
    only sets the weights (:func:`weights_for`); give the one the plan is made with.
    """
    g = group_count_for(len(participants), size=size, group_count=group_count)
    weights = plan_weights(participants, history, group_sizes(len(participants), g))
    return class_lower_bound(Counter(spread_class(p) for p in participants), g, weights)


def class_lower_bound(class_counts: dict[Hashable, int], g: int, weights: Weights) -> float:
    """The class part of :func:`lower_bound` from counts."""
    return sum(weights.of(c) * even_pairs(k, g) for c, k in class_counts.items())


def history_part(groups: Iterable[Iterable[Participant]], history: History | None) -> float:
    """The history part of a plan's cost: weighted past meetings of the pairs sharing a group."""
    weights = meeting_weights(history)
    total = 0.0
    for group in groups:
        tag_counts: Counter[int] = Counter()
        tag_weight: dict[int, float] = {}
        for p in group:
            tags = person_tags(p.id, history, weights)
            tag_counts.update(tags.keys())
            tag_weight.update(tags)
        total += sum(tag_weight[t] * pairs(k) for t, k in tag_counts.items())
    return total


def objective(
    groups: Iterable[Iterable[Participant]], history: History | None = None, weights: Weights | None = None
) -> float:
    """The cost of a plan: facilitator pairs, same-class pairs and weighted past meetings, in that priority.

    ``weights`` defaults to the plan's own (:func:`plan_weights`); give fixed ones, such as
    :data:`ONE_PERSON`, to compare parts of plans on one scale."""
    listed = [list(group) for group in groups]
    if weights is None:
        weights = plan_weights([p for group in listed for p in group], history, [len(g) for g in listed])
    total = 0.0
    for members in listed:
        for cls, k in Counter(spread_class(p) for p in members).items():
            total += weights.of(cls) * pairs(k)
    return total + history_part(listed, history)


#: Fixed weights for comparing what one person adds to or takes from a group of at most 25: their pairs
#: change by at most 24, each worth at most HISTORY_WINDOW meetings of history, so this keeps the
#: priority facilitators > role spread > history for such a change (:func:`weights_for`).
ONE_PERSON = weights_for(24 * HISTORY_WINDOW * HISTORY_WEIGHT, pairs(25))
