"""Benchmark of the grouping engine: quality against an exact optimum or the lower bound, speed, memory.

Run ``python tests/benchmarks/bench_grouping.py`` from the repository root (``--quick`` skips n = 5000
and gives the exact solvers 60 s instead of 300 s). Prints one JSON object per line. Needs ``highspy`` and
``ortools`` (the ``bench`` extra) for the exact reference on small rosters; without them those lines say
so and carry no gap.

Instances are synthetic but shaped like a real CoP: lay 15%, commissioner 10%, GP 20%, clinician 25%,
manager 15%, researcher 15%, facilitators for two groups in three, groups of 5, six past meetings (twelve
for the "hard" n = 62 case) with 80% attendance split at random, and a few keep-apart pairs. Sizes
n = 23, 33, 62, 203, 1003, 5003 do not divide by 5; the others do (their role counts still do not divide
by the group count).

The exact reference for n <= 62 is one of two models of the same objective, whichever suits the instance:

* Set partitioning (HiGHS): every group that could appear in an optimal plan is listed with its cost, and
  the solver picks groups covering everyone once. A group in an optimal plan costs no more than the whole
  plan, so only groups no dearer than a plan we already have (ours at 1 s) are listed. With six past
  meetings most pairs have met and few groups are cheap, so the list is short and its LP bound is tight:
  this proves n = 20 to 33 in seconds to a minute, where the pair model below cannot close its bound.
* CP-SAT pair model: counts per group and class with C(c,2) costs, a pair variable only for pairs that met
  before, facilitator k pinned to group k. Used when more than ``COLUMN_LIMIT`` groups are cheap enough
  (a sparse history, as at n = 62 with six past meetings), which is exactly when its bound is strong.

History enters both as the engine's pair cost, so the comparison is exact (CP-SAT rounds to 1/8192).
"gap" is (ours - optimum) / optimum, or the plain difference when the optimum is 0. Above n = 62 the
reference is the closed-form lower bound.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Hashable, Sequence
from itertools import combinations
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.grouping import (  # noqa: E402
    Constraints,
    History,
    Participant,
    lower_bound,
    objective,
    plan_groups,
)
from bot.grouping.cost import (  # noqa: E402
    HISTORY_WINDOW,
    meeting_weights,
    person_tags,
    plan_weights,
    spread_class,
)
from bot.grouping.meeting import expected_roster, plan_meeting  # noqa: E402
from bot.grouping.model import group_count_for, group_sizes  # noqa: E402
from bot.grouping.season import plan_first_of_season, plan_season  # noqa: E402

ROLE_MIX = {"lay": 15, "commissioner": 10, "gp": 20, "clinician": 25, "manager": 15, "researcher": 15}
SIZE = 5
PAST_MEETINGS = 6
#: Above this many candidate groups the set-partitioning model gives way to the CP-SAT pair model.
COLUMN_LIMIT = 100_000


def mix_roles(k: int) -> list[str]:
    """k roles in ROLE_MIX proportions (largest remainder), so instances differ only by the seed's shuffle."""
    total = sum(ROLE_MIX.values())
    exact = {r: k * w / total for r, w in ROLE_MIX.items()}
    counts = {r: int(x) for r, x in exact.items()}
    for r in sorted(exact, key=lambda r: exact[r] - counts[r], reverse=True)[: k - sum(counts.values())]:
        counts[r] += 1
    return [r for r, c in counts.items() for _ in range(c)]


def random_split(ids: Sequence[Hashable], size: int, rng: random.Random) -> list[list[Hashable]]:
    people = list(ids)
    rng.shuffle(people)
    g = group_count_for(len(people), size=size)
    return [people[k::g] for k in range(g)]


