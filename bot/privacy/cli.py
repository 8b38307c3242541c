"""``copbot forget``, ``copbot export-user`` and ``copbot privacy-policy``: the operator's side of data rights.

For requests that arrive by email. They open the same database the bot uses, resolved exactly as
``copbot run`` resolves it (``COPBOT_DB`` as a path or a PostgreSQL URL, the configuration, the data
folder: :func:`bot.storage.backend.operator_database`), so an erasure never lands in a stale copy. They
do what ``/forget-me`` and ``/mydata`` do, and print one plain sentence. Notices to
people who set a task for the forgotten member are queued in the database and sent by the bot when
it next runs its daily job (or at once, if it is running). Bad input: one sentence, exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Config

# asyncio and the configuration are imported by the commands that use them, so registering these
# commands costs `copbot --help` and `copbot groups plan` nothing (issue 29).

EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    """Add ``forget``, ``export-user`` and ``privacy-policy`` to an argparse subparsers object."""
    forget = subparsers.add_parser("forget", help="delete everything copbot keeps about one member (by user id)")
    forget.add_argument("user_id", metavar="USER_ID", help="the member's Discord user id (a long number)")
    forget.add_argument("--server", metavar="SERVER_ID", help="only in this server (default: every server)")
    forget.set_defaults(func=handle_forget)
    export = subparsers.add_parser("export-user", help="print everything copbot keeps about one member, as JSON")
    export.add_argument("user_id", metavar="USER_ID", help="the member's Discord user id (a long number)")
    export.add_argument("--server", metavar="SERVER_ID", help="only in this server (default: every server)")
    export.set_defaults(func=handle_export)
    policy = subparsers.add_parser("privacy-policy", help="print the privacy notice (Markdown), e.g. > PRIVACY.md")
    policy.set_defaults(func=handle_policy)


class _InputError(Exception):
    pass


def _id(value: str | None, what: str) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit() or not 0 < int(text) < 2**64:
        raise _InputError(f"{what} must be a Discord id: a long whole number like 123456789012345678, not '{value}'.")
    return int(text)


def _setup(args: argparse.Namespace) -> tuple[Config, int, int | None]:
    from bot.config import ConfigError, load_config

    try:
        config = load_config()
    except ConfigError as exc:
        raise _InputError(f"The configuration has a problem: {exc}") from None
    user_id = _id(args.user_id, "USER_ID")
    assert user_id is not None
    guild_id = _id(args.server, "--server")
    if config.database_url is None and not config.database_path.exists():
        raise _InputError(
            f"There is no database at {config.database_path}: set COPBOT_DB to the bot's database "
            "(its file, or its postgresql:// URL)."
        )
    return config, user_id, guild_id


async def _call(config: Config, method: str, user_id: int, guild_id: int | None) -> Any:
    """Open the database, call ``PrivacyService.<method>(user_id, guild_id)``, close it again."""
    from bot.privacy.service import PrivacyService
    from bot.storage.backend import operator_database

    db = operator_database(config)  # works while the bot itself runs
    await db.open()
    try:
        return await getattr(PrivacyService(db, config.privacy), method)(user_id, guild_id)
    finally:
        await db.close()


def _run(args: argparse.Namespace, method: str) -> tuple[Any, int, int | None] | None:
    """The service's answer for the command line's user and server, or ``None`` after printing why not."""
    try:
        config, user_id, guild_id = _setup(args)
    except _InputError as exc:
        print(exc, file=sys.stderr)
        return None
    import asyncio

    from bot.storage.database import DatabaseUnusableError, SchemaTooNewError

    try:
        return asyncio.run(_call(config, method, user_id, guild_id)), user_id, guild_id
    except (DatabaseUnusableError, SchemaTooNewError) as exc:
        print(exc, file=sys.stderr)
        return None


def handle_forget(args: argparse.Namespace) -> int:
    answer = _run(args, "forget")
    if answer is None:
        return EXIT_USAGE
    result, user_id, guild_id = answer
    where = f"server {guild_id}" if guild_id is not None else "every server"
    if not result.total:
        print(f"copbot kept nothing about {user_id} in {where}; nothing was changed.")
        return 0
    told = len(result.orphaned_tasks)
    print(
        f"Forgot {user_id} in {where}: {result.total} rows changed "
        f"({', '.join(f'{k} {v}' for k, v in sorted(result.changed.items()) if v)})."
        + (f" {told} open task(s) now have nobody doing them; the bot tells whoever set them." if told else "")
    )
    return 0


def handle_export(args: argparse.Namespace) -> int:
    answer = _run(args, "export")
    if answer is None:
        return EXIT_USAGE
    print(answer[0].as_json())
    return 0


def handle_policy(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_config
    from bot.privacy.policy import document

    try:
        config = load_config()
    except ConfigError as exc:
        print(f"The configuration has a problem: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(document(config.privacy), end="")
    return 0


def print_check(config: Config, width: int) -> None:
    """Lines for ``copbot check``: the oldest row kept of each kind the retention job removes."""
    import asyncio

    from bot.storage.privacy import read_oldest

    if config.database_url:  # the file path is unused then: a stale SQLite file there must not be shown
        return
    try:
        oldest = asyncio.run(read_oldest(config.database_path))
    except Exception as exc:  # a damaged file: say so, the schema line reports it too
        print(f"{'oldest rows'.ljust(width)}  could not be read: {exc}")
        return
    if oldest is None:
        return
    for label, stamp in oldest:
        print(f"{('oldest ' + label).ljust(width)}  {stamp[:19].replace('T', ' ') + ' UTC' if stamp else 'none'}")
