"""The ``copbot`` command: ``run`` the bot, ``check`` the configuration, plan ``groups`` offline,
print the ``invite`` link; the host's tools (``backup``, ``health``) live in :mod:`bot.hosting`.

Every failure a person can fix ends with exit code 2 and one sentence saying what to do, because
the person starting the bot is often a facilitator following the README, not a developer.

``copbot run`` is meant to run as a service (systemd, Docker): it takes the one-copbot lock on its
database before it talks to Discord, retries network failures at start-up with a capped backoff,
and stops cleanly on SIGTERM or SIGINT (cogs unloaded, scheduler stopped, database checkpointed into
one file, exit 0, one log line).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

# Only what building the parser needs is imported here: each command imports what it uses, so
# `copbot --help` and `copbot groups plan` start without asyncio, the database drivers or discord.py
# (issue 29; `python tests/benchmarks/bench_grouping_cli.py` times the whole process).
from bot import __version__
from bot.grouping.cli import register as register_groups
from bot.hosting import register as register_hosting
from bot.privacy.cli import register as register_privacy
from bot.report.cli import register as register_report

if TYPE_CHECKING:
    import asyncio

    from bot.app import CopBot
    from bot.config import Config

log = logging.getLogger("bot.cli")

EXIT_USAGE = 2

NO_TOKEN = (
    "DISCORD_TOKEN is not set: create a bot in the Discord Developer Portal "
    "(https://discord.com/developers/applications → your application → Bot → Reset Token), "
    "then put the token in DISCORD_TOKEN (for a service, in its environment file), "
    "or start copbot run in a terminal, where it asks for the token."
)
TOKEN_PROMPT = "Bot token (what you type is hidden): "
BAD_TOKEN = (
    "Discord rejected the token in DISCORD_TOKEN: copy a fresh one from the Discord Developer Portal "
    "(your application → Bot → Reset Token) and start copbot again."
)
NO_MEMBERS_INTENT = (
    "Discord refused to connect because the Server Members intent is off: turn on "
    "'Server Members Intent' in the Developer Portal (your application → Bot → Privileged Gateway Intents)."
)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_USAGE


#: Seconds between start-up attempts when Discord cannot be reached: doubling, never more than a minute.
BACKOFF_START = 1.0
BACKOFF_CAP = 60.0


def backoff_delays(start: float = BACKOFF_START, cap: float = BACKOFF_CAP) -> Iterator[float]:
    """1, 2, 4, … seconds, capped: patient with a long outage without hammering Discord."""
    delay = start
    while True:
        yield delay
        delay = min(delay * 2, cap)


def parse_shards(shard_count: int | None, shards: str | None) -> dict[str, object]:
    """``--shard-count N [--shards A-B]`` → the bot's options (``shard_count``, ``shard_ids``,
    ``lock_scope``); raises ``ValueError`` with one sentence for a wrong combination.

    Discord sends each server's events (and so its interactions) to exactly one shard: shard
    ``(server_id >> 22) % N``. Whoever holds that shard holds the server's in-memory state (the
    anonymity rate limits and mutes), so a shard range must never run in two processes at once: on
    PostgreSQL each shard of the range is an advisory lock.
    """
    if shard_count is None:
        if shards is not None:
            raise ValueError("--shards needs --shard-count too (how many shards there are in all).")
        return {}
    if shard_count < 1:
        raise ValueError("--shard-count must be 1 or more.")
    if shards is None:
        first, last = 0, shard_count - 1
    else:
        try:
            a, _, b = shards.partition("-")
            first, last = int(a), int(b or a)
        except ValueError:
            raise ValueError(f"--shards must look like 0-3 (a first and last shard number), not {shards!r}.") from None
        if not 0 <= first <= last < shard_count:
            raise ValueError(
                f"--shards {shards} must lie between 0 and {shard_count - 1} (--shard-count {shard_count})."
            )
    return {
        "shard_count": shard_count,
        "shard_ids": list(range(first, last + 1)),
        "lock_scope": f"shards:{shard_count}:{first}-{last}",
    }


def _cmd_run(args: argparse.Namespace) -> int:
    import asyncio

    from bot.config import ConfigError, Secret, load_config
    from bot.storage.database import DatabaseUnusableError, check_database_path
    from bot.storage.lock import DatabaseInUseError, DatabaseLock

    try:
        config = load_config()
    except ConfigError as exc:
        return _fail(f"The configuration has a problem: {exc}")
    try:
        options = parse_shards(getattr(args, "shard_count", None), getattr(args, "shards", None))
    except ValueError as exc:
        return _fail(str(exc))
    if not config.token:
        token = _ask_for_token()
        if not token:
            return _fail(NO_TOKEN)
        config = dataclasses.replace(config, token=Secret(token))
    # Before anything touches Discord: a wrong path or a second copbot is one sentence, not a crash
    # half-way through connecting (and two bots must never both be logged in on one database).
    # On PostgreSQL the bot takes its shard range's advisory lock when it opens the database, also
    # before it logs in.
    lock = DatabaseLock(config.database_path) if config.database_url is None else None
    try:
        if lock is not None:
            check_database_path(config.database_path)
            lock.acquire()
    except (DatabaseUnusableError, DatabaseInUseError) as exc:
        return _fail(str(exc))
    try:
        setup_logging(config.log_level)
        return asyncio.run(_run_bot(config, options))
    except KeyboardInterrupt:  # Ctrl-C in the instant before the bot's own signal handlers are in place
        return 0
    finally:
        if lock is not None:
            lock.release()


def _ask_for_token() -> str:
    """The token typed at a hidden prompt when copbot runs in a terminal, else "" (no one to ask).

    Asking works the same in every shell (bash, zsh, PowerShell, cmd), where a shell's own hidden
    prompt does not, and keeps the token out of the shell's history. Under systemd or in a container
    there is no terminal: copbot then stops with one sentence rather than wait for ever.
    """
    if not (sys.stdin is not None and sys.stdin.isatty()):
        return ""
    try:
        return getpass.getpass(TOKEN_PROMPT).strip()
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        return ""


def setup_logging(level_name: str) -> None:
    """Log through discord.py's handler, but never let a library log below INFO.

    At DEBUG, discord.py writes every raw gateway event and HTTP request to the log (the user id of
    whoever submitted an anonymous question), and aiosqlite every statement with its values (a vote's
    fingerprint). The anonymity promise covers log lines at every level, so copbot's own modules may
    log at DEBUG while the libraries may not (:mod:`bot.logging_setup`).
    """
    import discord

    level = getattr(logging, level_name)
    # Plain lines when the log goes to a file, journald or `docker logs`; colour only on a terminal.
    formatter = None if sys.stderr.isatty() else logging.Formatter("%(asctime)s %(levelname)-8s %(name)s %(message)s")
    discord.utils.setup_logging(level=level, formatter=formatter or discord.utils.MISSING)
    client_log = logging.getLogger("discord.client")
    client_log.addFilter(_OnceOnly("logging in using static token"))
    client_log.addFilter(_plain_reconnect)
    # discord.py, aiosqlite, asyncpg and APScheduler never log below INFO (WARNING for APScheduler):
    # below that they write statements' parameters and raw events (see bot/logging_setup.py).
    from bot.logging_setup import cap_library_loggers

    cap_library_loggers(level)


def _is_transient(exc: BaseException) -> bool:
    """A failure worth retrying: the network or Discord itself, not anything the operator must fix."""
    import asyncio

    import aiohttp
    import discord

    if isinstance(exc, discord.LoginFailure | discord.PrivilegedIntentsRequired):
        return False
    if isinstance(exc, discord.HTTPException):
        return exc.status >= 500 or exc.status == 429
    return isinstance(exc, OSError | aiohttp.ClientError | asyncio.TimeoutError | discord.GatewayNotFound)


def _plain(exc: BaseException) -> str:
    """One line about a network failure, for the log (no traceback: this is expected, not a bug)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


