"""Configuration: typed, validated in one place, read from three layers.

Layers, later ones winning: ``config/default.toml`` (shipped), the TOML file named by ``COPBOT_CONFIG``
(the operator's), then environment variables. Environment variables are the usual way to pass
secrets and paths in containers, so the common ones have short names (``DISCORD_TOKEN``, ``COPBOT_DB``,
``COPBOT_LOG_LEVEL``) and any other key can be set as ``COPBOT__SECTION__KEY``.

Every value is checked here, so the rest of the code can trust it; a bad value raises
:class:`ConfigError` whose message names the key and what is allowed. The token is a
:class:`Secret` so it can never end up in a log line or in ``copbot check`` output by accident.
"""

from __future__ import annotations

import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import text_limits
from bot.roles import CONFIG_DIR

DEFAULT_CONFIG_FILE = CONFIG_DIR / "default.toml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """A configuration value is missing or not allowed; the message names the key."""


class Secret:
    """A string that refuses to show itself, so a token never lands in logs or printed config."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """The real value, for the one place that needs it (logging in to Discord)."""
        return self._value

    def masked(self) -> str:
        """A hint that a value is set, without revealing it."""
        if not self._value:
            return "(not set)"
        return f"{'*' * 8}{self._value[-4:]}" if len(self._value) > 12 else "*" * 8

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.masked()!r})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class CommunityConfig:
    """What the CoP is, shown to members in /help and the welcome message."""

    name: str
    purpose: str
    timezone: str


@dataclass(frozen=True, slots=True)
class QuestionsConfig:
    """Limits for anonymous questions."""

    max_length: int
    rate_limit_count: int
    rate_limit_minutes: int
    mute_hours: int


@dataclass(frozen=True, slots=True)
class RemindersConfig:
    """Default reminder policy; servers may override it in the database."""

    days_before: tuple[int, ...]
    on_due_day: bool
    send_hour: int
    quiet_hours_end: int
    quiet_hours_start: int
    overdue_every_days: int
    overdue_max: int
    digest_hours_before: int


@dataclass(frozen=True, slots=True)
class IcebreakersConfig:
    """Limits for icebreaker prompts and speaking rounds."""

    max_length: int
    join_seconds: int


@dataclass(frozen=True, slots=True)
class BreakoutsConfig:
    """Timings for breakout sessions."""

    warning_seconds: int
    planning_seconds: float


@dataclass(frozen=True, slots=True)
class Config:
    """The whole effective configuration."""

    token: Secret
    database_path: Path
    log_level: str
    community: CommunityConfig
    questions: QuestionsConfig
    reminders: RemindersConfig
    icebreakers: IcebreakersConfig
    breakouts: BreakoutsConfig
    sources: tuple[str, ...] = field(default=())

    def describe(self) -> list[tuple[str, str]]:
        """Key/value pairs for ``copbot check``; the token is masked."""
        rows: list[tuple[str, str]] = [
            ("config files", ", ".join(self.sources)),
            ("DISCORD_TOKEN", self.token.masked()),
            ("database", str(self.database_path)),
            ("bot.log_level", self.log_level),
        ]
        for section in ("community", "questions", "reminders", "icebreakers", "breakouts"):
            obj = getattr(self, section)
            for name in obj.__slots__:
                value = getattr(obj, name)
                text = " ".join(str(value).split())
                rows.append((f"{section}.{name}", text if len(text) <= 70 else text[:67] + "..."))
        return rows


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}.") from None


def _env_value(raw: str) -> Any:
    """Read an environment value as a TOML value when it parses as one, else as a plain string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("COPBOT__"):
            continue
        parts = name[len("COPBOT__") :].lower().split("__")
        if len(parts) != 2 or not all(parts):
            raise ConfigError(
                f"{name} should look like COPBOT__SECTION__KEY, for example COPBOT__QUESTIONS__MAX_LENGTH."
            )
        out.setdefault(parts[0], {})[parts[1]] = _env_value(raw)
    if "COPBOT_LOG_LEVEL" in environ:
        out.setdefault("bot", {})["log_level"] = environ["COPBOT_LOG_LEVEL"]
    if "COPBOT_DATA_DIR" in environ:
        out.setdefault("bot", {})["data_dir"] = environ["COPBOT_DATA_DIR"]
    return out


