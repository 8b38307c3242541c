"""``copbot groups plan``: plan breakout groups from a spreadsheet, for facilitators working offline.

This is the only module of the package that reads files. Every input problem becomes one plain sentence
on stderr and exit code 2, naming the file, the line and the value, because the person reading it is a
facilitator with a spreadsheet, not a programmer.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot import roles

from .history import History
from .model import InfeasibleError, Participant, people
from .plan import Plan, plan_groups
from .season import plan_season

EXIT_BAD_INPUT = 2
#: Longest season ``--rounds`` plans (a year of fortnightly meetings).
MAX_ROUNDS = 26
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}

DESCRIPTION = """\
Split the people in a CSV file into well-mixed breakout groups.

The CSV file needs a first line naming the columns "name" and "role", and may have a
"facilitator" column (yes or no). Roles: {roles}.
Anyone with the role "facilitator" also counts as a facilitator.

  name,role,facilitator
  Ann,facilitator,yes
  Bob,gp,no
  Cat,lay,

The plan puts one facilitator in each group when there are enough, then spreads every role as
evenly as it can, and only then avoids grouping people who were together at recent meetings:
the mix comes first, new faces second.

With --rounds K it plans K meetings of the same people at once (a "season"), so the first
meetings do not use up the new faces the later ones need; with --history it continues from
the past meetings. --json then prints {{"rounds": [plan, ...]}}.

The optional history file is a CSV with the columns "meeting", "group" and "name": one line
per person per past meeting, oldest meeting first. Meeting and group can be any label
(a date, a number); people who are not in today's list are ignored.

  meeting,group,name
  2024-05-01,1,Ann
  2024-05-01,1,Bob
  2024-05-01,2,Cat
