"""The notice budget: copbot never tells one person about the same task twice within a day. Pure.

A person is *told* about a task when copbot gives it to them, reminds them of it (by DM, or by a
mention in the meeting channel when their DMs are closed), or lists it in their own list before a
meeting. Any further notice about that task within :data:`NOTICE_GAP` is not sent: a reminder due in
that time is recorded as done and stays silent, and the list before a meeting leaves the task out of
that person's DM and does not ping them in the public post.

The gap is counted on the server's wall clock in whole minutes, so two reminders planned for 09:00 on
consecutive days are always a day apart: across a change of the clocks (23 or 25 real hours), and
whatever milliseconds each send took.

The schedule itself (which reminders are planned, :mod:`bot.reminders.policy`) is each server's choice;
the budget applies on top of it, so a server that asks for many reminders still never gets two about
one task in a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

#: The least time between two notices to one person about one task.
NOTICE_GAP = timedelta(hours=24)


def _wall_minute(instant: datetime, zone: ZoneInfo) -> datetime:
    """``instant`` on the server's wall clock, to the minute, without a timezone."""
    return instant.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def latest(*times: datetime | None) -> datetime | None:
    """The latest of the given times (a task's stored ``told_at`` and a notice not yet written)."""
    known = [t for t in times if t is not None]
    return max(known) if known else None


def told_recently(told_at: datetime | None, now: datetime, tz_name: str) -> bool:
    """Whether a notice at ``now`` would repeat one sent at ``told_at`` (within :data:`NOTICE_GAP`)."""
    if told_at is None:
        return False
    zone = ZoneInfo(tz_name)
    return _wall_minute(now, zone) - _wall_minute(told_at, zone) < NOTICE_GAP


def describe_budget() -> str:
    """The budget in one plain sentence, for ``/settings reminders``."""
    return (
        "Nobody hears about the same task twice in one day: a reminder that would come less than "
        "24 hours after another message about that task is not sent."
    )
