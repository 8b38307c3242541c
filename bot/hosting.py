"""The host's tools: ``copbot backup FILE`` and ``copbot health``.

Both resolve the database exactly as ``copbot run`` does (:func:`bot.config.load_config`), so they
always look at the bot's own database, and both answer in one sentence with exit code 2 when there is
something for the host to fix (``health`` exits 1 when the bot is simply not connected, which is what
a health check needs to see). Heavy imports stay inside the commands so ``copbot --help`` stays quick.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

EXIT_UNHEALTHY = 1
EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    """Add ``backup`` and ``health`` to an argparse subparsers object."""
    backup = subparsers.add_parser(
        "backup", help="write a consistent copy of the SQLite database, also while the bot runs (PostgreSQL: pg_dump)"
    )
    backup.add_argument("file", metavar="FILE", help="the new backup file (never overwritten)")
    backup.set_defaults(func=handle_backup)
    health = subparsers.add_parser(
        "health", help="exit 0 only while the running bot is connected to Discord (for health checks)"
    )
    health.add_argument("--shard-count", type=int, help="as given to copbot run")
    health.add_argument("--shards", help="as given to copbot run")
    health.add_argument(
        "--max-age",
        type=float,
        default=None,
        metavar="SECONDS",
        help="fail when the bot last heard from Discord longer ago than this (default 150)",
    )
    health.set_defaults(func=handle_health)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(message, file=sys.stderr)
    return code


def pg_dump_command(url: str, file: str) -> str:
    """The exact ``pg_dump`` command for a PostgreSQL database, without its password.

    The password stays out of the command line (where the shell's history and other users' ``ps``
    would see it): pg_dump asks for it, or reads ``PGPASSWORD`` or ``~/.pgpass``.
    """
    from bot.storage.postgres import redact_url

    without_password = redact_url(url).replace(":***@", "@")
    return f"pg_dump --format=custom --file={shlex.quote(file)} {shlex.quote(without_password)}"


def handle_backup(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_config
    from bot.storage.backup import backup_sqlite
    from bot.storage.database import DatabaseUnusableError

    try:
        config = load_config()
    except ConfigError as exc:
        return _fail(f"The configuration has a problem: {exc}")
    if config.database_url:
        return _fail(
            "This copbot keeps its data in PostgreSQL, which backs up with its own tool: run "
            + pg_dump_command(config.database_url, args.file)
        )
    destination = Path(args.file).expanduser().absolute()
    try:
        report = backup_sqlite(config.database_path, destination)
    except DatabaseUnusableError as exc:
        return _fail(str(exc))
    print(
        f"Backed up {config.database_path} to {destination}: schema version {report.version}, "
        f"{sum(report.rows.values())} rows in {len(report.rows)} tables, checked. Only you can read it."
    )
    return 0


def handle_health(args: argparse.Namespace) -> int:
    from bot.cli import parse_shards
    from bot.clock import utcnow
    from bot.config import ConfigError, load_config
    from bot.health import STALE_AFTER, heartbeat_path, read, verdict

    try:
        config = load_config()
        options = parse_shards(args.shard_count, args.shards)
    except ConfigError as exc:
        return _fail(f"The configuration has a problem: {exc}")
    except ValueError as exc:
        return _fail(str(exc))
    path = heartbeat_path(config, str(options.get("lock_scope", "all")))
    if path is None:
        return _fail("An in-memory database has no heartbeat: copbot health needs COPBOT_DB to be a file or a URL.")
    healthy, sentence = verdict(read(path), utcnow(), STALE_AFTER if args.max_age is None else args.max_age)
    if not healthy:
        return _fail(sentence, EXIT_UNHEALTHY)
    print(sentence)
    return 0