"""


class InputError(Exception):
    """One plain sentence about bad input; the handler prints it and exits with code 2."""


def register(subparsers: Any) -> None:
    """Add ``groups plan`` to an argparse subparsers object (``func`` is set to the handler)."""
    groups = subparsers.add_parser("groups", help="plan breakout groups from a CSV file")
    sub = groups.add_subparsers(dest="groups_command", metavar="COMMAND", required=True)
    plan = sub.add_parser(
        "plan",
        help="split the people in a CSV file into groups",
        description=DESCRIPTION.format(roles=", ".join(roles.ROLE_KEYS)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_argument("file", metavar="FILE.csv", help="the people to group: columns name, role, facilitator")
    plan.add_argument("--size", required=True, metavar="N", help="people per group (at most; 2 or more)")
    plan.add_argument("--history", metavar="FILE", help="past meetings: a CSV with columns meeting, group, name")
    plan.add_argument(
        "--seed",
        default="0",
        metavar="S",
        help="another number gives another plan as good as seed 0's, when one exists (0)",
    )
    plan.add_argument(
        "--rounds",
        default="1",
        metavar="K",
        help="plan K meetings of the same people at once, so later meetings still bring new faces (1)",
    )
    plan.add_argument("--json", action="store_true", help="print the plan as JSON instead of text")
    plan.add_argument(
        "--time-budget",
        default=None,
        metavar="SECONDS",
        help="longest time to spend improving the plan (1 second per meeting)",
    )
    plan.set_defaults(func=handle_plan)


def handle_plan(args: argparse.Namespace) -> int:
    """Read the files, plan, print. Returns the exit code (0, or 2 for bad input)."""
    try:
        size = _whole_number(args.size, "--size")
        seed = _whole_number(args.seed, "--seed")
        rounds = _whole_number(args.rounds, "--rounds")
        if not 1 <= rounds <= MAX_ROUNDS:
            raise InputError(f"--rounds must be from 1 to {MAX_ROUNDS}, not {rounds}.")
        budget = _seconds(args.time_budget if args.time_budget is not None else str(rounds))
        roster = read_roster(Path(args.file))
        if size < 2:
            raise InputError(f"--size must be at least 2, not {size}.")
        if size > len(roster):
            raise InputError(f"--size {size} is larger than the {people(len(roster))} in {args.file}.")
        history = read_history(Path(args.history)) if args.history else None
        if rounds > 1:
            season = plan_season([roster] * rounds, size=size, history=history, seed=seed, time_budget=budget)
            print(json.dumps(season_json(season), indent=2) if args.json else season_text(season))
            return 0
        plan = plan_groups(roster, size=size, history=history, seed=0, time_budget=budget)
        if seed != 0:
            # "Another plan as good": the plan seed 0 prints is the one to differ from.
            shown = [[p.id for p in group] for group in plan.groups]
            plan = plan_groups(roster, size=size, history=history, seed=seed, time_budget=budget, avoid=[shown])
    except (InputError, InfeasibleError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps(plan_json(plan), indent=2) if args.json else plan_text(plan))
    return 0


def _whole_number(value: str, option: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{option} must be a whole number, not '{value}'.") from None


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise InputError(f"--time-budget must be a number of seconds, not '{value}'.") from None
    if not 0 < seconds <= 600:
        raise InputError(f"--time-budget must be more than 0 and at most 600 seconds, not {value}.")
    return seconds


def _rows(path: Path, required: tuple[str, ...], hint: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row with lower-case keys and stripped values) for each non-blank line."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path} is empty; its first line must name the columns {hint}.")
            columns = [h.strip().lower() for h in header]
            for name in required:
                if name not in columns:
                    raise InputError(f"{path} has no '{name}' column; its first line must name the columns {hint}.")
            for record in reader:
                values = [v.strip() for v in record]
                if not any(values):
                    continue
                yield reader.line_num, {c: (values[k] if k < len(values) else "") for k, c in enumerate(columns)}
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise InputError(f"Cannot read {path}: it is not a text file saved as UTF-8.") from None
    except csv.Error as exc:
        raise InputError(f"Cannot read {path}: {exc}.") from None


def read_roster(path: Path) -> list[Participant]:
    """The people in a ``name,role[,facilitator]`` CSV file, checked line by line."""
    allowed = ", ".join(roles.ROLE_KEYS)
    roster: list[Participant] = []
    seen: dict[str, int] = {}
    hint = "name,role (and optionally facilitator)"
    for line, row in _rows(path, ("name", "role"), hint):
        name, role = row["name"], row["role"].lower()
        flag = row.get("facilitator", "").lower()
        if not name:
            raise InputError(f"{path} line {line}: the name is blank.")
        if name in seen:
            raise InputError(f"{path} line {line}: {name} is already listed on line {seen[name]}.")
        if not role:
            raise InputError(f"{path} line {line}: the role of {name} is blank; use one of: {allowed}.")
        if not roles.is_role(role):
            raise InputError(f"{path} line {line}: '{row['role']}' is not a known role; use one of: {allowed}.")
        if flag not in _YES | _NO:
            raise InputError(f"{path} line {line}: facilitator must be yes or no, not '{row['facilitator']}'.")
        seen[name] = line
        roster.append(Participant(name, role, flag in _YES or role == roles.FACILITATOR))
    if not roster:
        raise InputError(f"{path} lists nobody.")
    return roster


def read_history(path: Path) -> History:
    """Past meetings from a ``meeting,group,name`` CSV file, meetings in order of first appearance."""
    meetings: dict[str, dict[str, list[str]]] = {}
    where: dict[tuple[str, str], tuple[str, int]] = {}
    for line, row in _rows(path, ("meeting", "group", "name"), "meeting,group,name"):
        meeting, group, name = row["meeting"], row["group"], row["name"]
        for column, value in (("meeting", meeting), ("group", group), ("name", name)):
            if not value:
                raise InputError(f"{path} line {line}: the {column} is blank.")
        if (meeting, name) in where:
            other_group, other_line = where[(meeting, name)]
            if other_group == group:
                raise InputError(f"{path} line {line}: {name} is listed twice in group {group} of meeting {meeting}.")
            raise InputError(
                f"{path} line {line}: {name} is in two groups at meeting {meeting} (lines {other_line} and {line})."
            )
        where[(meeting, name)] = (group, line)
        meetings.setdefault(meeting, {}).setdefault(group, []).append(name)
    return History.from_meetings([list(groups.values()) for groups in meetings.values()])


def _role_text(p: Participant) -> str:
    return roles.short_label(p.role)


def plan_text(plan: Plan) -> str:
    """The plan for people: each group with names, roles and who leads it, then the report."""
    n = sum(len(g) for g in plan.groups)
    sizes = sorted({len(g) for g in plan.groups})
    size_text = " or ".join(str(s) for s in sizes)
    count = len(plan.groups)
    lines = [f"{people(n)} in {count} group{'s' if count != 1 else ''} of {size_text}.", ""]
    width = max(len(str(p.id)) for g in plan.groups for p in g)
    role_width = max(len(_role_text(p)) for g in plan.groups for p in g)
    for number, group in enumerate(plan.groups, start=1):
        lines.append(f"Group {number}")
        for p in group:
            lead = "  leads this group" if p.is_facilitator else ""
            lines.append(f"  {p.id!s:<{width}}  {_role_text(p):<{role_width}}{lead}".rstrip())
        lines.append("")
    lines.append("How well the groups are mixed")
    lines.extend(f"  {line}" for line in plan.report.lines(roles.short_label))
    return "\n".join(lines)


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data: groups of {name, role, facilitator} and the report's counts."""
    return {
        "groups": [
            {
                "group": number,
                "people": [{"name": p.id, "role": p.role, "facilitator": p.is_facilitator} for p in group],
            }
            for number, group in enumerate(plan.groups, start=1)
        ],
        "report": plan.report.to_dict(),
    }


def season_text(plans: list[Plan]) -> str:
    """Each meeting of a season in turn, headed "Meeting 1 of 7", with its own mix report."""
    parts = []
    for number, plan in enumerate(plans, start=1):
        parts.append(f"Meeting {number} of {len(plans)}\n\n{plan_text(plan)}")
    return "\n\n".join(parts)


def season_json(plans: list[Plan]) -> dict[str, Any]:
    """``{"rounds": [plan, ...]}``, each plan in the shape of :func:`plan_json`."""
    return {"rounds": [plan_json(plan) for plan in plans]}


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point for trying the command before it is wired into ``bot.cli``."""
    parser = argparse.ArgumentParser(prog="copbot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
