"""Offline and in Discord, one planner: ``copbot groups plan`` with the same people, history, keep-apart pairs
and seed gives the groups ``/breakout plan`` gives (``bot.breakouts.make_plan``, what the cog calls), for a
one-off meeting, a continued season and a changed roster (issue 29).

The search stops at a wall-clock deadline, so two plans agree only when the search has settled by then:
the cases are small and get a few seconds each, so the groups do not depend on how busy the machine is.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.breakouts import make_plan
from bot.config import load_config
from bot.grouping import History, Participant
from bot.grouping.cli import register
from bot.storage.breakouts import KeepApartRule

SEED = 4242
#: Seconds for each plan: enough for these small cases to settle however busy the machine is.
BUDGET = 2.5
SEASON = load_config().breakouts.season_meetings


def offline(
    tmp_path: Path,
    today: list[Participant],
    away: list[Participant],
    history: History | None,
    apart: list[tuple[int, int]],
    size: int = 4,
) -> set[frozenset[str]]:
    """``copbot groups plan`` on files written from the same inputs; the groups as sets of names."""
    people = tmp_path / "people.csv"
    rows = ["name,role,facilitator,here"]
    rows += [f"{p.id},{p.role},{'yes' if p.is_facilitator else 'no'},yes" for p in today]
    rows += [f"{p.id},{p.role},{'yes' if p.is_facilitator else 'no'},no" for p in away]
    people.write_text("\n".join(rows) + "\n", encoding="utf-8")
    argv = ["groups", "plan", str(people), "--size", str(size), "--seed", str(SEED), "--json"]
    argv += ["--time-budget", str(BUDGET)]
    if history is not None:
        past = tmp_path / "history.csv"
        lines = ["meeting,group,name"]
        for m, meeting in enumerate(history.meetings()):
            lines += [f"M{m},{g},{i}" for g, group in enumerate(meeting) for i in group]
        past.write_text("\n".join(lines) + "\n", encoding="utf-8")
        argv += ["--history", str(past)]
    if apart:
        pairs = tmp_path / "apart.csv"
        pairs.write_text("name,apart_from\n" + "".join(f"{a},{b}\n" for a, b in apart), encoding="utf-8")
        argv += ["--keep-apart", str(pairs)]
    parser = argparse.ArgumentParser(prog="copbot")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return {frozenset(p["name"] for p in g["people"]) for g in _plan_json(args)["groups"]}


def _plan_json(args: argparse.Namespace) -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert args.func(args) == 0
    return json.loads(out.getvalue())


def in_discord(
    today: list[Participant],
    away: list[Participant],
    history: History | None,
    apart: list[tuple[int, int]],
    size: int = 4,
) -> set[frozenset[str]]:
    """What the cog does: ``make_plan`` with every member's role, the history and the keep-apart rules."""
    roles = {int(p.id): p.role for p in [*today, *away]}  # type: ignore[call-overload]
    plan = make_plan(
        today,
        size=size,
        history=history,
        keep_apart=[KeepApartRule(1, min(a, b), max(a, b)) for a, b in apart],
        seed=SEED,
        time_budget=BUDGET,
        roles=roles,
        season_meetings=SEASON,
    )
    return {frozenset(str(p.id) for p in g) for g in plan.groups}


def _people(roles: list[str], first: int = 0) -> list[Participant]:
    return [Participant(first + k, r, r == "facilitator") for k, r in enumerate(roles)]


def test_a_one_off_meeting_is_planned_alike(tmp_path: Path) -> None:
    today = _people(["facilitator", "facilitator", "lay", "lay", "gp", "gp", "clinician", "researcher", "manager"])
    apart = [(2, 3), (4, 6)]
    groups = in_discord(today, [], None, apart)
    assert offline(tmp_path, today, [], None, apart) == groups
    assert all(not {"2", "3"} <= g and not {"4", "6"} <= g for g in groups)


def test_a_continued_season_is_planned_alike(tmp_path: Path) -> None:
    # 4 facilitators and 8 members in groups of 3: the cyclic shape, so both continue the same season
    # design (8 members paired anew at each of 7 meetings), read back from the first two meetings.
    today = _people(["facilitator"] * 4 + ["other"] * 8)
    history = History()
    for _ in range(2):
        groups = in_discord(today, [], history, [], size=3)
        history.add_meeting([sorted((int(i) for i in g), key=str) for g in groups])
    third = in_discord(today, [], history, [], size=3)
    assert offline(tmp_path, today, [], history, [], size=3) == third
    leaders = {0, 1, 2, 3}
    met = {frozenset(set(g) - leaders) for meeting in history.meetings() for g in meeting}
    today_pairs = {frozenset({int(i) for i in g} - leaders) for g in third}
    assert len(today_pairs) == 4 and not today_pairs & met, "the design pairs every member with someone new"


@pytest.mark.parametrize("meetings", [1, 3])
def test_a_changed_roster_is_planned_alike(tmp_path: Path, meetings: int) -> None:
    # 14 members; 11 come today, 3 regulars are away. The history has other mixes of them.
    roles = ["facilitator", "facilitator", "facilitator", "lay", "lay", "lay", "gp", "gp", "clinician"]
    roles += ["clinician", "commissioner", "researcher", "manager", "lay"]
    everyone = _people(roles)
    today, away = everyone[:11], everyone[11:]
    history = History()
    for m in range(meetings):
        here = [p for k, p in enumerate(everyone) if (k + m) % 5]
        groups = [[p.id for p in here[b::3]] for b in range(3)]
        history.add_meeting(groups)
    apart = [(3, 8)]
    groups = in_discord(today, away, history, apart)
    assert offline(tmp_path, today, away, history, apart) == groups
    assert sorted(int(i) for g in groups for i in g) == list(range(11))
