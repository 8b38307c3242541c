"""``copbot groups plan``: plan breakout groups from a spreadsheet, for facilitators working offline.

This is the only module of the package that reads files. Every input problem becomes one plain sentence
on stderr and exit code 2, naming the file, the line and the value, because the person reading it is a
facilitator with a spreadsheet, not a programmer.

One meeting is planned by :func:`.meeting.plan_meeting`, the function ``/breakout plan`` calls, with the
``[breakouts]`` settings the bot uses (``season_meetings``, and ``planning_seconds`` as the default time):
the same people, history, keep-apart pairs and seed give the same groups offline as in Discord.

Time is honest: ``--time-budget`` is the wall time of the whole command, start-up included, so the
planner gets what is left once Python has started and the files are read. To keep start-up short, the
planner is imported only when there is something to plan (``copbot --help`` does not load it), and
numpy only when a season is searched (:mod:`.season_search`).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import roles

from .history import History
from .model import Constraints, InfeasibleError, Participant, people

if TYPE_CHECKING:
    from .plan import Plan

#: When this module was imported: the start of the clock where the process start cannot be read.
_IMPORTED = time.perf_counter()

EXIT_BAD_INPUT = 2
#: Longest season ``--rounds`` plans (a year of fortnightly meetings).
MAX_ROUNDS = 26
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}

DESCRIPTION = """\
Split the people in a CSV file into well-mixed breakout groups.

The CSV file needs a first line naming the columns "name" and "role", and may have a
"facilitator" column (yes or no) and a "here" column (yes or no; blank means yes).
Roles: {roles}.
Anyone with the role "facilitator" also counts as a facilitator. People marked "here" no
are members who are not at this meeting: they are not put in a group, but the plan
keeps new faces for them when they come to later meetings, as often as they came before.

  name,role,facilitator,here
  Ann,facilitator,yes,
  Bob,gp,no,yes
  Cat,lay,,no

The plan puts one facilitator in each group when there are enough, then spreads every role as
evenly as it can, and only then avoids grouping people who were together at recent meetings:
the mix comes first, new faces second.

With --rounds K it plans K meetings of the same people at once (a "season"), so the first
meetings do not use up the new faces the later ones need; with --history it continues from
the past meetings. --json then prints {{"rounds": [plan, ...]}}.

The optional history file is a CSV with the columns "meeting", "group" and "name": one line
per person per past meeting, oldest meeting first. Meeting and group can be any label
(a date, a number). Planning meeting by meeting, add each meeting's groups to it: the plan
then continues one season design when the same people meet again, as /breakout plan does.

  meeting,group,name
  2024-05-01,1,Ann
  2024-05-01,1,Bob
  2024-05-01,2,Cat

The optional keep-apart file is a CSV with the columns "name" and "apart_from": these two
people are never put in the same group.

  name,apart_from
  Bob,Cat
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
    plan.add_argument("--keep-apart", metavar="FILE", help="pairs never to group: a CSV with columns name, apart_from")
    plan.add_argument(
        "--seed",
        default="0",
        metavar="S",
        help="another number may give another plan as good, when one exists (0)",
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
        help="longest time the whole command may take, start-up included "
        "(the bot's planning time per meeting: 1 second unless set in its configuration)",
    )
    plan.set_defaults(func=handle_plan, started=command_started())


def handle_plan(args: argparse.Namespace) -> int:
    """Read the files, plan, print. Returns the exit code (0, or 2 for bad input)."""
    try:
        size = _whole_number(args.size, "--size")
        seed = _whole_number(args.seed, "--seed")
        rounds = _whole_number(args.rounds, "--rounds")
        if not 1 <= rounds <= MAX_ROUNDS:
            raise InputError(f"--rounds must be from 1 to {MAX_ROUNDS}, not {rounds}.")
        season_meetings, planning_seconds = _bot_settings()
        budget = _seconds(args.time_budget) if args.time_budget is not None else planning_seconds * rounds
        members = read_roster(Path(args.file))
        roster = [p for p, here in members if here]
        if not roster:
            raise InputError(f"{args.file} marks nobody as here today.")
        if size < 2:
            raise InputError(f"--size must be at least 2, not {size}.")
        if size > len(roster):
            where = "in" if len(roster) == len(members) else "marked here in"
            raise InputError(f"--size {size} is larger than the {people(len(roster))} {where} {args.file}.")
        history = read_history(Path(args.history)) if args.history else None
        apart = read_keep_apart(Path(args.keep_apart), {p.id for p, _ in members}) if args.keep_apart else []
        constraints = Constraints(keep_apart=apart)
        # Whatever start-up and reading the files took is spent: the planner gets the rest.
        started = getattr(args, "started", None) or time.perf_counter()
        left = max(MIN_PLAN_SECONDS, budget - (time.perf_counter() - started) - PRINT_RESERVE)
        if rounds > 1:
            from .season import plan_season

            season = plan_season(
                [roster] * rounds, size=size, history=history, constraints=constraints, seed=seed, time_budget=left
            )
            print(json.dumps(season_json(season), indent=2) if args.json else season_text(season))
            return 0
        from .meeting import plan_meeting

        plan = plan_meeting(
            roster,
            size=size,
            history=history,
            constraints=constraints,
            seed=seed,
            time_budget=left,
            members=[p for p, _ in members],
            season_meetings=season_meetings,
        )
    except (InputError, InfeasibleError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps(plan_json(plan), indent=2) if args.json else plan_text(plan))
    return 0


