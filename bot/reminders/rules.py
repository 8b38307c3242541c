"""A server's own reminder rules: checking what a facilitator typed, and saying the rules in plain words.

Pure (no I/O, no Discord). ``/settings reminders`` passes the options it was given to
:func:`change_rules`, which either returns the server's new choices or raises one
:class:`~bot.errors.UserError` sentence, so nothing is saved unless every value is acceptable.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.errors import UserError
from bot.reminders.policy import PolicyOverrides, ReminderPolicy

MAX_DAYS_BEFORE = 5
DAYS_BEFORE_RANGE = (1, 60)
OVERDUE_EVERY_RANGE = (1, 60)
OVERDUE_MAX_RANGE = (0, 20)
DIGEST_HOURS_RANGE = (1, 168)
NOTHING_CHANGED = " Nothing was changed."
_NONE_WORDS = {"none", "no", "off", "never"}


def parse_days_before(text: str) -> tuple[int, ...]:
    """``"3, 1"`` → ``(3, 1)``; ``"none"`` → ``()``. Largest first, no repeats."""
    cleaned = text.strip().lower()
    if cleaned in _NONE_WORDS:
        return ()
    parts = [p for p in re.split(r"[,;\s]+|\band\b", cleaned) if p]
    low, high = DAYS_BEFORE_RANGE
    valid = all(re.fullmatch(r"[0-9]{1,3}", p) and low <= int(p) <= high for p in parts)
    if not parts or len(parts) > MAX_DAYS_BEFORE or not valid:
        raise UserError(
            f"Please give the days before the due date as up to {MAX_DAYS_BEFORE} whole numbers from {low} to "
            f"{high}, separated by commas (for example: 3, 1), or the word none." + NOTHING_CHANGED
        )
    return tuple(sorted({int(p) for p in parts}, reverse=True))


def _check(value: int, limits: tuple[int, int], sentence: str) -> int:
    if not limits[0] <= value <= limits[1]:
        raise UserError(sentence + NOTHING_CHANGED)
    return value


def change_rules(
    current: PolicyOverrides,
    defaults: ReminderPolicy,
    *,
    reset: bool = False,
    days_before: str | None = None,
    on_due_day: bool | None = None,
    send_hour: int | None = None,
    overdue_every_days: int | None = None,
    overdue_max: int | None = None,
    digest_hours_before: int | None = None,
) -> PolicyOverrides:
    """The server's new choices: ``current`` (or the defaults, with ``reset``) with the given options.

    Raises a :class:`UserError` naming the first unacceptable value; then nothing may be saved.
    """
    changes: dict[str, object] = {}
    if days_before is not None:
        changes["days_before"] = parse_days_before(days_before)
    if on_due_day is not None:
        changes["on_due_day"] = on_due_day
    if send_hour is not None:
        first, last = defaults.quiet_hours_end, defaults.quiet_hours_start - 1
        example = min(max(9, first), last)
        changes["send_hour"] = _check(
            send_hour,
            (first, last),
            f"Reminders are never sent at night: please choose an hour from {first} to {last} "
            f"(for example {example} for {example:02d}:00).",
        )
    if overdue_every_days is not None:
        low, high = OVERDUE_EVERY_RANGE
        changes["overdue_every_days"] = _check(
            overdue_every_days, OVERDUE_EVERY_RANGE, f"Overdue nudges can come every {low} to {high} days."
        )
    if overdue_max is not None:
        low, high = OVERDUE_MAX_RANGE
        changes["overdue_max"] = _check(
            overdue_max, OVERDUE_MAX_RANGE, f"The number of overdue nudges must be from {low} (none) to {high}."
        )
    if digest_hours_before is not None:
        low, high = DIGEST_HOURS_RANGE
        changes["digest_hours_before"] = _check(
            digest_hours_before,
            DIGEST_HOURS_RANGE,
            f"The list of open tasks can go out from {low} to {high} hours (a week) before a meeting.",
        )
    base = PolicyOverrides() if reset else current
    return replace(base, **changes)  # type: ignore[arg-type]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def digest_when(hours: int) -> str:
    """How long before a meeting its list of open tasks goes out: "the day before", "3 hours before"."""
    if hours == 24:
        return "the day before"
    if hours % 24 == 0:
        return f"{hours // 24} days before"
    return f"{_count(hours, 'hour', 'hours')} before"


def describe(policy: ReminderPolicy) -> str:
    """The rules in one plain line, e.g. "Reminders: 3 days and 1 day before the due date, and on
    the day, at 09:00; overdue nudges every 7 days, at most 3; meeting digest 24 hours before"."""
    hour = f"{policy.send_hour:02d}:00"
    days = [_count(d, "day", "days") for d in policy.days_before]
    if days and policy.on_due_day:
        before = f"{_join(days)} before the due date, and on the day, at {hour}"
    elif days:
        before = f"{_join(days)} before the due date, at {hour}"
    elif policy.on_due_day:
        before = f"on the due date, at {hour}"
    else:
        before = "none before the due date"
    if policy.overdue_max == 0:
        overdue = "no overdue nudges"
    else:
        every = "every day" if policy.overdue_every_days == 1 else f"every {policy.overdue_every_days} days"
        at = "" if days or policy.on_due_day else f" at {hour}"
        overdue = f"overdue nudges{at} {every}, at most {policy.overdue_max}"
    digest = f"meeting digest {_count(policy.digest_hours_before, 'hour', 'hours')} before"
    return f"Reminders: {before}; {overdue}; {digest}"
