"""What the host relies on while the real bot runs (under SimCord): ``copbot health`` follows the
connection, the start-up line says where the bot is, and ``copbot backup`` copies a database the bot is
using, every row, into a file only its user can read."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from bot.cli import main
from bot.clock import utcnow
from bot.health import STALE_AFTER


def health(capsys) -> tuple[int, str]:
    code = main(["health"])
    out = capsys.readouterr()
    return code, (out.out + out.err).strip()


@pytest.fixture
def not_started_yet(capsys):
    """``copbot health`` before any bot of this test has started: nothing has connected."""
    return health(capsys)


async def test_health_fails_before_the_first_connection_passes_while_connected_and_fails_when_stale(
    not_started_yet, simcord_env, community, capsys
):
    code, said = not_started_yet
    assert code == 1 and "has not connected to Discord yet" in said

    code, said = health(capsys)
    assert code == 0, said
    assert f"connected to Discord as {simcord_env.bot.user}" in said

    with time_machine.travel(utcnow() + timedelta(seconds=STALE_AFTER + 60), tick=False):
        code, said = health(capsys)
    assert code == 1 and "last heard from Discord" in said

    # Discord speaks again (any gateway event): healthy again.
    await community.configure()
    simcord_env.bot.get_cog("HealthCog")._heard(force=True)
    code, said = health(capsys)
    assert code == 0, said
    assert "in 1 server " in said

    await simcord_env.bot.close()
    code, said = health(capsys)
    assert code == 1 and "has stopped" in said


async def test_the_start_up_line_names_the_bot_and_its_servers(simcord_env, community, caplog):
    caplog.set_level(logging.INFO, logger="cogs.health")
    simcord_env.bot.dispatch("ready")
    await simcord_env.settle()
    lines = [r.getMessage() for r in caplog.records if r.name == "cogs.health"]
    assert lines == [f"copbot {__import__('bot').__version__} is online as {simcord_env.bot.user} in 1 server"]


async def test_with_no_server_the_start_up_line_says_how_to_invite_the_bot(simcord_env, caplog):
    caplog.set_level(logging.INFO, logger="cogs.health")
    for guild in list(simcord_env.bot.guilds):
        simcord_env.bot._connection._remove_guild(guild)
    simcord_env.bot.dispatch("ready")
    await simcord_env.settle()
    [line] = [r.getMessage() for r in caplog.records if r.name == "cogs.health"]
    assert "in 0 servers" in line
    assert f"copbot invite --client-id {simcord_env.bot.application_id}" in line


@pytest.mark.sqlite_only
async def test_backup_while_the_bot_holds_the_database_copies_every_row_into_a_private_file(
    simcord_env, community, db_path: Path, tmp_path: Path, capsys
):
    await community.configure()
    sam = community.add_member("sam")
    for n in range(3):
        result = await sam.slash(
            community.meeting, "task add", description=f"Read paper {n}", assignee=sam, due="in 3 days"
        )
        assert f"“Read paper {n}” is set for" in result.response.content
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the latest rows are still in the write-ahead log

    copy = tmp_path / "backups" / "copbot-backup.db"
    copy.parent.mkdir()
    code = await asyncio.to_thread(main, ["backup", str(copy)])
    said = capsys.readouterr()
    assert code == 0, said.err
    assert said.out.startswith(f"Backed up {db_path} to {copy}")

    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert not copy.with_name(copy.name + "-wal").exists()
    live = sqlite3.connect(db_path)
    backup = sqlite3.connect(copy)
    try:
        tables = [r[0] for r in live.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        assert "tasks" in tables
        for table in tables:
            assert sorted(backup.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr) == sorted(
                live.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr
            ), table
        assert backup.execute("SELECT COUNT(*) FROM tasks").fetchone()[0] == 3
        assert backup.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        live.close()
        backup.close()
