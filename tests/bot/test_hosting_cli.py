"""The host's side of ``copbot``: the version, every command on a machine without ``fcntl`` (Windows),
another program's SQLite file refused, the token asked for at a hidden prompt, backups and health
checks refused or explained in one sentence, and files only copbot's user can read."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import sqlite3
import stat
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot
from bot.health import Heartbeat, verdict
from bot.storage.database import Database

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env_extra: dict[str, str] | None = None, prelude: str = "") -> subprocess.CompletedProcess:
    """``copbot ARGS`` in a fresh interpreter, after ``prelude`` (Python run before copbot is imported)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPBOT") and k != "DISCORD_TOKEN"}
    env.update(env_extra or {})
    env["PYTHONPATH"] = str(ROOT)
    code = f"{prelude}\nimport sys\nfrom bot.cli import main\nraise SystemExit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def foreign_sqlite(path: Path) -> bytes:
    """Another application's database: a ``users`` table with a row, in rollback-journal mode."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("INSERT INTO users (email) VALUES ('sam@example.org')")
    conn.close()
    return path.read_bytes()


def test_version_comes_from_one_place():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "bot.__version__"}
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"copbot {bot.__version__}"


def test_every_offline_command_works_without_fcntl(tmp_path: Path):
    """Windows has no ``fcntl``: the CLI must import and run there. ``sys.modules['fcntl'] = None``
    makes ``import fcntl`` fail exactly as it does on Windows."""
    no_fcntl = "import sys\nsys.modules['fcntl'] = None"
    env = {"COPBOT_DB": str(tmp_path / "c.db")}
    assert run_cli("--help", prelude=no_fcntl).returncode == 0
    version = run_cli("--version", prelude=no_fcntl)
    assert version.returncode == 0 and bot.__version__ in version.stdout
    check = run_cli("check", env_extra=env, prelude=no_fcntl)
    assert check.returncode == 0, check.stderr
    assert "copbot version" in check.stdout and bot.__version__ in check.stdout
    roster = tmp_path / "members.csv"
    roster.write_text("name,role,facilitator\nAsha,facilitator,yes\nBen,gp,yes\nCarla,lay,no\nDev,clinician,no\n")
    plan = run_cli("groups", "plan", str(roster), "--size", "2", prelude=no_fcntl)
    assert plan.returncode == 0, plan.stderr
    assert "Group 2" in plan.stdout


def test_another_programs_sqlite_file_is_refused_by_run_check_and_forget(tmp_path: Path):
    db = tmp_path / "app.db"
    before = foreign_sqlite(db)
    env = {"COPBOT_DB": str(db), "DISCORD_TOKEN": "MTIz.not.real"}
    for args in (("run",), ("check",), ("forget", "123456789012345678"), ("export-user", "123456789012345678")):
        result = run_cli(*args, env_extra=env)
        assert result.returncode == 2, (args, result.stderr)
        refusal = [line for line in result.stderr.splitlines() if "belongs to another program" in line]
        assert len(refusal) == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert db.read_bytes() == before  # not one byte written: no tables added, not switched to WAL
    assert not db.with_name("app.db-wal").exists()


def test_run_asks_for_the_token_in_a_terminal_and_refuses_without_one(tmp_path: Path):
    """In a terminal (any shell) ``copbot run`` asks for the token at a hidden prompt; the token it is
    given is used (here the next step refuses a database path that is a folder)."""
    folder = tmp_path / "a-folder"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPBOT") and k != "DISCORD_TOKEN"}
    env.update({"PYTHONPATH": str(ROOT), "COPBOT_DB": str(folder)})
    pid, fd = pty.fork()
    if pid == 0:  # the child: copbot run on a terminal
        os.execve(sys.executable, [sys.executable, "-m", "bot", "run"], env)
    seen = b""
    try:
        seen += _read_until(fd, b"Bot token")
        os.write(fd, b"MTIz.typed.token\n")
        seen += _read_until(fd, b"is a folder")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 2
    assert b"MTIz.typed.token" not in seen  # typed with the echo off
    # No terminal (systemd, a container, a pipe): one sentence saying what to do.
    piped = run_cli("run", env_extra={"COPBOT_DB": str(tmp_path / "c.db")})
    assert piped.returncode == 2 and len(piped.stderr.strip().splitlines()) == 1
    assert "DISCORD_TOKEN" in piped.stderr and "asks for the token" in piped.stderr


def _read_until(fd: int, wanted: bytes, timeout: float = 60.0) -> bytes:
    got = b""
    while wanted not in got:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise AssertionError(f"no {wanted!r} in {got!r}")
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        got += chunk
    assert wanted in got, got
    return got


def test_backup_refuses_what_it_cannot_do_in_one_sentence(tmp_path: Path):
    db = tmp_path / "copbot.db"
    missing = run_cli("backup", str(tmp_path / "b.db"), env_extra={"COPBOT_DB": str(db)})
    assert missing.returncode == 2 and "There is no database at" in missing.stderr
    asyncio.run(_create(db))
    existing = tmp_path / "already.db"
    existing.write_text("keep me")
    refused = run_cli("backup", str(existing), env_extra={"COPBOT_DB": str(db)})
    assert refused.returncode == 2 and "already exists" in refused.stderr
    assert existing.read_text() == "keep me"
    nowhere = run_cli("backup", str(tmp_path / "no" / "such" / "b.db"), env_extra={"COPBOT_DB": str(db)})
    assert nowhere.returncode == 2 and len(nowhere.stderr.strip().splitlines()) == 1
    postgres = run_cli("backup", "copbot.dump", env_extra={"COPBOT_DB": "postgresql://copbot:s3cret@db.example/copbot"})
    assert postgres.returncode == 2
    assert "pg_dump --format=custom --file=copbot.dump postgresql://copbot@db.example/copbot" in postgres.stderr
    assert "s3cret" not in postgres.stderr


async def _create(path: Path) -> None:
    db = Database(path)
    await db.open()
    await db.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_database_and_its_lock_are_readable_by_copbots_user_only(tmp_path: Path):
    old = os.umask(0o022)  # a usual login shell's: files 0644 unless copbot says otherwise
    try:
        db = tmp_path / "copbot.db"
        asyncio.run(_create(db))
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        assert stat.S_IMODE(db.with_name("copbot.db.lock").stat().st_mode) == 0o600
        # A database from before this rule is narrowed the next time copbot opens it.
        db.chmod(0o644)
        asyncio.run(_create(db))
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_the_service_unit_keeps_new_files_private():
    unit = (ROOT / "deploy" / "copbot.service").read_text(encoding="utf-8")
    assert "\nUMask=0077\n" in unit


def test_health_verdicts_say_why_in_one_sentence():
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    fresh = Heartbeat(
        pid=1,
        version="9",
        state="connected",
        heard=(now - timedelta(seconds=20)).isoformat(),
        name="CoP helper#0001",
        servers=1,
    )
    assert verdict(fresh, now) == (
        True,
        "copbot 9 is connected to Discord as CoP helper#0001 in 1 server (last heard 20 s ago).",
    )
    stale = Heartbeat(pid=1, version="9", state="connected", heard=(now - timedelta(minutes=10)).isoformat())
    for beat, words in (
        (None, "has not connected"),
        (Heartbeat(pid=1, version="9", state="starting"), "is starting"),
        (stale, "600 seconds ago"),
        (Heartbeat(pid=1, version="9", state="stopped"), "has stopped"),
    ):
        healthy, sentence = verdict(beat, now)
        assert not healthy and words in sentence and "\n" not in sentence


def test_health_fails_without_a_running_bot(tmp_path: Path):
    result = run_cli("health", env_extra={"COPBOT_DB": str(tmp_path / "copbot.db")})
    assert result.returncode == 1
    assert result.stderr.strip() == "copbot has not connected to Discord yet (no heartbeat): is copbot run started?"