#: Seconds kept back from ``--time-budget`` for printing the plan and Python's own exit (measured: about
#: 0.02 s on an idle machine, more when the machine is busy).
PRINT_RESERVE = 0.05
#: The planner always gets at least this long, even when start-up used up the budget.
MIN_PLAN_SECONDS = 0.05


def process_age() -> float | None:
    """How long this process has been running, or None where the system does not say.

    Linux keeps the process's start time and the time since boot, both to a hundredth of a second.
    """
    try:
        stat = Path("/proc/self/stat").read_text()
        started = int(stat.rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, uptime - started)


def _run_as_copbot() -> bool:
    """True when this process is the ``copbot`` command itself: the console script (whose ``main`` is
    :func:`bot.cli.main`), ``python -m bot`` or ``python -m bot.grouping.cli``."""
    entry = sys.modules.get("__main__")
    spec = getattr(entry, "__spec__", None)
    if spec is not None and spec.name in ("bot.__main__", "bot.grouping.cli"):
        return True
    return getattr(getattr(entry, "main", None), "__module__", None) == "bot.cli"


def command_started() -> float:
    """The ``time.perf_counter()`` reading at which this command started, so that start-up counts against
    ``--time-budget``: the process's start when this process is the ``copbot`` command (Python's own
    start-up and every import included; from this module's import where the system does not say when
    the process started), else now (a parser built inside another program, as in the tests)."""
    now = time.perf_counter()
    if not _run_as_copbot():
        return now
    age = process_age()
    return now - age if age is not None else _IMPORTED


def _bot_settings() -> tuple[int, float]:
    """``season_meetings`` and ``planning_seconds`` from the bot's configuration, so a meeting planned here
    is planned as ``/breakout plan`` plans it."""
    from bot.config import ConfigError, load_config

    try:
        settings = load_config().breakouts
    except ConfigError as exc:
        raise InputError(f"The configuration has a problem: {exc}") from None
    return settings.season_meetings, settings.planning_seconds


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


def read_roster(path: Path) -> list[tuple[Participant, bool]]:
    """The people in a ``name,role[,facilitator][,here]`` CSV file, checked line by line, each with whether
    they are here today (blank ``here`` means yes)."""
    allowed = ", ".join(roles.ROLE_KEYS)
    roster: list[tuple[Participant, bool]] = []
    seen: dict[str, int] = {}
    hint = "name,role (and optionally facilitator and here)"
    for line, row in _rows(path, ("name", "role"), hint):
        name, role = row["name"], row["role"].lower()
        flag = row.get("facilitator", "").lower()
        here = row.get("here", "").lower()
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
        if here not in _YES | _NO:
            raise InputError(f"{path} line {line}: here must be yes or no, not '{row['here']}'.")
        seen[name] = line
        person = Participant(name, role, flag in _YES or role == roles.FACILITATOR)
        roster.append((person, here in _YES or not here))
    if not roster:
        raise InputError(f"{path} lists nobody.")
    return roster


def read_keep_apart(path: Path, names: set[str]) -> list[tuple[str, str]]:
    """Pairs from a ``name,apart_from`` CSV file; both must be people of the people file."""
    pairs: list[tuple[str, str]] = []
    for line, row in _rows(path, ("name", "apart_from"), "name,apart_from"):
        a, b = row["name"], row["apart_from"]
        for column, value in (("name", a), ("apart_from", b)):
            if not value:
                raise InputError(f"{path} line {line}: the {column} is blank.")
            if value not in names:
                raise InputError(f"{path} line {line}: {value} is not in the people file.")
        if a == b:
            raise InputError(f"{path} line {line}: {a} cannot be kept apart from themselves.")
        pairs.append((a, b))
    return pairs


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
