"""The one place the bot reads the current time.

Everything that needs "now" (reminder policy, question timestamps, the scheduler's start-up sweep)
calls :func:`utcnow`, so the whole bot agrees on one clock. It reads ``datetime.now``, which is what
APScheduler compares run times against, and which tests move with ``time-machine`` in step with
SimCord's virtual clock. Domain code must not call ``discord.utils.utcnow``: it is a second clock.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)