class _Reader:
    """Pulls typed values out of the merged mapping, naming the key in every error."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def _get(self, section: str, key: str) -> Any:
        try:
            return self._data[section][key]
        except (KeyError, TypeError):
            raise ConfigError(f"{section}.{key} is missing from the configuration.") from None

    def text(self, section: str, key: str, *, allow_empty: bool = False) -> str:
        value = self._get(section, key)
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise ConfigError(f"{section}.{key} must be a non-empty piece of text.")
        return value.strip()

    def integer(self, section: str, key: str, low: int, high: int) -> int:
        value = self._get(section, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{section}.{key} must be a whole number from {low} to {high}; it is {value!r}.")
        return value

    def number(self, section: str, key: str, low: float, high: float) -> float:
        value = self._get(section, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise ConfigError(f"{section}.{key} must be a number from {low} to {high}; it is {value!r}.")
        return float(value)

    def boolean(self, section: str, key: str) -> bool:
        value = self._get(section, key)
        if not isinstance(value, bool):
            raise ConfigError(f"{section}.{key} must be true or false; it is {value!r}.")
        return value

    def integers(self, section: str, key: str, low: int, high: int) -> tuple[int, ...]:
        value = self._get(section, key)
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value
        ):
            raise ConfigError(f"{section}.{key} must be a list of whole numbers from {low} to {high}; it is {value!r}.")
        return tuple(sorted(set(value), reverse=True))


def validate_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA timezone this machine knows; raise ``ValueError`` otherwise."""
    if not name or name != name.strip() or "\x00" in name:
        raise ValueError(name)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(name) from None
    return name


# -- bounds derived from Discord's limits ------------------------------------------------------------
#
# A value that could ever make a post longer than Discord allows is refused at start, naming the key,
# rather than failing in front of a member months later. Each bound is worked out from the limit it
# feeds (see bot/text_limits.py) and the fixed words around it.

#: A community's name is shown in the /help title ("How copbot helps …", 256) and the welcome DM;
#: Discord's own limit for a server name is 100, a sensible ceiling for ours.
COMMUNITY_NAME_MAX = 100
#: The welcome DM is the purpose plus about 400 characters of fixed words and the server's name
#: (at most 100, escaped up to 200): 2,000 - 400 - 200 leaves 1,400, and 1,200 keeps room for new
#: lines; /help puts it in an embed description next to the features' help, under the 6,000 total
#: (tests/cogs/test_discord_limits.py builds both with the longest name and purpose allowed).
COMMUNITY_PURPOSE_MAX = 1200
#: A question is shown escaped (every character may double: ``*`` becomes ``\*``) in an embed
#: description of 4,096, after at most 60 characters of "Someone would like a plain-language
#: explanation of: ".
QUESTION_SHOWN_OVERHEAD = 60
QUESTIONS_MAX_LENGTH = (text_limits.EMBED_DESCRIPTION - QUESTION_SHOWN_OVERHEAD) // 2
#: ``/icebreaker list`` shows this many prompts per page in one embed description (4,096), each with a
#: line of at most 90 characters ("**#1001** · category · *added here* · *hidden here*") and a blank
#: line between them.
ICEBREAKER_PAGE_SIZE = 10
ICEBREAKER_ENTRY_OVERHEAD = 90
ICEBREAKERS_MAX_LENGTH = (
    text_limits.EMBED_DESCRIPTION - 2 * (ICEBREAKER_PAGE_SIZE - 1)
) // ICEBREAKER_PAGE_SIZE - ICEBREAKER_ENTRY_OVERHEAD


