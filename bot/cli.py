"""The ``copbot`` command: ``run`` the bot, ``check`` the configuration, plan ``groups`` offline.

Every failure a person can fix ends with exit code 2 and one sentence saying what to do, because
the person starting the bot is often a facilitator following the README, not a developer.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.config import Config, ConfigError, load_config
from bot.grouping.cli import register as register_groups
from bot.privacy.cli import print_check as print_privacy_check
from bot.privacy.cli import register as register_privacy
from bot.storage.database import LATEST_VERSION, SchemaTooNewError, read_schema_version

EXIT_USAGE = 2

NO_TOKEN = (
    "DISCORD_TOKEN is not set: create a bot in the Discord Developer Portal "
    "(https://discord.com/developers/applications → your application → Bot → Reset Token), "
    "then start copbot with DISCORD_TOKEN=<your token> copbot run."
)
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


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        config = load_config()
    except ConfigError as exc:
        return _fail(f"The configuration has a problem: {exc}")
    if not config.token:
        return _fail(NO_TOKEN)
    setup_logging(config.log_level)
    return asyncio.run(_run_bot(config))


def setup_logging(level_name: str) -> None:
    """Log through discord.py's handler, but never let discord.py itself log below INFO.

    At DEBUG, discord.py writes every raw gateway event and HTTP request to the log, and those
    contain the user id of whoever submitted an anonymous question. The anonymity promise covers
    log lines at every level, so copbot's own modules may log at DEBUG while discord.py's may not.
    """
    import discord

    level = getattr(logging, level_name)
    discord.utils.setup_logging(level=level)
    logging.getLogger("discord").setLevel(max(level, logging.INFO))


async def _run_bot(config: Config) -> int:
    import discord

    from bot.app import create_bot

    bot = create_bot(config)
    try:
        async with bot:
            await bot.start(config.token.get())
    except discord.LoginFailure:
        return _fail(BAD_TOKEN)
    except discord.PrivilegedIntentsRequired:
        return _fail(NO_MEMBERS_INTENT)
    except SchemaTooNewError as exc:
        return _fail(str(exc))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    try:
        config = load_config()
    except ConfigError as exc:
        return _fail(f"The configuration has a problem: {exc}")
    width = max(len(key) for key, _ in config.describe())
    for key, value in config.describe():
        print(f"{key.ljust(width)}  {value}")
    try:
        version = asyncio.run(read_schema_version(config.database_path))
    except Exception as exc:  # a damaged or foreign file: say so rather than crash
        return _fail(f"The database {config.database_path} could not be read: {exc}.")
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``copbot``; sub-commands set ``func`` to their handler."""
    parser = argparse.ArgumentParser(prog="copbot", description="A Discord bot for Community of Practice meetings.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="start the bot (needs DISCORD_TOKEN)")
    run.set_defaults(func=_cmd_run)
    check = sub.add_parser("check", help="show the effective configuration and database version, offline")
    check.set_defaults(func=_cmd_check)
    register_groups(sub)
    register_privacy(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``copbot`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    return int(args.func(args))
