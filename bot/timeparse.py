"""Reading the dates members type (``due:``, ``when:``) in the server's timezone.

Why it works this way:

* dateparser understands many phrasings ("next friday", "in 3 days", "tomorrow 5pm", "01/12/2026").
  We ask it for a *naive* wall-clock time in the server's area (``RELATIVE_BASE`` is "now" on that
  wall clock) and attach the zone ourselves with :mod:`zoneinfo`. dateparser's own ``TIMEZONE``
  conversion applies the offset in force *today*, so a date typed in March for a day after the
  clocks change would be an hour out; ``zoneinfo`` uses the offset of the day itself.
* "A date with no time means 17:00 that day". dateparser gives midnight for "2026-12-01" and keeps
  the current time for "in 3 days", so we look for a time in the text instead (``17:00``, ``5pm``,
  ``noon``, ``in 2 hours``) and, if there is none, use 17:00 on the day understood. So "in 3 days"
  means 17:00 three days from today, the same as "2026-12-01" means 17:00 on 1 December.
* Every failure, whatever dateparser does inside, becomes one :class:`UserError` sentence with an
  example that works, so the member always gets either a date or a message, never a crash.
* dateparser is slow to import and warm up (about a second), so :func:`warm_up` exists for the cog
  to call once in a thread at start-up; the cog calls :func:`parse_when` in a thread too.
* We tell dateparser the text is English (``LANGUAGES``): copbot speaks English, and without it
  dateparser tries every language it knows on text it cannot read, so "whenever you like" took
  1.35 s to refuse (longer than Discord's 3-second answer deadline on a busy host) instead of 0.5 ms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import utcnow
from bot.errors import UserError

#: Typed dates further ahead than this are almost certainly a typo.
MAX_AHEAD = timedelta(days=731)
#: The time of day a date without a time means.
DEFAULT_TIME = time(17, 0)
MAX_INPUT = 100
#: The languages dateparser reads members' dates in (see the module docstring).
LANGUAGES = ["en"]

EXAMPLES = "for example `2026-12-01`, `2026-12-01 17:00`, `next friday`, `in 3 days` or `tomorrow 5pm`"

_TIME_TOKEN = re.compile(
    r"(?<![\d/.-])\d{1,2}:\d{2}(?![\d/.])"  # 17:00
    r"|\b\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)"  # 5pm, 5 pm
    r"|\b(?:noon|midday|midnight)\b"
    r"|\b(?:hours?|hrs?|minutes?|mins?)\b",  # in 2 hours
    re.IGNORECASE,
)

_UK_ZONES = {"Europe/London", "Europe/Belfast", "GB", "GB-Eire"}


@dataclass(frozen=True, slots=True)
class ParsedWhen:
    """A moment a member typed: the instant in UTC and how we understood it, in words."""

    at: datetime
    echo: str
    #: A sentence to add to the reply when we read the text differently from how it was typed
    #: (a time inside the spring clock change), else "".
    note: str = ""


def zone_words(tz_name: str, at: datetime | None = None) -> str:
    """The timezone in plain words: "UK time", "New York time", or the zone's abbreviation."""
    if tz_name in _UK_ZONES:
        return "UK time"
    if "/" in tz_name:
        city = tz_name.rsplit("/", 1)[1].replace("_", " ")
        return f"{city} time"
    abbreviation = (at or utcnow()).astimezone(ZoneInfo(tz_name)).tzname() or tz_name
    return f"{abbreviation} time"


def describe(at: datetime, tz_name: str) -> str:
    """An instant in words in the server's timezone: "Friday 4 December 2026, 17:00 UK time"."""
    local = at.astimezone(ZoneInfo(tz_name))
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} {zone_words(tz_name, at)}"


def _settings(base: datetime) -> dict[str, object]:
    return {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
    }


def warm_up() -> None:
    """Import dateparser and parse once, so the first member does not wait for it."""
    import dateparser

    dateparser.parse("tomorrow 5pm", settings=_settings(datetime(2026, 1, 1)), languages=LANGUAGES)  # type: ignore[arg-type]


_CLOCK_TIME = re.compile(r"(?<![\d/.-])(\d{1,2}):(\d{1,2})(?![\d/.])")


def _check_clock_times(text: str) -> None:
    """Refuse ``25:00`` or ``17:75``: dateparser quietly drops an impossible time and keeps the day."""
    for match in _CLOCK_TIME.finditer(text):
        hour, minute = int(match[1]), int(match[2])
        if hour > 23 or minute > 59:
            raise UserError(
                f"“{match[0]}” is not a time of day: hours go from 00 to 23 and minutes from 00 to 59. "
                "Please try again, for example `tomorrow 17:00` or `2026-12-01 09:30`."
            )


def _spring_gap(local: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    """A wall-clock time that does not exist (clocks go forward) becomes the same time after the change.

    Returns the aware local time to use and, if it was moved, the sentence that says so.
    """
    aware = local.replace(tzinfo=zone)
    back = aware.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) == local:
        return aware, ""
    return back, (
        f"{local:%H:%M} does not exist on {local.day} {local:%B}, when clocks go forward; I used {back:%H:%M}."
    )


def _not_understood(text: str) -> UserError:
    shown = text.replace("`", "'")[:40]
    return UserError(f"Sorry, I couldn't read “{shown}” as a date. Please try again, {EXAMPLES}.")


def parse_when(text: str, tz_name: str, *, now: datetime | None = None) -> ParsedWhen:
    """Read ``text`` as a future moment in ``tz_name``; raise :class:`UserError` if it is not one."""
    now = now or utcnow()
    cleaned = " ".join(str(text).split())
    if not cleaned or len(cleaned) > MAX_INPUT:
        raise _not_understood(cleaned)
    _check_clock_times(cleaned)
    note = ""
    try:
        import dateparser

        zone = ZoneInfo(tz_name)
        base = now.astimezone(zone).replace(tzinfo=None)
        result = dateparser.parse(cleaned, settings=_settings(base), languages=LANGUAGES)  # type: ignore[arg-type]
        if result is None:
            raise _not_understood(cleaned)
        if result.tzinfo is not None:
            # The member named a zone themselves ("17:00 EST"): respect it.
            at = result.astimezone(UTC)
        else:
            if not _TIME_TOKEN.search(cleaned):
                result = datetime.combine(result.date(), DEFAULT_TIME)
            local, note = _spring_gap(result, zone)
            at = local.astimezone(UTC)
        if at <= now:
            raise UserError(
                f"“{describe(at, tz_name)}” is already in the past. Please give a date that is still to come, "
                f"{EXAMPLES}."
            )
        if at > now + MAX_AHEAD:
            raise UserError(
                "That date is more than two years away, so I think something went wrong. "
                f"Please give a nearer date, {EXAMPLES}."
            )
        return ParsedWhen(at=at, echo=describe(at, tz_name), note=note)
    except UserError:
        raise
    except Exception:  # dateparser, zoneinfo or date arithmetic on odd input
        raise _not_understood(cleaned) from None
