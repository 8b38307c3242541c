"""Benchmark: the impact report of a large community (run by hand; not part of the default test run).

    python tests/benchmarks/bench_report.py                       (from the repository root)
    python tests/benchmarks/bench_report.py --postgres URL        (also on an empty PostgreSQL database)

Seeds a community of 400 members over 50 meetings (every two weeks, about two years) with 5,000 tasks,
their questions and a check-in after most meetings (``tests/reportseed.py``) into a real SQLite file,
then builds the report as ``/meeting report`` does (read the rows, compute the figures off the event
loop, render the page and the CSV) for the last 50 meetings and for the default 6, several times each,
and once more through ``copbot report`` in a fresh process (Python start-up and imports included).
Prints JSON lines. Goals (issue 31): the 50-meeting report built in under 2 s on this machine, and the
file under 2 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.report.service import build_report, gather_figures, render  # noqa: E402
from bot.storage.backend import make_database  # noqa: E402
from tests.reportseed import seed_community  # noqa: E402

MEETINGS, MEMBERS, TASKS = 50, 400, 5000
RUNS = 7
NOW = datetime(2028, 1, 1, tzinfo=UTC)


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


async def measure(target: str, backend: str) -> None:
    db = make_database(target, exclusive=False)
    await db.open()
    try:
        started = time.perf_counter()
        seeded = await seed_community(db, meetings=MEETINGS, members=MEMBERS, tasks=TASKS)
        emit(
            bench="report_seed",
            backend=backend,
            meetings=MEETINGS,
            members=MEMBERS,
            tasks=seeded.tasks,
            seconds=round(time.perf_counter() - started, 2),
        )
        options = {"community": "A large CoP", "timezone": "Europe/London", "min_group": 5, "now": NOW}
        for last in (MEETINGS, 6):
            totals, reads, renders = [], [], []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                figures = await gather_figures(db, seeded.guild_id, last=last, **options)
                t1 = time.perf_counter()
                files = render(figures)
                t2 = time.perf_counter()
                reads.append(t1 - t0)
                renders.append(t2 - t1)
                totals.append(t2 - t0)
            whole = time.perf_counter()
            await build_report(db, seeded.guild_id, last=last, **options)
            emit(
                bench="report_build",
                backend=backend,
                last=last,
                runs=RUNS,
                median_s=round(statistics.median(totals), 3),
                max_s=round(max(totals), 3),
                read_and_compute_median_s=round(statistics.median(reads), 3),
                render_median_s=round(statistics.median(renders), 3),
                build_report_once_s=round(time.perf_counter() - whole, 3),
                html_bytes=len(files.html.encode("utf-8")),
                csv_bytes=len(files.csv.encode("utf-8")),
                goal_s=2.0,
                goal_html_bytes=2_000_000,
            )
    finally:
        await db.close()


def cli_run(target: str, backend: str) -> None:
    """``copbot report --last 50`` in a fresh process, as the host runs it."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.html"
        env = {**os.environ, "COPBOT_DB": target}
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bot", "report", "--last", str(MEETINGS), str(out)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        emit(
            bench="report_cli",
            backend=backend,
            last=MEETINGS,
            exit=done.returncode,
            seconds=round(seconds, 2),
            html_bytes=out.stat().st_size if out.exists() else None,
            said=(done.stdout or done.stderr).strip()[:200],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database to run on as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        target = str(Path(folder) / "copbot.db")
        asyncio.run(measure(target, "sqlite"))
        cli_run(target, "sqlite")
    if args.postgres:
        asyncio.run(measure(args.postgres, "postgresql"))
        cli_run(args.postgres, "postgresql")


if __name__ == "__main__":
    main()
