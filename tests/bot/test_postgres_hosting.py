"""Operator commands on PostgreSQL: ``forget`` and ``export-user`` act on the live database even with a
stale SQLite file where the old README kept one "as a backup", and ``copbot run`` answers every
database problem (unreachable, password refused, no such database) with one sentence and exit 2."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage.database import Database
from bot.storage.members import MemberRepository
from bot.storage.postgres import PostgresDatabase
from bot.storage.tasks import TaskRepository

ROOT = Path(__file__).resolve().parents[2]
MEMBER = 1_111_222_333_444_555_666
GUILD = 999_888_777_666_555_444


def run_cli(*args: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPBOT") and k != "DISCORD_TOKEN"}
    env.update(env_extra)
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


async def _seed(db: Database | PostgresDatabase) -> None:
    """The same two members in either database, through the real repositories: a role each, and a task
    one set for the other."""
    from datetime import UTC, datetime

    await db.open()
    try:
        members = MemberRepository(db)
        await members.set_role(GUILD, MEMBER, "lay")
        await members.set_role(GUILD, MEMBER + 7, "gp")
        await TaskRepository(db).add(
            GUILD, "Read the leaflet", MEMBER + 7, MEMBER, datetime(2026, 6, 1, tzinfo=UTC), []
        )
    finally:
        await db.close()


async def _count(db: Database | PostgresDatabase, user: int) -> int:
    await db.open()
    try:
        row = await db.fetchone("SELECT COUNT(*) FROM member_profiles WHERE user_id = ?", (user,))
        return int(row[0])
    finally:
        await db.close()


def test_forget_and_export_user_act_on_postgresql_not_on_a_stale_sqlite_file(tmp_path: Path, pg_url: str):
    stale = tmp_path / "copbot.db"  # the SQLite file the community moved away from, kept as a backup
    asyncio.run(_seed(Database(stale)))
    asyncio.run(_seed(PostgresDatabase(pg_url)))
    before = stale.read_bytes()
    # The data folder holds the stale file too: nothing but COPBOT_DB decides.
    env = {"COPBOT_DB": pg_url, "COPBOT_DATA_DIR": str(tmp_path)}

    exported = run_cli("export-user", str(MEMBER), env_extra=env)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["tables"]["member_profiles"]["rows"]

    forgotten = run_cli("forget", str(MEMBER), env_extra=env)
    assert forgotten.returncode == 0, forgotten.stderr
    assert forgotten.stdout.startswith(f"Forgot {MEMBER} in every server:")
    assert asyncio.run(_count(PostgresDatabase(pg_url), MEMBER)) == 0
    assert asyncio.run(_count(PostgresDatabase(pg_url), MEMBER + 7)) == 1
    assert stale.read_bytes() == before  # the stale file was not the one answered from

    # The same resolution from the configuration file as from COPBOT_DB.
    config = tmp_path / "copbot.toml"
    config.write_text(f'[bot]\ndatabase = "{pg_url}"\n', encoding="utf-8")
    again = run_cli(
        "export-user", str(MEMBER + 7), env_extra={"COPBOT_CONFIG": str(config), "COPBOT_DATA_DIR": str(tmp_path)}
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["tables"]["member_profiles"]["rows"]


def _one_sentence(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if words in line]
    assert len(said) == 1, result.stderr
    # Besides the sentence, at most the start-up log line.
    assert all("is starting" in line for line in result.stderr.splitlines() if line not in said), result.stderr


def test_run_against_an_unreachable_postgresql_is_one_sentence_and_exit_2():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://copbot:secret@127.0.0.1:{port}/copbot"
    result = run_cli("run", env_extra={"COPBOT_DB": url, "DISCORD_TOKEN": "MTIz.not.real"})
    _one_sentence(result, "could not reach the PostgreSQL server")
    assert "secret" not in result.stderr


@pytest.fixture
def refuses_passwords() -> Iterator[int]:
    """A stand-in PostgreSQL server on loopback that asks for a password and refuses it (SQLSTATE 28P01),
    as a real server with password authentication does: the test cluster trusts every local user."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(10)
                with contextlib.suppress(OSError):
                    _answer_with_a_refused_password(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _answer_with_a_refused_password(conn: socket.socket) -> None:
    length, code = struct.unpack("!ii", conn.recv(8))
    if code == 80877103:  # SSLRequest: no TLS here, then the real start-up message
        conn.sendall(b"N")
        length = struct.unpack("!i", conn.recv(4))[0]
        _ = conn.recv(length - 4)
    else:
        _ = conn.recv(length - 8)
    conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
    _ = conn.recv(1024)  # the password
    fields = b'SFATAL\x00VFATAL\x00C28P01\x00Mpassword authentication failed for user "copbot"\x00\x00'
    conn.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)


def test_run_with_a_wrong_password_is_one_sentence_and_exit_2(refuses_passwords: int):
    url = f"postgresql://copbot:wrong@127.0.0.1:{refuses_passwords}/copbot"
    result = run_cli("run", env_extra={"COPBOT_DB": url, "DISCORD_TOKEN": "MTIz.not.real"})
    _one_sentence(result, "PostgreSQL refused the password")
    assert "wrong" not in result.stderr
    check = run_cli("check", env_extra={"COPBOT_DB": url})
    _one_sentence(check, "PostgreSQL refused the password")


def test_run_against_a_missing_database_is_one_sentence_and_exit_2(pg_url: str):
    missing = pg_url.replace("/" + pg_url.split("/")[3].split("?")[0] + "?", "/no_such_database?")
    assert missing != pg_url
    result = run_cli("run", env_extra={"COPBOT_DB": missing, "DISCORD_TOKEN": "MTIz.not.real"})
    _one_sentence(result, "has no database named")
    forgotten = run_cli("forget", str(MEMBER), env_extra={"COPBOT_DB": missing})
    _one_sentence(forgotten, "has no database named")
