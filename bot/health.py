"""The heartbeat: when the running bot last heard from Discord, kept in a small file for ``copbot health``.

Why a file: a health check (Docker's ``HEALTHCHECK``, a monitoring script, a person) runs as a separate
process on the same machine, and must answer "is copbot connected right now?" without a token, without
talking to Discord and without touching the database the bot is using. The bot writes the file; the
check only reads it. Nothing in it is personal: the process id, copbot's version, the bot's own name, how
many servers it is in, and times.

Where: beside a SQLite database (``copbot.db`` → ``copbot.db.heartbeat``), so two copbots on two files
never share one. On PostgreSQL the database is elsewhere, so the file goes in copbot's data folder, named
by the shard range the process serves (``copbot-all.heartbeat``, ``copbot-shards-4-0-1.heartbeat``),
which is what ``copbot health`` is given too.

When: the bot records every message it receives from Discord's gateway, at most every
:data:`WRITE_EVERY` seconds. Discord's gateway sends a heartbeat acknowledgement about every 41 seconds
even when nothing happens, so a connected bot refreshes the file at least that often; a bot that lost its
connection, or hangs, stops refreshing it, and the check fails once it is :data:`STALE_AFTER` seconds old.
A bot that is starting writes a file with no time in it (so an old file from the last run never passes),
and a bot that stops writes that it stopped.

No ``discord`` import here: the Discord side is ``cogs/health.py``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from bot.config import Config

#: Seconds between two writes of the file while messages keep arriving.
WRITE_EVERY = 15.0
#: Seconds after the last message from Discord at which ``copbot health`` fails by default: about three
#: of the gateway's heartbeats, so one slow acknowledgement is not an alarm.
STALE_AFTER = 150.0


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """What the file holds. ``heard`` is the last time (UTC, ISO 8601) a message came from Discord."""

    pid: int
    version: str
    state: str  # "starting", "connected" or "stopped"
    heard: str | None = None
    name: str | None = None
    servers: int | None = None


def heartbeat_path(config: Config, scope: str = "all") -> Path | None:
    """The heartbeat file of the copbot that runs with ``config`` on the shard range ``scope``.

    ``None`` for an in-memory database (tests), which has nowhere beside it to write.
    """
    if config.database_url is None:
        if str(config.database_path) == ":memory:":
            return None
        return config.database_path.with_name(config.database_path.name + ".heartbeat")
    safe = re.sub(r"[^A-Za-z0-9]+", "-", scope).strip("-") or "all"
    return config.database_path.parent / f"copbot-{safe}.heartbeat"


def write(path: Path, beat: Heartbeat) -> None:
    """Replace the file in one step (a reader never sees half of it), readable by copbot's user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(asdict(beat), handle)
    os.replace(temporary, path)


def read(path: Path) -> Heartbeat | None:
    """The file's heartbeat, or ``None`` when there is none (or it cannot be read as one)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Heartbeat(**data)
    except (OSError, ValueError, TypeError):
        return None


def verdict(beat: Heartbeat | None, now: datetime, stale_after: float = STALE_AFTER) -> tuple[bool, str]:
    """Healthy or not, and one sentence saying why, for ``copbot health``."""
    if beat is None:
        return False, "copbot has not connected to Discord yet (no heartbeat): is copbot run started?"
    if beat.state == "stopped":
        return False, "copbot has stopped: start it again with copbot run."
    if beat.heard is None:
        return False, "copbot is starting and has not connected to Discord yet."
    age = (now - datetime.fromisoformat(beat.heard)).total_seconds()
    if age > stale_after:
        return False, (
            f"copbot last heard from Discord {age:.0f} seconds ago (more than {stale_after:.0f}): "
            "it has lost its connection or stopped answering; its log says why."
        )
    servers = f"{beat.servers} server" + ("" if beat.servers == 1 else "s")
    where = f" as {beat.name} in {servers}" if beat.name is not None else ""
    return True, f"copbot {beat.version} is connected to Discord{where} (last heard {max(age, 0):.0f} s ago)."
