"""A tie-break for rosters whose attendance changes: among plans of equal cost, spare the people who have
already met most of the others they can meet.

Why. With a strict role mix, nearly every group holds one person of each large role, so a clinician can
meet new faces only among the people of other roles, and someone who comes to every meeting runs out of
them first: in a CoP of 40 (9 clinicians) a clinician at all 8 meetings of a season needs about 32 new
partners among 31 people of other roles. When they run out, the repeat is forced whoever they sit with.
Measured on the benchmark's CoP case (8 meetings, 33 of 40 at each), the last meeting of two seasons,
planned with the role mix relaxed, would repeat 3 and 4 pairs; with the mix it repeats 10 and 7. What helps is
deciding early, while many plans are free of repeats, who takes the two places that hold fewer new
faces: the smaller groups, and the second seat of a role that has more people than groups (two
clinicians together cost no new face of another role).

How. ``share[i]`` is the share of the people of other roles on the expected roster (today's people and
those likely at later meetings) whom i has already met inside the history window. Every pair of
different roles who have not met is priced ``(share[i] + share[j]) * unit``. Over a group of size k that
is, for each member, their share times the new faces of other roles they meet there: the more someone has
used up, the more the plan is charged for each new face of another role they spend, so they go where
fewer are spent. ``unit`` (scaled to the dearest pair) keeps the tie-break's whole contribution below a
quarter of ``COST_STEP``, the smallest difference two real costs can have, so it only orders plans of the
same real cost (the strangers tie-break keeps below half of it, so together they stay below one step).

Measured (``tests/benchmarks/bench_grouping.py``, the CoP case, 1 s a meeting, seeds 100 to 119):
repeated pair-meetings over the 8 meetings average 16.2 to 16.9 (four runs) with this tie-break and the
strangers one, 17.5 with the strangers one alone, 18.2 for the season search of
:func:`.season.plan_first_of_season` it replaced there. Also tried, no better within the noise (about 0.7
on a 20-seed mean): the share squared, a price by how few people of the partner's role one has left to
meet, and both together.

Weighed by attendance (issue 29): each person counts by how often they came (``comes``, from
:func:`.meeting.attendance_weights`), so someone who rarely comes is a small part of the new faces one
has left. Measured on seeds 100 to 109, three runs each, at a load of 6 to 9 on the 2 cores: on the
uniform model (any 33 of the 40) 15.7, 16.1 and 17.1 with the weights against 16.7, 16.5 and 16.2 with
everyone weighing 1; on the "core" model (a core of 16 who nearly always come, 16 who come 4 times in 5,
8 who come 3 times in 5) 24.3, 24.1 and 25.2 against 24.6, 25.3 and 25.1. Both within the noise: the
tie-break only chooses who takes the smaller groups among plans of equal cost, and that is not where
the late repeats are decided. Also tried there and no better: pricing a new pair by how likely both are
to come again (spend the pairs that rarely get the chance first: 15.9 and 23.9), and weighing the
strangers tie-break's strangers by how often they come (25.3 on the core model).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from . import cost
from .strangers import met_sets

#: Tags of this tie-break are numbered downwards from here: below every stranger tag (> -n - 1 for n
#: people) and every history tag (>= 0).
TAG_BASE = -(1 << 40)


def met_shares(
    tags: Sequence[dict[int, float]],
    classes: Sequence[Hashable],
    later_tags: Sequence[dict[int, float]] = (),
    later_classes: Sequence[Hashable] = (),
    comes: Sequence[float] | None = None,
) -> list[float]:
    """For each of today's people (``tags``/``classes``): the share of the people of other classes, among
    today's and the later ones (``later_tags``/``later_classes``, who are not here today), met inside the
    history window. Two people met exactly when they share a history tag (tags >= 0).

    ``comes`` (today's people, then the later ones) weighs each person by how often they come: someone
    at one meeting in eight counts as an eighth of a new face, since they will rarely be there to meet.
    Everyone counts 1 without it."""
    every_class = [*classes, *later_classes]
    weight = list(comes) if comes is not None else [1.0] * len(every_class)
    met = met_sets([*tags, *later_tags])
    shares = []
    for i in range(len(tags)):
        others = [j for j, c in enumerate(every_class) if j != i and c != classes[i]]
        total = sum(weight[j] for j in others)
        shares.append(sum(weight[j] for j in others if j in met[i]) / total if total > 0 else 0.0)
    return shares


def saturation_tags(
    tags: Sequence[dict[int, float]],
    classes: Sequence[Hashable],
    shares: Sequence[float],
    caps: Sequence[int],
) -> list[dict[int, float]]:
    """``tags`` with one tag per unmet pair of different classes, worth ``(share_i + share_j) * unit``.

    ``caps`` are the group sizes, which bound how many pairs a plan holds: at most that many pairs pay,
    each at most ``COST_STEP / (4 * slots)``, so the whole tie-break stays below ``COST_STEP / 4``.
    """
    n = len(tags)
    met = met_sets(tags)
    priced = [
        (i, j, shares[i] + shares[j])
        for i in range(n)
        for j in range(i + 1, n)
        if classes[i] != classes[j] and j not in met[i] and shares[i] + shares[j] > 0
    ]
    result = [dict(own) for own in tags]
    if not priced:
        return result
    # Scaled to the dearest pair, so the tie-break is as strong now as it will be later, next to the
    # strangers one: at most pair_slots(caps) pairs pay, each at most COST_STEP / (4 * slots).
    unit = cost.COST_STEP / (4 * max(1, cost.pair_slots(caps)) * max(w for _, _, w in priced))
    for k, (i, j, w) in enumerate(priced):
        result[i][TAG_BASE - k] = result[j][TAG_BASE - k] = w * unit
    return result
