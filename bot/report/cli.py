"""``copbot report [--last N] [--server ID] OUT.html``: the impact report, written offline by the host.

It opens the database ``copbot run`` uses, resolved the same way
(:func:`bot.storage.backend.operator_database`: ``COPBOT_DB`` as a file or a PostgreSQL URL, the
configuration, the data folder), builds the same page ``/meeting report`` sends
(:mod:`bot.report.service`), and writes it with its CSV beside it (``OUT.csv``). It may run while the
bot runs: it only reads. Bad input: one sentence, exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    """Add ``report`` to an argparse subparsers object."""
    report = subparsers.add_parser(
        "report", help="write the impact report (one HTML page and a CSV of its figures) from the database"
    )
    report.add_argument("out", metavar="OUT.html", help="where to write the page; the CSV goes beside it")
    report.add_argument(
        "--last", type=int, default=6, metavar="N", help="how many recent meetings (1 to 50, default 6)"
    )
    report.add_argument("--server", metavar="SERVER_ID", help="which server, when the database holds several")
    report.set_defaults(func=handle_report)


class _InputError(Exception):
    pass


def handle_report(args: argparse.Namespace) -> int:
    import asyncio  # here, not at the top: registering the command costs `copbot --help` nothing

    try:
        html_path, csv_path, files = asyncio.run(_report(args))
    except _InputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    ms = files.figures.meetings
    print(
        f"Wrote the report of {len(ms)} {'meeting' if len(ms) == 1 else 'meetings'} "
        f"(#{ms[0].number} to #{ms[-1].number}) to {html_path}, and its figures to {csv_path}."
    )
    return 0


async def _report(args: argparse.Namespace) -> tuple[Path, Path, Any]:
    from bot.clock import utcnow
    from bot.config import ConfigError, load_config
    from bot.errors import UserError
    from bot.report.service import MOST_MEETINGS, NO_MEETINGS, build_report
    from bot.storage.backend import operator_database
    from bot.storage.database import DatabaseUnusableError, SchemaTooNewError
    from bot.storage.report import ReportRepository
    from bot.storage.settings import SettingsRepository

    try:
        config = load_config()
    except ConfigError as exc:
        raise _InputError(f"The configuration has a problem: {exc}") from None
    if not 1 <= args.last <= MOST_MEETINGS:
        raise _InputError(f"--last must be between 1 and {MOST_MEETINGS} meetings, not {args.last}.")
    out = Path(args.out).expanduser()
    if not out.parent.is_dir():
        raise _InputError(f"There is no folder {out.parent} to write {out.name} in.")
    csv_out = out.with_suffix(".csv") if out.suffix.lower() != ".csv" else out.with_name(out.name + ".csv")
    if config.database_url is None and not config.database_path.exists():
        raise _InputError(
            f"There is no database at {config.database_path}: set COPBOT_DB to the bot's database "
            "(its file, or its postgresql:// URL)."
        )
    db = operator_database(config)  # only reads: works while the bot itself runs
    try:
        await db.open()
    except (DatabaseUnusableError, SchemaTooNewError) as exc:
        raise _InputError(str(exc)) from None
    except OSError as exc:
        raise _InputError(f"copbot could not open the database {config.database_target}: {exc}.") from None
    try:
        guild_id = _choose_server(args.server, await ReportRepository(db).guilds_with_meetings(), NO_MEETINGS)
        settings = await SettingsRepository(db).get(guild_id)
        files = await build_report(
            db,
            guild_id,
            last=args.last,
            community=config.community.name,
            timezone=settings.timezone_or(config.community.timezone),
            min_group=config.pulse.min_group,
            now=utcnow(),
        )
    except UserError as exc:
        raise _InputError(exc.message) from None
    finally:
        await db.close()
    try:
        out.write_text(files.html, encoding="utf-8")
        csv_out.write_text(files.csv, encoding="utf-8", newline="")
    except OSError as exc:
        raise _InputError(f"copbot could not write the report: {exc}.") from None
    return out, csv_out, files


def _choose_server(wanted: str | None, held: dict[int, int], none_held: str) -> int:
    """The server to report on: the one asked for, or the only one with meetings."""
    if wanted is not None:
        text = wanted.strip()
        if not text.isdigit():
            raise _InputError(f"--server must be a Discord server id (a long whole number), not {wanted!r}.")
        if int(text) not in held:
            raise _InputError(f"Server {text} has held no meeting with /meeting start in this database.")
        return int(text)
    if not held:
        raise _InputError(none_held.replace("`", ""))
    if len(held) > 1:
        choices = ", ".join(f"{gid} ({n} meetings)" for gid, n in sorted(held.items()))
        raise _InputError(f"This database holds several servers: {choices}. Choose one with --server SERVER_ID.")
    return next(iter(held))
