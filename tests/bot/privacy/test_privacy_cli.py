"""``copbot forget``, ``copbot export-user``, ``copbot privacy-policy`` and the privacy lines of ``copbot check``,
run as real subprocesses on a real database file."""

from __future__ import annotations

import asyncio
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

from bot.privacy.registry import personal_tables
from bot.storage.database import Database
from tests.privacyseed import seed_every_member_column

ROOT = Path(__file__).resolve().parents[3]
MEMBER = 1_111_222_333_444_555_666
GUILD = 999_888_777_666_555_444


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPBOT") and k != "DISCORD_TOKEN"}
    env.update({"PYTHONPATH": str(ROOT), "COPBOT_DB": str(db)})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def seeded_database(path: Path) -> None:
    async def build() -> None:
        db = Database(path)
        await db.open()
        try:
            await seed_every_member_column(db, GUILD, MEMBER)
            await seed_every_member_column(db, GUILD + 1, MEMBER)
            await seed_every_member_column(db, GUILD, MEMBER + 7)
        finally:
            await db.close()

    asyncio.run(build())


def test_export_user_prints_everything_as_json(tmp_path: Path) -> None:
    db = tmp_path / "copbot.db"
    seeded_database(db)
    result = run_cli("export-user", str(MEMBER), db=db)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["your_id"] == str(MEMBER) and data["server_id"] == "all servers"
    for table in personal_tables():
        assert len(data["tables"][table.name]["rows"]) == 2 * len(table.member_columns), table.name
    one = json.loads(run_cli("export-user", str(MEMBER), "--server", str(GUILD + 1), db=db).stdout)
    assert all(row["guild_id"] == str(GUILD + 1) for t in one["tables"].values() for row in t["rows"])


def test_forget_removes_the_member_from_the_file_and_keeps_others(tmp_path: Path) -> None:
    db = tmp_path / "copbot.db"
    seeded_database(db)
    result = run_cli("forget", str(MEMBER), db=db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Forgot {MEMBER} in every server:")
    data = db.read_bytes() + (
        db.with_name("copbot.db-wal").read_bytes() if db.with_name("copbot.db-wal").exists() else b""
    )
    assert data.count(str(MEMBER).encode()) == 0 and data.count(struct.pack(">q", MEMBER)) == 0
    assert data.count(struct.pack(">q", MEMBER + 7)) > 0
    again = run_cli("forget", str(MEMBER), db=db)
    assert again.stdout.strip() == f"copbot kept nothing about {MEMBER} in every server; nothing was changed."


def test_forget_and_export_work_while_the_bot_holds_the_database(tmp_path: Path) -> None:
    """The operator answers an emailed request without stopping the bot: the one-copbot lock is held
    (here by this process, as a running bot would), and both commands still succeed."""
    from bot.storage.lock import DatabaseLock

    db = tmp_path / "copbot.db"
    seeded_database(db)
    held = DatabaseLock(db)
    held.acquire()
    try:
        exported = run_cli("export-user", str(MEMBER), db=db)
        assert exported.returncode == 0, exported.stderr
        forgotten = run_cli("forget", str(MEMBER), db=db)
        assert forgotten.returncode == 0, forgotten.stderr
        assert forgotten.stdout.startswith(f"Forgot {MEMBER} in every server:")
    finally:
        held.release()


def test_bad_ids_and_a_missing_database_are_one_sentence_and_exit_2(tmp_path: Path) -> None:
    for args in (("forget", "sam"), ("export-user", "12", "--server", "x1"), ("forget", "0")):
        result = run_cli(*args, db=tmp_path / "copbot.db")
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "must be a Discord id" in result.stderr
    missing = run_cli("forget", str(MEMBER), db=tmp_path / "nothing.db")
    assert missing.returncode == 2 and "There is no database at" in missing.stderr
    assert not (tmp_path / "nothing.db").exists()


def test_privacy_policy_prints_privacy_md() -> None:
    result = run_cli("privacy-policy", db=Path("unused.db"))
    assert result.returncode == 0
    assert result.stdout == (ROOT / "PRIVACY.md").read_text(encoding="utf-8")


def test_check_shows_the_privacy_settings_and_the_oldest_rows(tmp_path: Path) -> None:
    db = tmp_path / "copbot.db"
    seeded_database(db)
    result = run_cli("check", db=db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split() == ["privacy.retention_days", "365"] for line in lines)
    assert any(line.split() == ["privacy.leaver_grace_days", "30"] for line in lines)
    assert any(line.startswith("oldest breakout history") and "2026-01-01 00:00:00 UTC" in line for line in lines)
    assert any(line.startswith("oldest question text") and line.endswith("none") for line in lines)