def check_discord_limits(config: Config) -> None:
    """Refuse configuration that could produce a post over one of Discord's limits; names the key."""
    checks = (
        ("community.name", len(config.community.name), COMMUNITY_NAME_MAX, "characters long"),
        ("community.purpose", len(config.community.purpose), COMMUNITY_PURPOSE_MAX, "characters long"),
        ("questions.max_length", config.questions.max_length, QUESTIONS_MAX_LENGTH, ""),
        ("icebreakers.max_length", config.icebreakers.max_length, ICEBREAKERS_MAX_LENGTH, ""),
    )
    for key, value, most, unit in checks:
        if value > most:
            what = f"is {value} {unit}" if unit else f"is {value}"
            raise ConfigError(
                f"{key} must be at most {most}{' characters' if unit else ''} so that every message built from "
                f"it fits Discord's limits; it {what}."
            )


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Build the effective configuration from the three layers (see the module docstring)."""
    environ = os.environ if environ is None else environ
    data = _read_toml(DEFAULT_CONFIG_FILE, "The default configuration file")
    sources = [str(DEFAULT_CONFIG_FILE)]
    extra_path = environ.get("COPBOT_CONFIG")
    if extra_path:
        _merge(data, _read_toml(Path(extra_path), "The configuration file named by COPBOT_CONFIG,"))
        sources.append(extra_path)
    _merge(data, _env_overrides(environ))

    r = _Reader(data)
    log_level = r.text("bot", "log_level").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"bot.log_level must be one of {', '.join(LOG_LEVELS)}; it is {log_level!r}.")
    if environ.get("COPBOT_DB"):
        database_path = Path(environ["COPBOT_DB"])
    else:
        database_path = Path(r.text("bot", "data_dir")) / r.text("bot", "database")

    timezone = r.text("community", "timezone")
    try:
        validate_timezone(timezone)
    except ValueError:
        raise ConfigError(
            f"community.timezone must be a timezone name such as Europe/London; {timezone!r} is not one."
        ) from None

    reminders = RemindersConfig(
        days_before=r.integers("reminders", "days_before", 1, 60),
        on_due_day=r.boolean("reminders", "on_due_day"),
        send_hour=r.integer("reminders", "send_hour", 0, 23),
        quiet_hours_end=r.integer("reminders", "quiet_hours_end", 0, 23),
        quiet_hours_start=r.integer("reminders", "quiet_hours_start", 1, 24),
        overdue_every_days=r.integer("reminders", "overdue_every_days", 1, 60),
        overdue_max=r.integer("reminders", "overdue_max", 0, 20),
        digest_hours_before=r.integer("reminders", "digest_hours_before", 1, 168),
    )
    if reminders.quiet_hours_end >= reminders.quiet_hours_start:
        raise ConfigError("reminders.quiet_hours_end must be earlier in the day than reminders.quiet_hours_start.")
    if not reminders.quiet_hours_end <= reminders.send_hour < reminders.quiet_hours_start:
        raise ConfigError("reminders.send_hour must fall between quiet_hours_end and quiet_hours_start.")

    config = Config(
        token=Secret(environ.get("DISCORD_TOKEN", "").strip()),
        database_path=database_path,
        log_level=log_level,
        community=CommunityConfig(
            name=r.text("community", "name"),
            purpose=" ".join(r.text("community", "purpose").split()),
            timezone=timezone,
        ),
        questions=QuestionsConfig(
            max_length=r.integer("questions", "max_length", 1, 4000),
            rate_limit_count=r.integer("questions", "rate_limit_count", 1, 1000),
            rate_limit_minutes=r.integer("questions", "rate_limit_minutes", 1, 24 * 60),
            mute_hours=r.integer("questions", "mute_hours", 1, 48),
        ),
        reminders=reminders,
        icebreakers=IcebreakersConfig(
            max_length=r.integer("icebreakers", "max_length", 20, 1000),
            join_seconds=r.integer("icebreakers", "join_seconds", 10, 600),
        ),
        breakouts=BreakoutsConfig(
            warning_seconds=r.integer("breakouts", "warning_seconds", 10, 600),
            planning_seconds=r.number("breakouts", "planning_seconds", 0.05, 30),
        ),
        sources=tuple(sources),
    )
    check_discord_limits(config)
    return config