def instance(n: int, seed: int, past: int = PAST_MEETINGS) -> tuple[list[Participant], History, Constraints]:
    rng = random.Random(seed)
    g = group_count_for(n, size=SIZE)
    facilitators = max(1, 2 * g // 3)
    roles = mix_roles(n - facilitators)
    rng.shuffle(roles)
    roster = [Participant(k, "facilitator", True) for k in range(facilitators)]
    roster += [Participant(facilitators + k, role, False) for k, role in enumerate(roles)]
    meetings = []
    for _ in range(past):
        present = [p.id for p in roster if rng.random() < 0.8]
        meetings.append(random_split(present, SIZE, rng))
    others = [p.id for p in roster if not p.is_facilitator]
    apart = set()
    while len(apart) < max(2, n // 100):
        a, b = rng.sample(others, 2)
        apart.add((min(a, b), max(a, b)))
    return roster, History.from_meetings(meetings), Constraints(keep_apart=sorted(apart))


def as_groups(roster: list[Participant], groups: list[list[Hashable]]) -> list[list[Participant]]:
    by_id = {p.id: p for p in roster}
    return [[by_id[i] for i in group] for group in groups]


def round_robin(roster: list[Participant], g: int) -> list[list[Participant]]:
    """Baseline: sort by class (facilitators first) and deal like cards, ignoring history and constraints."""
    ordered = sorted(roster, key=lambda p: (not p.is_facilitator, p.role))
    return [ordered[k::g] for k in range(g)]


def apart_ok(groups: list[list[Participant]], constraints: Constraints) -> bool:
    where = {p.id: b for b, group in enumerate(groups) for p in group}
    return all(where[a] != where[b] for a, b in constraints.keep_apart)


def cpsat_optimum(roster: list[Participant], history: History, constraints: Constraints, limit: float) -> dict:
    """Exact optimum of the same objective with OR-Tools CP-SAT.

    Per group and class a count c with C(c,2) from a table (AddElement); a pair variable only for pairs
    that met before; group sizes are variables in {q, q+1} so groups stay interchangeable, which makes
    pinning facilitator k to group k valid when there is at most one facilitator per group (the model then
    requires at most one per group, a restriction every plan of ours also meets).
    """
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        return {"reference_method": "CP-SAT pair model", "reference_status": "ortools not installed"}
    n = len(roster)
    g = group_count_for(n, size=SIZE)
    sizes = group_sizes(n, g)
    scale = 2 ** (HISTORY_WINDOW + 1)
    model = cp_model.CpModel()
    x = [[model.NewBoolVar(f"x{i}_{k}") for k in range(g)] for i in range(n)]
    for i in range(n):
        model.AddExactlyOne(x[i])
    for k in range(g):
        size = model.NewIntVar(min(sizes), max(sizes), f"s{k}")
        model.Add(sum(x[i][k] for i in range(n)) == size)
    index = {p.id: i for i, p in enumerate(roster)}
    for a, b in constraints.keep_apart:
        for k in range(g):
            model.AddBoolOr([x[index[a]][k].Not(), x[index[b]][k].Not()])
    facilitators = [i for i, p in enumerate(roster) if p.is_facilitator]
    if len(facilitators) <= g:
        for k, i in enumerate(facilitators):
            model.Add(x[i][k] == 1)
    table = [v * (v - 1) // 2 for v in range(max(sizes) + 1)]
    priority = plan_weights(roster, history, sizes)
    terms = []
    classes: dict[Hashable, list[int]] = {}
    for i, p in enumerate(roster):
        classes.setdefault(spread_class(p), []).append(i)
    for cls, members in classes.items():
        weight = round(priority.of(cls) * scale)
        for k in range(g):
            count = model.NewIntVar(0, max(sizes), "")
            model.Add(count == sum(x[i][k] for i in members))
            pairs = model.NewIntVar(0, table[-1], "")
            model.AddElement(count, table, pairs)
            terms.append(weight * pairs)
    weights = meeting_weights(history)
    tags = [person_tags(p.id, history, weights) for p in roster]
    for i, j in combinations(range(n), 2):
        shared = sum(w for t, w in tags[i].items() if t in tags[j])
        if shared:
            z = model.NewBoolVar("")
            for k in range(g):
                model.AddBoolOr([x[i][k].Not(), x[j][k].Not(), z])
            terms.append(round(shared * scale) * z)
    model.Minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = 2
    started = time.perf_counter()
    status = solver.Solve(model)
    elapsed = time.perf_counter() - started
    return {
        "reference_method": "CP-SAT pair model",
        "reference_status": solver.StatusName(status),
        "reference_value": solver.ObjectiveValue() / scale,
        "reference_bound": solver.BestObjectiveBound() / scale,
        "reference_seconds": round(elapsed, 2),
    }


def pair_costs(roster: list[Participant], history: History, constraints: Constraints) -> list[list[float]]:
    """The engine's cost of every pair sharing a group (an n x n table: fine for the small exact cases)."""
    n = len(roster)
    weights = meeting_weights(history)
    tags = [person_tags(p.id, history, weights) for p in roster]
    classes = [spread_class(p) for p in roster]
    priority = plan_weights(roster, history, group_sizes(n, group_count_for(n, size=SIZE)))
    costs = [[0.0] * n for _ in range(n)]
    for i, j in combinations(range(n), 2):
        same = priority.of(classes[i]) if classes[i] == classes[j] else 0.0
        costs[i][j] = costs[j][i] = same + sum(w for t, w in tags[i].items() if t in tags[j])
    index = {p.id: i for i, p in enumerate(roster)}
    for a, b in constraints.keep_apart:
        costs[index[a]][index[b]] = costs[index[b]][index[a]] = math.inf
    return costs


def cheap_groups(costs: list[list[float]], sizes: set[int], upper: float, limit: int) -> list | None:
    """Every group of an allowed size costing at most ``upper``, as (members, cost); None past ``limit``.

    Depth-first in increasing member order, dropping a branch as soon as its cost passes ``upper``:
    pair costs are never negative, so adding members never makes a group cheaper.
    """
    n, largest = len(costs), max(sizes)
    found: list[tuple[tuple[int, ...], float]] = []
    group: list[int] = []

    def extend(start: int, cost: float) -> bool:
        if len(group) in sizes:
            found.append((tuple(group), cost))
            if len(found) > limit:
                return False
        if len(group) == largest:
            return True
        for j in range(start, n):
            grown = cost + sum(costs[a][j] for a in group)
            if grown <= upper:
                group.append(j)
                ok = extend(j + 1, grown)
                group.pop()
                if not ok:
                    return False
        return True

    return found if extend(0, 0.0) else None


def set_partition_optimum(columns: list, n: int, sizes: list[int], limit: float) -> dict:
    """Exact optimum over the listed groups with HiGHS: each person in exactly one chosen group, and as
    many groups of the larger size as the plan needs (which also fixes the number of groups)."""
    try:
        import highspy
        import numpy as np
    except ImportError:
        return {"reference_method": "set partitioning", "reference_status": "highspy not installed"}
    larger = max(sizes)
    n_larger = sizes.count(larger) if min(sizes) < larger else 0
    rows = n + (1 if n_larger else 0)
    starts, index = [0], []
    for members, _ in columns:
        index.extend(members)
        if n_larger and len(members) == larger:
            index.append(n)
        starts.append(len(index))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(columns), rows
    lp.col_cost_ = np.array([cost for _, cost in columns])
    lp.col_lower_, lp.col_upper_ = np.zeros(len(columns)), np.ones(len(columns))
    demand = np.ones(rows)
    if n_larger:
        demand[n] = n_larger
    lp.row_lower_, lp.row_upper_ = demand, demand.copy()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts)
    lp.a_matrix_.index_ = np.array(index)
    lp.a_matrix_.value_ = np.ones(len(index))
    lp.integrality_ = [highspy.HighsVarType.kInteger] * len(columns)
    solver = quiet_highs(highspy)
    for option, value in (("output_flag", False), ("time_limit", limit), ("mip_rel_gap", 0.0), ("threads", 2)):
        solver.setOptionValue(option, value)
    solver.setOptionValue("mip_abs_gap", 1e-7)
    started = time.perf_counter()
    solver.passModel(lp)
    solver.run()
    elapsed = time.perf_counter() - started
    info = solver.getInfo()
    status = solver.modelStatusToString(solver.getModelStatus())
    return {
        "reference_method": "set partitioning (HiGHS)",
        "reference_status": "OPTIMAL" if status == "Optimal" else status,
        "reference_value": info.objective_function_value,
        "reference_bound": info.mip_dual_bound,
        "reference_seconds": round(elapsed, 2),
        "reference_groups_listed": len(columns),
    }


def quiet_highs(highspy: ModuleType) -> Any:
    """A HiGHS instance, keeping its start-up banner (written straight to file descriptor 1) out of the
    JSON lines on stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            solver = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    solver.silent()
    return solver


def exact_reference(
    roster: list[Participant], history: History, constraints: Constraints, upper: float, limit: float
) -> dict:
    """The optimum by set partitioning when few groups are cheap enough, else by the CP-SAT pair model."""
    n = len(roster)
    sizes = group_sizes(n, group_count_for(n, size=SIZE))
    started = time.perf_counter()
    columns = cheap_groups(pair_costs(roster, history, constraints), set(sizes), upper + 1e-9, COLUMN_LIMIT)
    listing = round(time.perf_counter() - started, 2)
    if columns is None:
        return cpsat_optimum(roster, history, constraints, limit) | {"reference_listing_seconds": listing}
    return set_partition_optimum(columns, n, sizes, limit) | {"reference_listing_seconds": listing}


def timed_plan(roster, history, constraints, budget: float, seed: int = 0) -> tuple[float, float]:
    started = time.perf_counter()
    plan = plan_groups(roster, size=SIZE, history=history, constraints=constraints, seed=seed, time_budget=budget)
    elapsed = time.perf_counter() - started
    assert apart_ok(plan.groups, constraints)
    return plan.report.objective, elapsed


def gap(ours: float, best: float) -> float:
    return round((ours - best) / best, 4) if best > 0 else round(ours - best, 4)


def bench_small(n: int, exact_limit: float, past: int = PAST_MEETINGS, seeds: int = 10) -> dict:
    roster, history, constraints = instance(n, seed=n, past=past)
    g = group_count_for(n, size=SIZE)
    row: dict = {"bench": "quality", "n": n, "past_meetings": past, "groups": g}
    row["facilitators"] = sum(p.is_facilitator for p in roster)
    row["lower_bound"] = lower_bound(roster, size=SIZE, history=history)
    for budget in (0.1, 1.0):
        value, elapsed = timed_plan(roster, history, constraints, budget)
        row[f"ours_{budget}s"] = value
        row[f"seconds_{budget}s"] = round(elapsed, 3)
        row[f"within_budget_plus_10pct_{budget}s"] = elapsed <= budget * 1.1
    row.update(baselines(roster, history, g))
    upper = min(row["ours_0.1s"], row["ours_1.0s"])
    row.update(exact_reference(roster, history, constraints, upper, exact_limit))
    if "reference_value" in row:
        reference = row["reference_value"]
        row["gap_0.1s"] = gap(row["ours_0.1s"], reference)
        row["gap_1.0s"] = gap(row["ours_1.0s"], reference)
        # Robustness: how many seeds reach the reference within 1% at each budget.
        for budget in (0.1, 1.0):
            hits = 0
            for seed in range(seeds):
                value, _ = timed_plan(roster, history, constraints, budget, seed=seed)
                hits += value <= reference * 1.01 + 1e-9
            row[f"seeds_within_1pct_{budget}s"] = f"{hits}/{seeds}"
    return row


def baselines(roster: list[Participant], history: History, g: int) -> dict:
    rng = random.Random(1)
    randoms = [
        objective(as_groups(roster, random_split([p.id for p in roster], SIZE, rng)), history) for _ in range(20)
    ]
    return {
        "random_split_mean": round(sum(randoms) / len(randoms), 3),
        "round_robin": objective(round_robin(roster, g), history),
    }


def bench_large(n: int, budget: float) -> dict:
    roster, history, constraints = instance(n, seed=n)
    g = group_count_for(n, size=SIZE)
    bound = lower_bound(roster, size=SIZE, history=history)
    value, elapsed = timed_plan(roster, history, constraints, budget)
    row = {"bench": "quality", "n": n, "groups": g, "facilitators": sum(p.is_facilitator for p in roster)}
    row |= {"lower_bound": bound, "ours": value, "budget": budget, "seconds": round(elapsed, 3)}
    row |= {"within_budget_plus_10pct": elapsed <= budget * 1.1}
    row |= {"reached_bound": value <= bound + 1e-6, "gap_vs_bound": gap(value, bound)}
    row |= baselines(roster, history, g)
    return row


def memory_child(n: int) -> None:
    """Run in a subprocess: plan once and print its peak RSS and the tracemalloc peak of the planning call.

    The RSS figure covers the whole child (interpreter, imports, the instance and the plan) and is
    measured in a run without tracemalloc's bookkeeping, which would inflate it.
    """
    roster, history, constraints = instance(n, seed=n)
    plan_groups(roster, size=SIZE, history=history, constraints=constraints, time_budget=3.0)
    rss_kb = peak_rss_kb()
    tracemalloc.start()
    plan_groups(roster, size=SIZE, history=history, constraints=constraints, time_budget=3.0)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"traced_peak_mb": round(traced_peak / 2**20, 1), "peak_rss_mb": round(rss_kb / 1024, 1)}))


def peak_rss_kb() -> int:
    """This process's peak resident memory. VmHWM restarts at exec; ru_maxrss can carry the parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def bench_memory(n: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n)], capture_output=True, text=True, check=True
    ).stdout
    return {"bench": "memory", "n": n, **json.loads(out.strip().splitlines()[-1])}


def repeats(meetings: list[list[list[Hashable]]]) -> int:
    """Pair-meetings beyond each pair's first: a pair together k times counts k - 1."""
    seen: dict[tuple[Hashable, Hashable], int] = {}
    for groups in meetings:
        for group in groups:
            for a, b in combinations(sorted(group), 2):
                seen[(a, b)] = seen.get((a, b), 0) + 1
    return sum(k - 1 for k in seen.values())


def repeat_roster(roster_seed: int, role_mix: bool) -> list[Participant]:
    """6 facilitators and 24 members: one shared role (the issue's instance) or the realistic ROLE_MIX."""
    rng = random.Random(roster_seed)
    roles = mix_roles(24) if role_mix else ["other"] * 24
    rng.shuffle(roles)
    roster = [Participant(k, "facilitator", True) for k in range(6)]
    return roster + [Participant(6 + k, role, False) for k, role in enumerate(roles)]


GOLFER_APART = list(combinations(range(6), 2))


def per_meeting(meetings: list[list[list[Hashable]]]) -> list[int]:
    """New repeats at each meeting: repeats(first k) - repeats(first k - 1)."""
    totals = [repeats(meetings[: k + 1]) for k in range(len(meetings))]
    return [t - (totals[k - 1] if k else 0) for k, t in enumerate(totals)]


def golfer_season(rounds: int, budget: float, seed: int) -> tuple[list[list[list[Hashable]]], float]:
    """``copbot groups plan --rounds 7``: the season planned jointly in one call of ``budget`` seconds."""
    roster = repeat_roster(seed, role_mix=False)
    started = time.perf_counter()
    plans = plan_season(
        [roster] * rounds, size=SIZE, constraints=Constraints(keep_apart=GOLFER_APART), seed=seed, time_budget=budget
    )
    elapsed = time.perf_counter() - started
    return [[[p.id for p in g] for g in plan.groups] for plan in plans], elapsed


def golfer_meeting_by_meeting(
    rounds: int, budget: float, seed: int, season: int | None
) -> tuple[list[list[list[Hashable]]], float]:
    """Each meeting planned when it comes, from the history of the ones before, ``budget`` seconds each:
    as the first of ``season`` meetings (what ``/breakout plan`` does), or on its own (``season=None``)."""
    roster = repeat_roster(seed, role_mix=False)
    constraints = Constraints(keep_apart=GOLFER_APART)
    history = History()
    meetings = []
    worst = 0.0
    for r in range(rounds):
        started = time.perf_counter()
        if season is None:
            plan = plan_groups(
                roster, size=SIZE, history=history, constraints=constraints, seed=seed + r, time_budget=budget
            )
        else:
            plan = plan_first_of_season(
                roster,
                roster,
                rounds=season,
                size=SIZE,
                history=history,
                constraints=constraints,
                seed=seed + r,
                time_budget=budget,
            )
        worst = max(worst, time.perf_counter() - started)
        groups = [[p.id for p in group] for group in plan.groups]
        meetings.append(groups)
        history.add_meeting(groups)
    return meetings, worst


def bench_golfer_season(rounds: int = 7, budget: float = 20.0, seeds: int = 5) -> dict:
    """The issue's social-golfer case as a season: 30 people (6 facilitators kept apart, 24 members of one
    role), groups of 5, 7 meetings planned jointly. Floor 24 (each facilitator meets 28 member places among
    24 members); target <= 26 in <= 20 s."""
    runs = [golfer_season(rounds, budget, 30 + k) for k in range(seeds)]
    totals = [repeats(m) for m, _ in runs]
    return {
        "bench": "golfer_season",
        "people": 30,
        "groups": 6,
        "rounds": rounds,
        "budget_seconds": budget,
        "repeats_per_seed": totals,
        "repeats_mean": round(sum(totals) / seeds, 1),
        "repeats_max": max(totals),
        "per_meeting_per_seed": [per_meeting(m) for m, _ in runs],
        "seconds_per_seed": [round(e, 2) for _, e in runs],
        "within_budget_plus_10pct": all(e <= budget * 1.1 for _, e in runs),
        "floor": 6 * max(0, 4 * rounds - 24),
        "target": 26,
    }


def bench_golfer_meeting_by_meeting(rounds: int = 7, budget: float = 1.0, seeds: int = 5) -> dict:
    """The same case planned meeting by meeting at 1 s each, as ``/breakout plan`` does (each meeting the
    first of a season of ``[breakouts] season_meetings`` = 6), and, for comparison, each meeting on its
    own cost alone (``plan_groups``, the engine before seasons). Target <= 34."""
    season = [golfer_meeting_by_meeting(rounds, budget, 30 + k, 6) for k in range(seeds)]
    alone = [golfer_meeting_by_meeting(rounds, budget, 30 + k, None) for k in range(seeds)]
    totals = [repeats(m) for m, _ in season]
    alone_totals = [repeats(m) for m, _ in alone]
    return {
        "bench": "golfer_meeting_by_meeting",
        "people": 30,
        "rounds": rounds,
        "budget_per_meeting": budget,
        "repeats_per_seed": totals,
        "repeats_mean": round(sum(totals) / seeds, 1),
        "per_meeting_per_seed": [per_meeting(m) for m, _ in season],
        "slowest_meeting_seconds": round(max(w for _, w in season), 3),
        "within_budget_plus_10pct": all(w <= budget * 1.1 for _, w in season + alone),
        "one_meeting_alone_repeats_per_seed": alone_totals,
        "one_meeting_alone_mean": round(sum(alone_totals) / seeds, 1),
        "one_meeting_alone_per_meeting_per_seed": [per_meeting(m) for m, _ in alone],
        "target": 34,
    }


def bench_golfer_regulars_away(rounds: int = 7, budget: float = 1.0, seeds: int = 5, away: float = 0.06) -> dict:
    """The golfer case meeting by meeting as ``/breakout plan`` plans it (:func:`plan_meeting`), with each
    of the 24 members away from a meeting with chance ``away`` (the facilitators always come): the season
    design goes on with the absent left out (issue 29). Floor 24 with everyone there every time."""
    totals, per, absent, worst = [], [], [], 0.0
    for k in range(seeds):
        rng = random.Random(30 + k)
        roster = repeat_roster(30 + k, role_mix=False)
        history = History()
        meetings = []
        away_now = []
        for r in range(rounds):
            today = [p for p in roster if p.is_facilitator or rng.random() >= away]
            away_now.append(len(roster) - len(today))
            started = time.perf_counter()
            plan = plan_meeting(
                today,
                size=SIZE,
                history=history,
                seed=30 + k + r,
                time_budget=budget,
                members=roster,
                season_meetings=6,
            )
            worst = max(worst, time.perf_counter() - started)
            groups = [[p.id for p in g] for g in plan.groups]
            meetings.append(groups)
            history.add_meeting(groups)
        totals.append(repeats(meetings))
        per.append(per_meeting(meetings))
        absent.append(away_now)
    return {
        "bench": "golfer_regulars_away",
        "people": 30,
        "rounds": rounds,
        "budget_per_meeting": budget,
        "chance_away": away,
        "away_per_meeting_per_seed": absent,
        "repeats_per_seed": totals,
        "repeats_mean": round(sum(totals) / seeds, 1),
        "per_meeting_per_seed": per,
        "slowest_meeting_seconds": round(worst, 3),
        "floor_with_everyone": 24,
    }


COP_ROSTER, COP_ATTEND, COP_MEETINGS, COP_FACILITATORS = 40, 33, 8, 5
#: The realistic attendance model ("core"): how often each tier comes, and how many are in it. The
#: facilitators are in the core. 16 x 0.97 + 16 x 0.8 + 8 x 0.6 = 33.1 at a meeting on average, as in
#: the uniform model, but the same core is there every time.
COP_TIERS = ((16, 0.97), (16, 0.8), (8, 0.6))


def cop_roster(rng: random.Random) -> list[Participant]:
    roles = mix_roles(COP_ROSTER - COP_FACILITATORS)
    rng.shuffle(roles)
    roster = [Participant(k, "facilitator", True) for k in range(COP_FACILITATORS)]
    return roster + [Participant(COP_FACILITATORS + k, role, False) for k, role in enumerate(roles)]


def cop_attendance(roster: list[Participant], rng: random.Random, model: str) -> list[list[Participant]]:
    """Who comes to each meeting. ``uniform``: any 33 of the 40, drawn afresh each time (the case as it
    was measured before issue 29). ``core``: each person comes with their tier's chance (``COP_TIERS``)."""
    if model == "uniform":
        return [sorted(rng.sample(roster, COP_ATTEND), key=lambda p: p.id) for _ in range(COP_MEETINGS)]
    members = roster[COP_FACILITATORS:]
    rng.shuffle(members)
    chance = {p.id: COP_TIERS[0][1] for p in roster[:COP_FACILITATORS]}
    start = 0
    for k, (count, p) in enumerate(COP_TIERS):
        take = count - (COP_FACILITATORS if k == 0 else 0)
        chance.update({m.id: p for m in members[start : start + take]})
        start += take
    return [[p for p in roster if rng.random() < chance[p.id]] for _ in range(COP_MEETINGS)]


def cop_run(seed: int, budget: float, season: int, model: str = "uniform", weighted: bool = True) -> dict:
    """One CoP season: 40 on the roster (5 facilitators, 35 in ROLE_MIX), about 33 of them at each of 8
    meetings (``cop_attendance``), each meeting planned when it comes as ``/breakout plan`` plans it
    (:func:`bot.grouping.meeting.plan_meeting`, with everyone on the roster as members and who came read
    from the breakout history). ``weighted=False`` plans with everyone expected weighing 1, for comparison."""
    rng = random.Random(seed)
    roster = cop_roster(rng)
    history = History()
    meetings, above, worst = [], [], 0.0
    for r, today in enumerate(cop_attendance(roster, rng, model)):
        started = time.perf_counter()
        if weighted:
            plan = plan_meeting(
                today,
                size=SIZE,
                history=history,
                seed=seed + r,
                time_budget=budget,
                members=roster,
                season_meetings=season,
            )
        else:
            expected = expected_roster(today, roster, history)
            plan = plan_first_of_season(
                today, expected.roster, rounds=season, size=SIZE, history=history, seed=seed + r, time_budget=budget
            )
        worst = max(worst, time.perf_counter() - started)
        groups = [[p.id for p in group] for group in plan.groups]
        meetings.append(groups)
        above.append(plan.report.people_above_even_share)
        history.add_meeting(groups)
    return {"meetings": meetings, "above": above, "worst": worst, "attend": [sum(map(len, m)) for m in meetings]}


def bench_cop(
    budget: float = 1.0, seeds: int = 10, season: int = 6, model: str = "uniform", weighted: bool = True
) -> dict:
    """The CoP case (issue 29): 0 people above their role's even share, every seed <= 16 repeated
    pair-meetings, mean <= 14, each meeting within its 1 s budget.

    Per-seed totals move by about 3 between runs (the searches stop at a wall-clock deadline), so 10 seeds.
    Attendance changes at every meeting, so each meeting is planned by the one-meeting engine with the
    expected roster given to its saturation tie-break, each person weighed by how often they came
    (``bot/grouping/saturation.py``, ``bot/grouping/meeting.py``; the season module docstring,
    "Attendance that changes", lists what else was tried). ``model`` is the attendance (``cop_attendance``);
    ``weighted=False`` weighs everyone expected 1, as before issue 29. Planning the 8 meetings jointly with
    their real attendance known gives 4 to 8 on the uniform model (seed 102: 8, the hardest), so what is
    missing is knowing who comes; on the core model it gives 14, 20 and 23 (seeds 100, 102, 103; 30 s each,
    ``plan_season`` over the real attendance): a core who always come use up their new faces, whoever plans.
    """
    runs = [cop_run(100 + k, budget, season, model, weighted) for k in range(seeds)]
    totals = [repeats(run["meetings"]) for run in runs]
    return {
        "bench": "cop_case",
        "attendance": model,
        "weights": "by attendance" if weighted else "equal",
        "roster": COP_ROSTER,
        "attend": COP_ATTEND,
        "meetings": COP_MEETINGS,
        "facilitators": COP_FACILITATORS,
        "budget_per_meeting": budget,
        "season_meetings": season,
        "repeats_per_seed": totals,
        "repeats_mean": round(sum(totals) / seeds, 1),
        "repeats_max": max(totals),
        "seeds_at_most_16": sum(t <= 16 for t in totals),
        "per_meeting_repeats_per_seed": [per_meeting(run["meetings"]) for run in runs],
        "attendance_per_seed": [run["attend"] for run in runs],
        "above_share_per_seed": [sum(run["above"]) for run in runs],
        "slowest_meeting_seconds": round(max(run["worst"] for run in runs), 3),
        "within_budget": all(run["worst"] <= budget for run in runs),
        "targets": {"above_share": 0, "repeats_max": 16, "repeats_mean": 14},
    }


def solver_versions() -> dict:
    """Versions of the exact solvers, or None for one that is missing (its references are then skipped)."""
    versions: dict[str, str | None] = {}
    for name in ("ortools", "highspy"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory-child", type=int)
    parser.add_argument(
        "--only", choices=["quality", "large", "season", "cop", "memory"], help="run one part (cop: the CoP case alone)"
    )
    parser.add_argument(
        "--cop",
        default="uniform,core",
        help="CoP attendance models to run, comma-separated (uniform, core), each with weights by attendance",
    )
    parser.add_argument("--cop-equal", action="store_true", help="also run each CoP model with equal weights")
    parser.add_argument("--seeds", type=int, default=10, help="seeds of the CoP case (10)")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    print(json.dumps({"bench": "env", "python": sys.version.split()[0]} | solver_versions()))
    limit = 60.0 if args.quick else 300.0
    if args.only in (None, "quality"):
        for n in (20, 23, 30, 33, 62):
            print(json.dumps(bench_small(n, limit)), flush=True)
        print(json.dumps(bench_small(62, limit, past=12)), flush=True)
    if args.only in (None, "large"):
        large = [(200, 0.3), (203, 0.3), (1000, 1.0), (1003, 1.0)]
        if not args.quick:
            large += [(5000, 3.0), (5003, 3.0)]
        for n, budget in large:
            print(json.dumps(bench_large(n, budget)), flush=True)
    if args.only in (None, "season"):
        print(json.dumps(bench_golfer_season()), flush=True)
        print(json.dumps(bench_golfer_meeting_by_meeting()), flush=True)
        print(json.dumps(bench_golfer_regulars_away()), flush=True)
    if args.only in (None, "season", "cop"):
        for model in args.cop.split(","):
            print(json.dumps(bench_cop(model=model, seeds=args.seeds)), flush=True)
            if args.cop_equal:
                print(json.dumps(bench_cop(model=model, seeds=args.seeds, weighted=False)), flush=True)
    if args.only in (None, "memory"):
        print(json.dumps(bench_memory(1000 if args.quick else 5000)), flush=True)


if __name__ == "__main__":
    main()
