"""Which reminders a task (or meeting) gets, and when: pure functions, no I/O, no Discord.

Every reminder has a stable *kind* (``before:3``, ``before:1``, ``due``, ``overdue:1`` …, ``digest:<start>``)
so the database can promise "at most once per kind" with a UNIQUE key. All task reminders go out at
``send_hour`` on the server's wall clock, computed with :mod:`zoneinfo` on the day itself, so a
reminder stays at 09:00 across a daylight-saving change. Anything that would land in the night
(outside ``quiet_hours_end``–``quiet_hours_start``) moves to the next ``send_hour``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import RemindersConfig


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """One server's reminder rules (the defaults come from ``[reminders]`` in the configuration)."""

    days_before: tuple[int, ...] = (3, 1)
    on_due_day: bool = True
    send_hour: int = 9
    quiet_hours_end: int = 8
    quiet_hours_start: int = 20
    overdue_every_days: int = 7
    overdue_max: int = 3
    digest_hours_before: int = 24

    @classmethod
    def from_config(cls, config: RemindersConfig) -> ReminderPolicy:
        return cls(
            days_before=tuple(config.days_before),
            on_due_day=config.on_due_day,
            send_hour=config.send_hour,
            quiet_hours_end=config.quiet_hours_end,
            quiet_hours_start=config.quiet_hours_start,
            overdue_every_days=config.overdue_every_days,
            overdue_max=config.overdue_max,
            digest_hours_before=config.digest_hours_before,
        )


@dataclass(frozen=True, slots=True)
class PolicyOverrides:
    """The rules one server chose itself; ``None`` means "use the default" for that rule.

    Quiet hours are not here: they protect members' nights and stay as configured for everyone.
    """

    days_before: tuple[int, ...] | None = None
    on_due_day: bool | None = None
    send_hour: int | None = None
    overdue_every_days: int | None = None
    overdue_max: int | None = None
    digest_hours_before: int | None = None

    def apply(self, defaults: ReminderPolicy) -> ReminderPolicy:
        """The server's effective policy: its own choices on top of ``defaults``."""
        chosen = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        return replace(defaults, **chosen)

    @property
    def is_default(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


@dataclass(frozen=True, slots=True, order=True)
class PlannedReminder:
    """One reminder to send at ``at`` (aware UTC)."""

    at: datetime
    kind: str


def _at_send_hour(day: date, zone: ZoneInfo, policy: ReminderPolicy) -> datetime:
    return datetime.combine(day, time(policy.send_hour), tzinfo=zone)


def outside_quiet_hours(instant: datetime, zone: ZoneInfo, policy: ReminderPolicy) -> datetime:
    """``instant`` if it is in the day-time window, else the next ``send_hour`` (server time)."""
    local = instant.astimezone(zone)
    if policy.quiet_hours_end <= local.hour < policy.quiet_hours_start:
        return instant
    day = local.date() if local.hour < policy.quiet_hours_end else local.date() + timedelta(days=1)
    return _at_send_hour(day, zone, policy).astimezone(instant.tzinfo)


def plan_task(due_at: datetime, not_before: datetime, tz_name: str, policy: ReminderPolicy) -> list[PlannedReminder]:
    """The reminders for a task due at ``due_at``, skipping any instant before ``not_before``.

    ``not_before`` is when the task was created (or re-planned), so a task due tomorrow does not
    get a "3 days to go" message the moment it is made.
    """
    zone = ZoneInfo(tz_name)
    due_day = due_at.astimezone(zone).date()
    planned: list[PlannedReminder] = []
    for days in policy.days_before:
        at = _at_send_hour(due_day - timedelta(days=days), zone, policy)
        planned.append(PlannedReminder(at, f"before:{days}"))
    if policy.on_due_day:
        at = _at_send_hour(due_day, zone, policy)
        if at <= due_at:  # a task due at 08:00 has had its "tomorrow" reminder already
            planned.append(PlannedReminder(at, "due"))
    for n in range(1, policy.overdue_max + 1):
        at = _at_send_hour(due_day + timedelta(days=n * policy.overdue_every_days), zone, policy)
        planned.append(PlannedReminder(at, f"overdue:{n}"))
    out = []
    for reminder in planned:
        at = outside_quiet_hours(reminder.at, zone, policy).astimezone(due_at.tzinfo)
        if at >= not_before:
            out.append(PlannedReminder(at, reminder.kind))
    return sorted(out)


def plan_digest(starts_at: datetime, tz_name: str, policy: ReminderPolicy) -> PlannedReminder:
    """The digest before a meeting: ``digest_hours_before`` ahead, out of the night if that still
    leaves it before the meeting. The kind names the occurrence, so a repeating meeting gets one
    digest per occurrence."""
    zone = ZoneInfo(tz_name)
    at = starts_at - timedelta(hours=policy.digest_hours_before)
    moved = outside_quiet_hours(at, zone, policy)
    if moved < starts_at:
        at = moved
    return PlannedReminder(at.astimezone(starts_at.tzinfo), f"digest:{starts_at.isoformat()}")


def replan_digest(starts_at: datetime, now: datetime, tz_name: str, policy: ReminderPolicy) -> PlannedReminder | None:
    """The digest for a meeting already planned, after the rules changed at ``now``.

    A meeting that has started gets none. If the new rules put the digest in the past (say, 48 hours
    before a meeting now 30 hours away), it goes out at once rather than not at all, and on time, so
    without the "sorry this is late" wording.
    """
    if starts_at <= now:
        return None
    digest = plan_digest(starts_at, tz_name, policy)
    return digest if digest.at >= now else PlannedReminder(now, digest.kind)


def is_late(due_at: datetime, now: datetime) -> bool:
    """A reminder more than a day past its time gets "sorry this is late" wording."""
    return now - due_at > timedelta(days=1)