async def _login_with_retries(bot: object, token: str, stop: asyncio.Event) -> bool:
    """Log in, retrying network failures with a capped backoff; False if asked to stop meanwhile."""
    import asyncio

    import discord

    assert isinstance(bot, discord.Client)
    for attempt, delay in enumerate(backoff_delays(), start=1):
        try:
            await bot.login(token)
            return True
        except Exception as exc:
            if not _is_transient(exc):
                raise
            log.warning("Could not reach Discord (attempt %d: %s); trying again in %.0f s", attempt, _plain(exc), delay)
        # A fresh HTTP session for the next attempt (discord.py makes one per login and keeps the old).
        await bot.http.close()
        bot.http.connector = discord.utils.MISSING
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        if stop.is_set():
            return False
    raise AssertionError("unreachable")  # pragma: no cover - backoff_delays never ends


class _OnceOnly(logging.Filter):
    """Let a message through the first time only, so each retry is one log line, not two."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self._message = message
        self._seen = False

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != self._message:
            return True
        seen, self._seen = self._seen, True
        return not seen


def _plain_reconnect(record: logging.LogRecord) -> bool:
    """discord.py logs a full traceback each time it reconnects to the gateway; make it one plain line.

    Losing the connection is expected on a long-running service (Discord restarts its gateways), so
    the operator needs to see that it happened and when the next try is, not a stack of frames.
    """
    if record.msg == "Attempting a reconnect in %.2fs" and record.exc_info:
        exc = record.exc_info[1]
        record.msg = "Lost the connection to Discord (%s); trying again in %.0f s"
        record.args = (_plain(exc) if exc is not None else "unknown error", *(record.args or ()))  # type: ignore[misc]
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
    return True


def _handle_signals(loop: asyncio.AbstractEventLoop, handler: Callable[[signal.Signals], None] | None) -> None:
    """Call ``handler`` on SIGTERM and SIGINT (None: stop listening), on every platform.

    The event loop's own signal handlers exist only on Linux and macOS; on Windows the plain
    ``signal`` module catches Ctrl-C (and SIGTERM, where something sends it) and hands it to the loop.
    """
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            if handler is None:
                loop.remove_signal_handler(sig)
            else:
                loop.add_signal_handler(sig, handler, sig)
        except NotImplementedError:  # Windows
            if handler is None:
                signal.signal(sig, signal.SIG_DFL)
            else:
                signal.signal(sig, lambda num, _frame, h=handler: loop.call_soon_threadsafe(h, signal.Signals(num)))


async def _freeze_when_ready(bot: CopBot) -> None:
    """Once connected with caches filled, set start-up memory aside from the collector (:mod:`bot.heap`)."""
    from bot.heap import freeze_start_up_heap

    await bot.wait_until_ready()
    freeze_start_up_heap()


async def _run_bot(config: Config, options: dict[str, object] | None = None) -> int:
    import asyncio

    import discord

    from bot.app import create_bot
    from bot.storage.database import DatabaseUnusableError, SchemaTooNewError
    from bot.storage.lock import DatabaseInUseError

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig.name)
        stop.set()

    _handle_signals(loop, on_signal)

    started = time.monotonic()
    bot = create_bot(config, **(options or {}))
    shards = f", shards {options['shard_ids']} of {options['shard_count']}" if options else ""
    log.info("copbot %s is starting; database %s%s", __version__, config.database_target, shards)

    async def serve() -> None:
        # The database first, offline: a schema from a newer copbot or a broken file is one sentence
        # and exit 2 whether or not Discord can be reached.
        await bot.db.open()
        if await _login_with_retries(bot, config.token.get(), stop):
            log.info("Logged in to Discord after %.1f s", time.monotonic() - started)
            settled = asyncio.create_task(_freeze_when_ready(bot))
            try:
                await bot.connect(reconnect=True)
            finally:
                settled.cancel()

    runner = asyncio.create_task(serve())
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if not runner.done():
            runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner  # re-raises what ended it, handled below
    except discord.LoginFailure:
        return _fail(BAD_TOKEN)
    except discord.PrivilegedIntentsRequired:
        return _fail(NO_MEMBERS_INTENT)
    except (SchemaTooNewError, DatabaseUnusableError, DatabaseInUseError) as exc:
        return _fail(str(exc))
    finally:
        stopper.cancel()
        await bot.close()
        _handle_signals(loop, None)
    if received:
        log.info("Stopped cleanly on %s; database saved in %s", received[0], config.database_target)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    import asyncio

    from bot.config import ConfigError, load_config
    from bot.privacy.cli import print_check as print_privacy_check
    from bot.storage.database import LATEST_VERSION, DatabaseUnusableError, read_schema_version

    try:
        config = load_config()
    except ConfigError as exc:
        return _fail(f"The configuration has a problem: {exc}")
    width = max(len(key) for key, _ in config.describe())
    print(f"{'copbot version'.ljust(width)}  {__version__}")
    for key, value in config.describe():
        print(f"{key.ljust(width)}  {value}")
    try:
        if config.database_url:
            version = asyncio.run(_postgres_version(config.database_url))
        else:
            version = asyncio.run(read_schema_version(config.database_path))
    except DatabaseUnusableError as exc:
        return _fail(str(exc))
    except Exception as exc:  # a damaged or foreign file: say so rather than crash
        return _fail(f"The database {config.database_target} could not be read: {exc}.")
    if version is None:
        state = f"not created yet (it will be created at version {LATEST_VERSION} when the bot starts)"
    elif version > LATEST_VERSION:
        state = f"{version}, newer than this copy of copbot understands ({LATEST_VERSION}); upgrade copbot"
    elif version < LATEST_VERSION:
        state = f"{version} (will be upgraded to {LATEST_VERSION} when the bot starts)"
    else:
        state = f"{version} (up to date)"
    print(f"{'schema version'.ljust(width)}  {state}")
    print_privacy_check(config, width)
    return 0


async def _postgres_version(url: str) -> int | None:
    """The schema version of a PostgreSQL database, read without changing it (None: not created yet)."""
    import asyncpg

    from bot.storage.database import not_copbots
    from bot.storage.postgres import connection_problem, redact_url

    try:
        conn = await asyncpg.connect(url)
    except Exception as exc:
        problem = connection_problem(exc, url)
        if problem is None:
            raise
        raise problem from None
    try:
        if not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
            tables = await conn.fetchval(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            )
            if tables:
                raise not_copbots(redact_url(url))
            return None
        return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
    finally:
        await conn.close()


def _cmd_migrate_db(args: argparse.Namespace) -> int:
    """Copy a SQLite database into an empty PostgreSQL one, checked row for row."""
    import asyncio
    from pathlib import Path

    from bot.storage.copy import CopyError, copy_database
    from bot.storage.database import DatabaseUnusableError, SchemaTooNewError
    from bot.storage.lock import DatabaseInUseError
    from bot.storage.postgres import is_postgres_url, redact_url

    if not is_postgres_url(args.postgres_url):
        return _fail(f"{args.postgres_url!r} is not a PostgreSQL URL: it should start with postgresql://")
    try:
        report = asyncio.run(copy_database(Path(args.sqlite_path).expanduser(), args.postgres_url))
    except (CopyError, DatabaseUnusableError, DatabaseInUseError, SchemaTooNewError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"copbot could not reach the PostgreSQL database ({exc}): check the URL and that it is running.")
    for table, count in report.tables.items():
        print(f"{table}: {count} rows")
    print(
        f"Copied {report.rows} rows in {len(report.tables)} tables to {redact_url(args.postgres_url)}, "
        "every row checked. Start copbot with COPBOT_DB set to that URL."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``copbot``; sub-commands set ``func`` to their handler."""
    parser = argparse.ArgumentParser(prog="copbot", description="A Discord bot for Community of Practice meetings.")
    parser.add_argument("--version", action="version", version=f"copbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="start the bot (needs DISCORD_TOKEN)")
    run.add_argument("--shard-count", type=int, help="how many gateway shards in all (AutoShardedBot)")
    run.add_argument("--shards", help="the shards this process runs, as A-B (needs --shard-count; PostgreSQL)")
    run.set_defaults(func=_cmd_run)
    migrate = sub.add_parser(
        "migrate-db", help="copy a SQLite database into an empty PostgreSQL one, checked row for row"
    )
    migrate.add_argument("sqlite_path", metavar="SQLITE_PATH")
    migrate.add_argument("postgres_url", metavar="POSTGRES_URL")
    migrate.set_defaults(func=_cmd_migrate_db)
    check = sub.add_parser("check", help="show the effective configuration and database version, offline")
    check.set_defaults(func=_cmd_check)
    invite = sub.add_parser("invite", help="print the link that adds copbot to a server, with the permissions it uses")
    invite.add_argument("--client-id", required=True, help="the Application ID from the Discord Developer Portal")
    invite.set_defaults(func=_cmd_invite)
    register_groups(sub)
    register_privacy(sub)
    register_hosting(sub)
    register_report(sub)
    return parser


def _cmd_invite(args: argparse.Namespace) -> int:
    """Print the invite link, then what each permission is for (from :mod:`bot.permissions`)."""
    from bot import permissions

    raw = str(args.client_id).strip()
    if not raw.isdigit() or not 15 <= len(raw) <= 21:
        return _fail(
            f"{raw!r} is not an Application ID: copy the number under 'Application ID' in the Discord "
            "Developer Portal (your application → General Information)."
        )
    print(permissions.invite_url(int(raw)))
    print()
    print(f"Permissions ({permissions.value()}), no Administrator:")
    for item in permissions.ALL:
        print(f"- {item.label}: {item.why}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``copbot`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # The reader went away (`copbot invite | head -1`): not an error, and no traceback at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
