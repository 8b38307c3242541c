"""Library loggers that can never write what a member did, at any level.

The anonymity rule (DESIGN.md) covers log lines at every level: no logger may write a statement's
parameters. Several libraries copbot uses do at DEBUG: aiosqlite logs every call with its SQL and
values (a vote's fingerprint, a check-in batch), discord.py logs every raw gateway event and HTTP
request (who pressed what, and the text of a question), asyncpg and APScheduler log internals that
may carry arguments. So each of them gets a floor below which nothing it logs is written:

* the logger's level is raised to the floor (so nothing below it is even formatted), and
* a filter on the logger itself, on every child logger already created, and on every child logger
  created later (APScheduler makes its executors' loggers as jobs first run), drops any record below
  the floor, so the cap holds even if something later sets one of these loggers to DEBUG.

copbot's own loggers (``bot.*``, ``cogs.*``) may log at DEBUG: they never log a member's id, a
fingerprint or what someone typed. :func:`cap_library_loggers` is called by ``copbot run`` (through
``setup_logging``) and by :func:`bot.create_bot`, so every bot copbot builds is covered.
"""

from __future__ import annotations

import logging

#: Library logger → the lowest level it may write at. INFO and above carry no statement parameters.
LIBRARY_FLOORS: dict[str, int] = {
    "discord": logging.INFO,
    "aiosqlite": logging.INFO,
    "asyncpg": logging.INFO,
    # APScheduler announces every start, stop and job run at INFO; copbot says itself what matters.
    "apscheduler": logging.WARNING,
}


class BelowFloor(logging.Filter):
    """Drops every record under ``floor`` (attached to a library's loggers)."""

    def __init__(self, floor: int) -> None:
        super().__init__()
        self.floor = floor

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.floor


def _floor_for(name: str) -> int | None:
    for prefix, floor in LIBRARY_FLOORS.items():
        if name == prefix or name.startswith(prefix + "."):
            return floor
    return None


def _cap_loggers_made_later() -> None:
    """Loggers created from now on under a library's name get their filter as they are made."""
    base = logging.getLoggerClass()
    if getattr(base, "copbot_capped", False):
        return

    class CappedLogger(base):  # type: ignore[valid-type, misc]
        copbot_capped = True

        def __init__(self, name: str, level: int = logging.NOTSET) -> None:
            super().__init__(name, level)
            floor = _floor_for(name)
            if floor is not None:
                self.addFilter(BelowFloor(floor))

    logging.setLoggerClass(CappedLogger)


def _loggers_under(prefix: str) -> list[logging.Logger]:
    """The logger ``prefix`` and every child logger created so far (``prefix.…``)."""
    found = [logging.getLogger(prefix)]
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith(prefix + ".") and isinstance(logger, logging.Logger):
            found.append(logger)
    return found


def cap_library_loggers(level: int = logging.DEBUG) -> None:
    """Raise each library logger to ``max(level, its floor)`` and filter out anything below the floor.

    Safe to call more than once (each logger gets one filter).
    """
    _cap_loggers_made_later()
    for prefix, floor in LIBRARY_FLOORS.items():
        logging.getLogger(prefix).setLevel(max(level, floor))
        for logger in _loggers_under(prefix):
            if not any(isinstance(f, BelowFloor) for f in logger.filters):
                logger.addFilter(BelowFloor(floor))
