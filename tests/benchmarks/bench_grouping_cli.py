"""Benchmark of ``copbot`` from the command line, timed as a whole process (start-up included).

Run ``python tests/benchmarks/bench_grouping_cli.py`` from the repository root. Prints one JSON object
per line:

* ``startup``: for ``copbot --help``, ``copbot check`` and ``copbot groups plan`` (30 people with three past
  meetings in ``--history``, so the search uses its whole ``--time-budget 1``), the wall time of the whole
  process (best, median and worst of ``--runs`` runs), the import time ``python -X importtime`` reports
  (all top-level imports added up; the least of three more runs), and whether numpy, matplotlib or
  discord.py were imported. ``groups plan`` must finish within 1.2 s of
  wall time with ``--time-budget 1`` (issue 29).
* ``golfer_cli``: the social-golfer case (30 people, 6 of them facilitators, groups of 5) planned meeting
  by meeting as a facilitator would offline: ``copbot groups plan people.csv --size 5 --history
  history.csv --time-budget 1``, each meeting's groups appended to the history file before the next.
  Repeated pair-meetings per meeting and in all (floor 24, target 26), and each call's wall time.
  ``seeds`` says how ``--seed`` was given: ``none`` (never), ``new`` (a new seed at every meeting).

``--src DIR`` runs another copy of the source tree (for example ``git archive main | tar -x -C DIR``)
with this Python, so the same figures can be taken before and after a change. Timings are wall-clock:
note the machine's load (``uptime``) with them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Hashable, Sequence
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "matplotlib", "discord")


def copbot(src: Path, args: Sequence[str], env: dict[str, str], importtime: bool = False) -> tuple[float, str, str]:
    """Run ``python -m bot ARGS`` from ``src``; (wall seconds, stdout, stderr)."""
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "bot", *args]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=src, timeout=120)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"copbot {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout, done.stderr


def import_figures(stderr: str) -> dict:
    """Total import time (top-level imports added up) and which heavy packages were imported."""
    total_us = 0
    imported: set[str] = set()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        module = name.rstrip()
        if not module.startswith("  "):  # a top-level import: its cumulative time covers its children
            total_us += int(cumulative)
        imported.add(module.strip().split(".")[0])
    return {"import_ms": round(total_us / 1000, 1)} | {f"imports_{h}": h in imported for h in HEAVY}


def write_people(path: Path, people: int = 30, facilitators: int = 6) -> list[str]:
    names = [f"F{k}" for k in range(facilitators)] + [f"M{k:02d}" for k in range(people - facilitators)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["name", "role", "facilitator"])
        for name in names:
            out.writerow([name, "facilitator" if name.startswith("F") else "other", ""])
    return names


def bench_startup(src: Path, env: dict[str, str], runs: int, workdir: Path) -> list[dict]:
    people = workdir / "people.csv"
    names = write_people(people)
    history = workdir / "three-meetings.csv"
    rng = random.Random(3)
    lines = ["meeting,group,name"]
    for meeting in range(3):
        members = [n for n in names if n.startswith("M")]
        rng.shuffle(members)
        lines += [f"{meeting},{k + 1},F{k}" for k in range(6)]
        lines += [f"{meeting},{k % 6 + 1},{name}" for k, name in enumerate(members)]
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = ["groups", "plan", str(people), "--size", "5", "--history", str(history), "--time-budget", "1"]
    commands = {"copbot --help": ["--help"], "copbot check": ["check"], "copbot groups plan": plan}
    rows = []
    for label, args in commands.items():
        walls = [copbot(src, args, env)[0] for _ in range(runs)]
        figures = [import_figures(copbot(src, args, env, importtime=True)[2]) for _ in range(3)]
        row = {"bench": "startup", "command": label, "runs": runs}
        row |= {"wall_best_s": round(min(walls), 3), "wall_median_s": round(statistics.median(walls), 3)}
        row |= {"wall_worst_s": round(max(walls), 3)}
        row |= min(figures, key=lambda f: f["import_ms"])
        if label == "copbot groups plan":
            row |= {"time_budget_s": 1.0, "within_1_2_s": max(walls) <= 1.2}
        rows.append(row)
    return rows


def repeats_per_meeting(meetings: list[list[list[Hashable]]]) -> list[int]:
    """New repeats at each meeting: pairs that had already shared a group before."""
    seen: set[tuple[Hashable, Hashable]] = set()
    out = []
    for groups in meetings:
        new = 0
        for group in groups:
            for pair in combinations(sorted(group), 2):
                if pair in seen:
                    new += 1
                seen.add(pair)
        out.append(new)
    return out


def bench_golfer_cli(src: Path, env: dict[str, str], seeds: str, workdir: Path, rounds: int = 7) -> dict:
    people = workdir / "people.csv"
    write_people(people)
    history = workdir / f"history-{seeds}.csv"
    history.write_text("meeting,group,name\n", encoding="utf-8")
    meetings: list[list[list[Hashable]]] = []
    walls = []
    for meeting in range(1, rounds + 1):
        args = ["groups", "plan", str(people), "--size", "5", "--history", str(history), "--json"]
        args += ["--time-budget", "1"]
        if seeds == "new":
            args += ["--seed", str(meeting)]
        wall, out, _ = copbot(src, args, env)
        walls.append(round(wall, 3))
        groups = [[p["name"] for p in g["people"]] for g in json.loads(out)["groups"]]
        meetings.append(groups)
        with history.open("a", encoding="utf-8") as fh:
            for number, group in enumerate(groups, start=1):
                fh.writelines(f"{meeting},{number},{name}\n" for name in group)
    per_meeting = repeats_per_meeting(meetings)
    return {
        "bench": "golfer_cli",
        "people": 30,
        "size": 5,
        "meetings": rounds,
        "seeds": seeds,
        "time_budget_s": 1.0,
        "repeats": sum(per_meeting),
        "repeats_per_meeting": per_meeting,
        "wall_s_per_call": walls,
        "wall_worst_s": max(walls),
        "floor": 24,
        "target": 26,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", type=Path, default=ROOT, help="the source tree to run (default: this one)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per start-up command (5)")
    parser.add_argument("--only", choices=["startup", "golfer"], help="run one part")
    args = parser.parse_args()
    src = args.src.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("COPBOT") and k != "DISCORD_TOKEN"}
        env |= {"PYTHONPATH": str(src), "COPBOT_DB": str(workdir / "copbot.db")}
        print(json.dumps({"bench": "env", "src": str(src), "load_average": os.getloadavg()}), flush=True)
        if args.only in (None, "startup"):
            for row in bench_startup(src, env, args.runs, workdir):
                print(json.dumps(row), flush=True)
        if args.only in (None, "golfer"):
            for seeds in ("none", "new"):
                print(json.dumps(bench_golfer_cli(src, env, seeds, workdir)), flush=True)
        print(json.dumps({"bench": "env", "load_average_after": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
