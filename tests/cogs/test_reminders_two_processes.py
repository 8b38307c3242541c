"""Two copbot processes sharing one PostgreSQL outbox: each reminder goes out once, none is lost.

Each process is a real bot from ``create_bot()`` under its own SimCord environment, in its own OS
process with its own event loop and APScheduler (``tests/reminder_process.py``), as two copbots
on two machines would be: two Discord connections, one database. The 10,000 due reminders are written
straight into the shared database (creating them through slash commands would time the test, not the
sweep); then both processes run their reminder job at once.

These tests take real time, on purpose (about 15-30 s each on a 2-core machine, most of it the 10,000
sends): two OS processes and one PostgreSQL server share no clock with SimCord, and the crash test's
survivor waits out the dead process's leases (3 s here) on the wall clock, as a real copbot would.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest

from bot.clock import utcnow
from bot.storage.postgres import PostgresDatabase
from tests.realdiscord import NONCE_WINDOW

REMINDERS = int(os.environ.get("COPBOT_TEST_REMINDERS", "10000"))
#: A is killed after this many DMs (1,520 of 10,000): not a multiple of the sweep's CONFIRM_EVERY, so
#: (unless its timer recorded them just before) several of A's last sends are not yet recorded.
CRASH_AFTER = REMINDERS * 15 // 100 + 20
ROOT = Path(__file__).resolve().parents[2]


async def fill_outbox(url: str, guild_id: int, member_ids: list[int]) -> None:
    """10,000 open tasks, each with one reminder due an hour ago."""
    db = PostgresDatabase(url, exclusive=False)
    await db.open()
    try:
        now = utcnow()
        due = (now - timedelta(hours=1)).isoformat()
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (guild_id, n, f"Task {n}", member_ids[n % len(member_ids)], member_ids[0], due, now.isoformat())
                    for n in range(1, REMINDERS + 1)
                ],
            )
            await tx.execute(
                "INSERT INTO reminders (guild_id, task_id, kind, due_at) SELECT guild_id, id, 'due', due_at FROM tasks"
            )
    finally:
        await db.close()


async def unsent(url: str) -> int:
    db = PostgresDatabase(url, exclusive=False)
    await db.open()
    try:
        row = await db.fetchone("SELECT COUNT(*) FROM reminders WHERE sent_at IS NULL")
        return int(row[0])
    finally:
        await db.close()


class Sent(NamedTuple):
    """One reminder DM as a process sent it."""

    task: int
    nonce: str
    at: float  # wall clock


def run_two(url: str, folder: Path, env_a: dict[str, str] | None = None) -> dict[str, list]:
    """Start both processes, fill the outbox once both are connected, and collect what each sent."""
    base = {**os.environ, "COPBOT_DB": url, "PYTHONPATH": str(ROOT)}
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "tests.reminder_process", str(folder), name],
            cwd=ROOT,
            env={**base, **(extra or {})},
            stdout=subprocess.DEVNULL,
            stderr=(folder / f"{name}.log").open("w"),
        )
        for name, extra in (("a", env_a), ("b", {}))
    }
    try:
        deadline = time.monotonic() + 120
        while not all((folder / f"{n}.ids").exists() for n in procs):
            assert time.monotonic() < deadline, "a process did not start"
            for n, p in procs.items():
                assert p.poll() is None, (folder / f"{n}.log").read_text()[-3000:]
            time.sleep(0.1)
        ids = [json.loads((folder / f"{n}.ids").read_text()) for n in procs]
        assert ids[0] == ids[1], "the two processes disagree on the simulated ids"
        asyncio.run(fill_outbox(url, ids[0][0], ids[0][1]))
        (folder / "go").write_text("go")
        for proc in procs.values():
            proc.wait(timeout=600)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return {name: _read_sent(folder / f"{name}.sent") for name in procs} | {
        f"{name}:code": [proc.returncode] for name, proc in procs.items()
    }


def _read_sent(path: Path) -> list[Sent]:
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return [Sent(int(task), nonce, float(at)) for task, nonce, at in rows]


@pytest.mark.timeout(900)
def test_two_bots_send_ten_thousand_due_reminders_exactly_once(pg_url: str, tmp_path: Path) -> None:
    sent = run_two(pg_url, tmp_path)
    assert sent["a:code"] == [0] and sent["b:code"] == [0], (tmp_path / "a.log").read_text()[-2000:]
    total = Counter(s.task for s in sent["a"] + sent["b"])
    assert sum(total.values()) == REMINDERS
    assert set(total) == set(range(1, REMINDERS + 1))
    assert max(total.values()) == 1, "no reminder twice"
    assert sent["a"] and sent["b"], "both processes took part in the sweep"
    assert asyncio.run(unsent(pg_url)) == 0


@pytest.mark.timeout(900)
def test_a_process_killed_mid_sweep_loses_nothing(pg_url: str, tmp_path: Path) -> None:
    """A is killed (os._exit) right after its 1,521st DM; B finishes the outbox. Users see no repeat.

    A records its sends a few at a time, so the DMs since its last record (at least the 1,521st) are
    sent but not recorded when it dies. B leaves A's leased rows alone until A's leases end (shortened
    to 3 s here from two minutes), then sends them again, with the same nonces: on Discord (same bot,
    same nonce, within minutes; ``tests/realdiscord.py`` models it, proven in ``tests/test_realdiscord.py``)
    a repeat returns the first message, so the messages users see are the distinct nonces. The two
    processes are two SimCord worlds, so the test counts them here, as Discord would.
    """
    sent = run_two(pg_url, tmp_path, {"COPBOT_TEST_CRASH_AFTER": str(CRASH_AFTER), "COPBOT_TEST_LEASE_SECONDS": "3"})
    assert sent["a:code"] == [9], "A was killed mid-sweep"
    assert sent["b:code"] == [0], (tmp_path / "b.log").read_text()[-2000:]
    assert len(sent["a"]) == CRASH_AFTER + 1
    every = sent["a"] + sent["b"]
    assert {s.task for s in every} == set(range(1, REMINDERS + 1)), "every reminder delivered: 0 lost"
    assert len(every) > REMINDERS, "A's unrecorded sends went out again (at least the one in flight)"
    nonces: dict[int, set[str]] = {}
    for s in every:
        nonces.setdefault(s.task, set()).add(s.nonce)
    assert all(len(n) == 1 for n in nonces.values()), "a repeat carries the first send's nonce"
    first_and_last: dict[str, list[float]] = {}
    for s in every:
        first_and_last.setdefault(s.nonce, []).append(s.at)
    assert len(first_and_last) == REMINDERS, "distinct messages users see = reminders: 0 duplicates visible"
    assert max(max(t) - min(t) for t in first_and_last.values()) < NONCE_WINDOW, "repeats within Discord's window"
    assert asyncio.run(unsent(pg_url)) == 0
