"""``copbot run`` as a service: real subprocesses, signals, start-up retries, the database lock.

The tests cannot reach Discord, and must not try: each run points discord.py's API base at a local
address (a closed port, a server that never answers, or one that answers with a chosen status).
That is exactly the state a service is in when the network is down at start-up.

These tests wait in real time, on purpose: each runs ``copbot run`` in its own OS process, whose
clock, signals and retry back-off SimCord cannot reach (a few seconds each).
"""

from __future__ import annotations

import http.server
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_LAUNCH = (
    "import sys, discord.http; discord.http.Route.BASE = sys.argv[1]; "
    "from bot.cli import main; raise SystemExit(main(sys.argv[2:]))"
)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens once it is closed: connection refused


def start_copbot(db: Path, base: str, *args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPBOT") and k != "DISCORD_TOKEN"}
    env.update({"COPBOT_DB": str(db), "DISCORD_TOKEN": "MTIz.fake.token", "PYTHONPATH": str(ROOT)})
    return subprocess.Popen(
        [sys.executable, "-c", _LAUNCH, base, *(args or ("run",))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd or db.parent,
    )


def wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 20) -> list[str]:
    """Read stderr until a line containing ``needle`` appears (the bot logs to stderr)."""
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} never appeared in: {''.join(lines)}")


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, float, str]:
    started = time.monotonic()
    proc.send_signal(sig)
    _, rest = proc.communicate(timeout=10)
    return proc.returncode, time.monotonic() - started, rest


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers (Discord up but stuck)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    running = True

    def accept() -> None:
        while running:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/api/v10"
    running = False
    server.close()
    for conn in held:
        conn.close()


def answering(status: int) -> Iterator[str]:
    """A server answering every request with ``status`` and a Discord-shaped error body."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"message": "nope", "code": 0}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v10"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_start_up_retries_stops_cleanly_within_5_seconds(tmp_path: Path, sig: signal.Signals):
    db = tmp_path / "copbot.db"
    proc = start_copbot(db, f"http://127.0.0.1:{_closed_port()}/api/v10")
    before = wait_for_line(proc, "attempt 2")
    code, took, rest = stop(proc, sig)
    log = "".join(before) + rest
    assert code == 0, log
    assert took < 5, took
    assert "Traceback" not in log and "KeyboardInterrupt" not in log
    assert [line.split(" bot.cli ")[-1] for line in log.splitlines() if "Stopped cleanly" in line] == [
        f"Stopped cleanly on {sig.name}; database saved in {db}"
    ]
    # One plain line per attempt (discord.py's own "logging in" line only the first time).
    attempts = [line for line in log.splitlines() if "Could not reach Discord" in line]
    assert len(attempts) >= 2 and all("trying again in" in line for line in attempts)
    assert sum("logging in using static token" in line for line in log.splitlines()) == 1
    assert "PyNaCl" not in log and "davey" not in log
    # The database was opened (and migrated) before Discord, and closed into one file.
    assert str(db) in log
    wal = tmp_path / "copbot.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] > 0


def test_sigterm_while_discord_never_answers_stops_at_once(tmp_path: Path, silent_server: str):
    proc = start_copbot(tmp_path / "copbot.db", silent_server)
    wait_for_line(proc, "logging in using static token")
    time.sleep(0.5)  # its login request is now waiting on the silent server (another process: real time)
    code, took, rest = stop(proc, signal.SIGTERM)
    assert code == 0, rest
    assert took < 5
    assert "Traceback" not in rest


def test_a_server_error_is_retried_and_a_rejected_token_exits_2(tmp_path: Path):
    for base in answering(503):
        proc = start_copbot(tmp_path / "a.db", base)
        wait_for_line(proc, "attempt 2")
        code, _, rest = stop(proc, signal.SIGTERM)
        assert code == 0, rest
    for base in answering(401):
        proc = start_copbot(tmp_path / "b.db", base)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 2
        assert "Discord rejected the token" in err.strip().splitlines()[-1]
        assert "Traceback" not in err and "Could not reach" not in err


def test_a_second_copbot_on_the_same_database_exits_2_before_trying_discord(tmp_path: Path):
    db = tmp_path / "copbot.db"
    base = f"http://127.0.0.1:{_closed_port()}/api/v10"
    first = start_copbot(db, base)
    try:
        wait_for_line(first, "Could not reach Discord")
        second = start_copbot(db, base, cwd=ROOT)
        _, err = second.communicate(timeout=30)
        assert second.returncode == 2
        # The one sentence and nothing else: no "Could not reach Discord" retry line, so it refused
        # before trying to connect (a wall-clock bound here only measured how busy the machine was).
        assert err.strip().splitlines() == [
            f"Another copbot is already using the database {db}: stop it first, or point COPBOT_DB at another file."
        ]
        assert first.poll() is None, "the first copbot must keep running"
    finally:
        code, _, rest = stop(first, signal.SIGTERM)
    assert code == 0, rest
    # Once the first has stopped, the database is free again.
    again = start_copbot(db, base)
    wait_for_line(again, "Could not reach Discord")
    assert stop(again, signal.SIGTERM)[0] == 0


def _unwritable_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    return folder / "copbot.db"


def _read_only_file(tmp_path: Path) -> Path:
    db = tmp_path / "ro.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    db.chmod(0o444)
    return db


def _random_bytes(tmp_path: Path) -> Path:
    db = tmp_path / "noise.db"
    db.write_bytes(os.urandom(4096))
    return db


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: p, "is a folder, not a file"),
        (_random_bytes, "is not a copbot database"),
        (_unwritable_folder, "cannot write in the folder"),
        (_read_only_file, "is read-only"),
    ],
)
@pytest.mark.parametrize("command", ["run", "check"])
def test_database_problems_at_start_are_one_sentence_and_exit_2(
    tmp_path: Path, make, fragment: str, command: str, monkeypatch: pytest.MonkeyPatch, capsys
):
    """In-process (the checks run before any network or event loop): ``main`` returns 2 with one line."""
    from bot.cli import main

    db = make(tmp_path)
    monkeypatch.setenv("COPBOT_DB", str(db))
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.fake.token")
    try:
        code = main([command])
    finally:
        for path in tmp_path.rglob("*"):
            path.chmod(0o755)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], err


def test_a_lost_gateway_connection_is_one_plain_warning_not_a_traceback():
    import logging

    from bot.cli import _plain_reconnect

    try:
        raise OSError("Network is unreachable")
    except OSError:
        record = logging.getLogger("discord.client").makeRecord(
            "discord.client", logging.ERROR, "client.py", 1, "Attempting a reconnect in %.2fs", (4.0,), sys.exc_info()
        )
    assert _plain_reconnect(record)
    assert record.exc_info is None and record.levelname == "WARNING"
    assert logging.Formatter("%(message)s").format(record) == (
        "Lost the connection to Discord (Network is unreachable); trying again in 4 s"
    )


def test_backoff_doubles_up_to_a_minute():
    import itertools

    from bot.cli import backoff_delays

    assert list(itertools.islice(backoff_delays(), 9)) == [1, 2, 4, 8, 16, 32, 60, 60, 60]
