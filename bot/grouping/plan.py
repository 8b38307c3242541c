"""``plan_groups``: validate, search, check, and present a plan in a stable readable order."""

from __future__ import annotations

import random
import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from . import lookahead, strangers
from .cost import (
    FACILITATORS,
    class_lower_bound,
    class_weight,
    meeting_weights,
    objective,
    person_tags,
    spread_class,
)
from .feasibility import resolve
from .history import History
from .model import Constraints, InfeasibleError, Participant, group_count_for, group_sizes
from .report import PlanReport, build_report
from .solver import STEPS_PER_SECOND, Search


@dataclass(frozen=True, slots=True)
class Plan:
    """The groups (facilitators first, then roster order; groups ordered by their first member) and a report."""

    groups: list[list[Participant]]
    report: PlanReport


def plan_groups(
    participants: Iterable[Participant],
    *,
    size: int | None = None,
    group_count: int | None = None,
    history: History | None = None,
    constraints: Constraints | None = None,
    seed: int = 0,
    time_budget: float = 0.3,
) -> Plan:
    """Split ``participants`` into well-mixed groups.

    Give ``size`` (people per group; the engine makes ceil(n / size) groups) or ``group_count``.
    Hard rules always hold in the returned plan, otherwise :class:`InfeasibleError` says which rule fails.
    The same inputs and ``seed`` give the same plan; another seed gives another plan of the same quality
    when that quality is reachable in more than one way. ``time_budget`` (seconds) bounds the search;
    it stops sooner when the plan provably cannot be improved (it meets the lower bound).
    """
    roster = list(participants)
    seen: dict[Hashable, int] = {}
    for k, p in enumerate(roster):
        if p.id in seen:
            raise ValueError(f"{p.id} is listed twice among the participants.")
        seen[p.id] = k
    n = len(roster)
    g = group_count_for(n, size=size, group_count=group_count)
    caps = group_sizes(n, g)
    resolved = resolve(roster, constraints, caps)

    class_keys: dict[Hashable, int] = {}
    classes = [class_keys.setdefault(spread_class(p), len(class_keys)) for p in roster]
    weights = [class_weight(c) for c in class_keys]
    counts: dict[Hashable, int] = {}
    for p in roster:
        counts[spread_class(p)] = counts.get(spread_class(p), 0) + 1
    bound = class_lower_bound(counts, g)
    ids = [p.id for p in roster]
    facilitator_class = class_keys.get(FACILITATORS)

    tie_break = history is not None and strangers.worth_breaking_ties(n, history.meeting_count, time_budget)

    def solve(past: History | None, run_seed: int, budget: float) -> tuple[list[int], float]:
        """One search from ``past``: the assignment and its real cost (without the tie-break)."""
        weights_by_meeting = meeting_weights(past)
        tags = [person_tags(p.id, past, weights_by_meeting) for p in roster]
        if tie_break:
            tags = strangers.stranger_tags(tags, caps)
        search = Search(
            classes=classes,
            class_weights=weights,
            tags=tags,
            apart=resolved.apart,
            units=resolved.units,
            caps=caps,
            ids=ids,
            rng=random.Random(run_seed),
        )
        search.construct(facilitator_class)
        started = time.monotonic()
        max_steps = max(1000, int(budget * STEPS_PER_SECOND))
        deadline = started + max(3 * budget, budget + 1.0)
        found = search.run(max_steps, deadline, bound)
        search.load(found)
        return found, search.total - strangers.tie_cost(found, tags)

    if history is not None and lookahead.worth_looking_ahead(n, g, history, time_budget):
        first = solve(history, seed, time_budget * lookahead.MAIN_SHARE)
        assignment = lookahead.choose(
            solve, ids=ids, g=g, history=history, seed=seed, budget=time_budget, bound=bound, first=first
        )
    else:
        assignment, _ = solve(history, seed, time_budget)
    broken = [(i, j) for i in range(n) for j in resolved.apart[i] if i < j and assignment[i] == assignment[j]]
    if broken:
        i, j = broken[0]
        raise InfeasibleError(
            "No plan was found that keeps {0} and {1} apart while keeping every group within one person "
            "of the same size.",
            roster[i].id,
            roster[j].id,
        )

    groups = _arrange(roster, assignment, g)
    return Plan(groups=groups, report=build_report(groups, history, bound, objective(groups, history)))


def _arrange(roster: list[Participant], assignment: list[int], g: int) -> list[list[Participant]]:
    """Facilitators first within a group, then roster order; groups in order of their first member."""
    buckets: list[list[int]] = [[] for _ in range(g)]
    for k, b in enumerate(assignment):
        buckets[b].append(k)
    ordered = [sorted(bucket, key=lambda k: (not roster[k].is_facilitator, k)) for bucket in buckets]
    ordered.sort(key=lambda bucket: (not roster[bucket[0]].is_facilitator, bucket[0]))
    return [[roster[k] for k in bucket] for bucket in ordered]
