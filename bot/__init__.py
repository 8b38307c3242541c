"""copbot: a Discord bot for Community of Practice meetings.

``from bot import create_bot`` is the public entry point. It is imported lazily so that the pure
parts of the package (the grouping engine, reminder policy, time parsing, the offline CLI) can be
used without loading discord.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import CopBot, create_bot

__all__ = ["CopBot", "create_bot"]

#: copbot's version, in one place: ``pyproject.toml`` reads it from here (``[tool.setuptools.dynamic]``),
#: and ``copbot --version``, ``copbot check`` and the start-up log line print it. Raise it for each release.
__version__ = "0.2.0"


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bot import app

        return getattr(app, name)
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
