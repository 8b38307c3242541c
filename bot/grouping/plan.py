"""``plan_groups``: validate, search, check, and present a plan in a stable readable order."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from . import lookahead, saturation, strangers
from .cost import (
    EPS,
    FACILITATORS,
    class_lower_bound,
    history_cap,
    meeting_weights,
    objective,
    pair_slots,
    pairs,
    person_tags,
    spread_class,
    weights_for,
)
from .feasibility import resolve
from .history import History
from .model import Constraints, InfeasibleError, Participant, group_count_for, group_sizes
from .report import PlanReport, build_report
from .solver import Search


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
    avoid: Collection[Sequence[Sequence[Hashable]]] = (),
    later: Sequence[Participant] = (),
    attendance: Mapping[Hashable, float] | None = None,
) -> Plan:
    """Split ``participants`` into well-mixed groups.

    Give ``size`` (people per group; the engine makes ceil(n / size) groups) or ``group_count``.
    Hard rules always hold in the returned plan, otherwise :class:`InfeasibleError` says which rule fails.
    The same inputs and ``seed`` give the same plan; another seed gives another plan of the same quality
    when that quality is reachable in more than one way. ``time_budget`` (seconds) bounds the search;
    it stops sooner when the plan provably cannot be improved (it meets the lower bound).

    ``avoid`` lists plans (groups of participant ids) the caller has already shown, for Reshuffle and
    ``--seed``: the result is then another plan of the same cost whenever the search finds one, and
    ``report.only_best`` says when it found none. (The look-ahead and strangers tie-breaks below each
    prefer one plan among equals, every time; without ``avoid`` a reshuffle would show it again.)

    ``later`` lists people who are not here today but are likely at later meetings (see
    :func:`.meeting.expected_roster`): the saturation tie-break (:mod:`.saturation`) counts them
    among the new faces each person still has to meet. They are never placed in a group. ``attendance``
    says how often each person (today's and later) comes, from 0 to 1 (1 for anyone not in it): the
    tie-break counts a new face by how likely they are to be there.
    """
    started = time.perf_counter()
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
    history_weights = meeting_weights(history)
    priority = weights_for(history_cap(person_tags(p.id, history, history_weights) for p in roster), pair_slots(caps))
    weights = [priority.of(c) for c in class_keys]
    counts: dict[Hashable, int] = {}
    for p in roster:
        counts[spread_class(p)] = counts.get(spread_class(p), 0) + 1
    bound = class_lower_bound(counts, g, priority)
    # The whole call keeps to its budget: the searches stop early enough to leave time for the report.
    finish_by = started + time_budget * (1 - FINISH_SHARE)
    ids = [p.id for p in roster]
    facilitator_class = class_keys.get(FACILITATORS)

    avoided = [plan for plan in (_indices(plan, seen) for plan in avoid) if plan is not None]
    tie_break = (
        not avoided and history is not None and strangers.worth_breaking_ties(n, history.meeting_count, time_budget)
    )
    spread_classes = [spread_class(p) for p in roster]
    absent = list({p.id: p for p in later if p.id not in seen}.values())
    absent_classes = [spread_class(p) for p in absent]
    comes = [1.0 if attendance is None else attendance.get(p.id, 1.0) for p in [*roster, *absent]]

    #: The tags of ``history`` itself, built once: the look-ahead searches from it several times.
    history_tags: list[list[dict[int, float]]] = []

    def tags_from(past: History | None) -> list[dict[int, float]]:
        weights_by_meeting = meeting_weights(past)
        tags = [person_tags(p.id, past, weights_by_meeting) for p in roster]
        if tie_break:
            shares = saturation.met_shares(
                tags,
                spread_classes,
                [person_tags(p.id, past, weights_by_meeting) for p in absent],
                absent_classes,
                comes,
            )
            tags = strangers.stranger_tags(tags, caps)
            tags = saturation.saturation_tags(tags, spread_classes, shares, caps)
        if avoided and past is history:
            tags = _avoid_tags(tags, avoided)
        return tags

    def solve(past: History | None, run_seed: int, budget: float) -> tuple[list[int], float]:
        """One search from ``past``: the assignment and its real cost (without the tie-break)."""
        # Building the tags is part of the search's time: the whole call keeps to its budget.
        deadline = min(time.perf_counter() + budget, finish_by)
        if past is history:
            if not history_tags:
                history_tags.append(tags_from(past))
            tags = history_tags[0]
        else:
            tags = tags_from(past)
        search = Search(
            classes=classes,
            class_weights=weights,
            tags=tags,
            apart=resolved.apart,
            units=resolved.units,
            caps=caps,
            ids=ids,
            rng=random.Random(run_seed),
            penalty=priority.keep_apart,
        )
        search.construct(facilitator_class)
        found = search.run(deadline, bound)
        search.load(found)
        return found, search.total - strangers.tie_cost(found, tags)

    if not avoided and history is not None and lookahead.worth_looking_ahead(n, g, history, time_budget):
        first = solve(history, seed, time_budget * lookahead.MAIN_SHARE)
        assignment = lookahead.choose(
            solve,
            ids=ids,
            g=g,
            history=history,
            seed=seed,
            budget=time_budget,
            bound=bound,
            first=first,
            deadline=finish_by,
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
    report = build_report(groups, history, bound, objective(groups, history))
    if avoided:
        shown = {_partition_of(plan) for plan in avoided}
        same = _partition_of(groups_by_index(assignment, g)) in shown
        # Worse than a plan already shown is no reshuffle: show that one again and say why.
        best_shown = min(objective([[roster[k] for k in grp] for grp in plan], history) for plan in avoided)
        if same or report.objective > best_shown + EPS:
            again = min(avoided, key=lambda plan: objective([[roster[k] for k in grp] for grp in plan], history))
            groups = _arrange(roster, _assignment_of(again, n), g)
            report = build_report(groups, history, bound, objective(groups, history))
            report = dataclasses.replace(report, only_best=True)
    return Plan(groups=groups, report=report)


#: Share of the time budget kept back from the searches for checking and reporting the plan (0.05 let a
#: 1-second meeting of 33 people end at 1.009 s when 7 processes shared the 2 cores).
FINISH_SHARE = 0.07

#: Every term of the real cost is a whole multiple of this (see :data:`strangers.COST_STEP`).
_COST_STEP = strangers.COST_STEP


def _indices(plan: Sequence[Sequence[Hashable]], index: dict[Hashable, int]) -> list[list[int]] | None:
    """A shown plan as roster indices, or None when it is not a plan of exactly these people."""
    try:
        groups = [[index[i] for i in group] for group in plan]
    except KeyError:
        return None
    flat = [k for group in groups for k in group]
    return groups if sorted(flat) == list(range(len(index))) else None


def _avoid_tags(tags: Sequence[dict[int, float]], avoided: Sequence[list[list[int]]]) -> list[dict[int, float]]:
    """Tags that make every pair from a shown plan cost a little when together again.

    Like a past meeting, but worth so little in total (a quarter of the smallest difference two real
    costs can have) that it never trades real quality: among plans of the same cost, the search then
    prefers the one sharing the fewest pairs with the plans already shown, so a different plan of the
    same cost wins whenever there is one. Tag numbers are below every stranger tag (> -n - 1).
    """
    n = len(tags)
    total_pairs = sum(pairs(len(group)) for plan in avoided for group in plan)
    unit = _COST_STEP / (4 * max(1, total_pairs))
    out = [dict(t) for t in tags]
    tag = -n - 1
    for plan in avoided:
        for group in plan:
            for k in group:
                out[k][tag] = unit
            tag -= 1
    return out


def groups_by_index(assignment: Sequence[int], g: int) -> list[list[int]]:
    buckets: list[list[int]] = [[] for _ in range(g)]
    for k, b in enumerate(assignment):
        buckets[b].append(k)
    return buckets


def _partition_of(groups: Iterable[Iterable[int]]) -> frozenset[frozenset[int]]:
    return frozenset(frozenset(group) for group in groups)


def _assignment_of(groups: Sequence[Sequence[int]], n: int) -> list[int]:
    assignment = [0] * n
    for b, group in enumerate(groups):
        for k in group:
            assignment[k] = b
    return assignment


def _arrange(roster: list[Participant], assignment: list[int], g: int) -> list[list[Participant]]:
    """Facilitators first within a group, then roster order; groups in order of their first member."""
    buckets: list[list[int]] = [[] for _ in range(g)]
    for k, b in enumerate(assignment):
        buckets[b].append(k)
    ordered = [sorted(bucket, key=lambda k: (not roster[k].is_facilitator, k)) for bucket in buckets]
    ordered.sort(key=lambda bucket: (not roster[bucket[0]].is_facilitator, bucket[0]))
    return [[roster[k] for k in bucket] for bucket in ordered]
