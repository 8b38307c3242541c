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

import difflib
import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import platformdirs

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
    #: The starting aims: shown until a facilitator first updates the aims in ``/aims``.
    purpose: str
    timezone: str
    #: Who a new member can ask, shown at the end of the welcome (empty: "any facilitator").
    contact: str = ""


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
    #: After "Ask for help" in a room, further clicks there within this many seconds ask nobody again.
    help_cooldown_seconds: int
    #: Whether people who join the main voice channel while rooms are open are placed into a group.
    place_late_joiners: bool
    #: Plan each meeting as the first of this many (see ``bot.breakouts.make_plan``).
    season_meetings: int


@dataclass(frozen=True, slots=True)
class MeetingsConfig:
    """The meeting itself: when a forgotten one closes, and whether the recap names who came."""

    max_hours: int
    recap_names: bool


@dataclass(frozen=True, slots=True)
class PulseConfig:
    """The anonymous check-in after a meeting (``/pulse``)."""

    #: Hours a check-in stays open for answers.
    open_hours: int
    #: No number is shown that is computed from fewer answers than this (and no role with fewer).
    min_group: int
    #: Without ``/meeting start``, "the meeting that just happened" is whoever was in the main voice
    #: channel within this many hours.
    recent_hours: int
    #: Comments longer than this are refused.
    comment_length: int


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    """Who to contact about personal data, and how long copbot keeps it."""

    contact: str
    leaver_grace_days: int
    retention_days: int


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    """Fair-use ceilings, so one member (or one server) cannot pile up work for everyone else."""

    tasks_per_hour: int
    open_tasks_per_assignee: int
    dms_per_hour: int
    rounds_per_server: int
    icebreakers_per_server: int
    glossary_terms_per_server: int = 300


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
    privacy: PrivacyConfig
    limits: LimitsConfig
    meetings: MeetingsConfig = field(default_factory=lambda: MeetingsConfig(max_hours=4, recap_names=False))
    pulse: PulseConfig = field(
        default_factory=lambda: PulseConfig(open_hours=48, min_group=5, recent_hours=3, comment_length=1000)
    )
    sources: tuple[str, ...] = field(default=())
    #: ``COPBOT_DB=postgresql://…``: the shared PostgreSQL database (then ``database_path`` is unused).
    database_url: str | None = None

    @property
    def database_target(self) -> str:
        """What copbot stores its data in, for messages: the file, or the URL without its password."""
        if self.database_url:
            from bot.storage.postgres import redact_url

            return redact_url(self.database_url)
        return str(self.database_path)

    def describe(self) -> list[tuple[str, str]]:
        """Key/value pairs for ``copbot check``; the token is masked."""
        rows: list[tuple[str, str]] = [
            ("config files", ", ".join(self.sources)),
            ("DISCORD_TOKEN", self.token.masked()),
            ("database", self.database_target),
            ("bot.log_level", self.log_level),
        ]
        for section in (
            "community",
            "questions",
            "reminders",
            "icebreakers",
            "breakouts",
            "privacy",
            "limits",
            "meetings",
            "pulse",
        ):
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


def _read_toml(path: Traversable | Path, what: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist.") from None
    except IsADirectoryError:
        raise ConfigError(f"{what} {path} is a folder, not a file.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}.") from None


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else f" (known: {', '.join(sorted(known))})"


def check_known_keys(defaults: Mapping[str, Any], layer: Mapping[str, Any], where: str) -> None:
    """Refuse any section or key that ``default.toml`` does not have, naming the nearest known one.

    The schema is ``default.toml`` itself: every setting copbot reads has a default there, so a
    name missing from it is a typo (``[comunity]``, ``rate_limt_count``) that would otherwise be
    ignored in silence while the operator believes it took effect. Deriving the schema from the file
    means a new section added to ``default.toml`` is known here at once, with no second list to keep.
    """
    sections = [name for name, value in defaults.items() if isinstance(value, Mapping)]
    for section, value in layer.items():
        if section not in sections:
            raise ConfigError(f"{where}: there is no section `{section}`{_did_you_mean(section, sections)}.")
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: `{section}` must be a section ([{section}]), not a single value.")
        keys = list(defaults[section])
        for key in value:
            if key not in keys:
                raise ConfigError(f"{where}: section `{section}` has no key `{key}`{_did_you_mean(key, keys)}.")


def default_data_dir() -> Path:
    """The per-user data folder (``~/.local/share/copbot`` on Linux), used when nothing else is set.

    Not the working folder: a bot started from another folder would silently open a new, empty
    database there and lose track of every task and meeting.
    """
    return Path(platformdirs.user_data_dir("copbot", appauthor=False))


def _env_value(raw: str) -> Any:
    """Read an environment value as a TOML value when it parses as one, else as a plain string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _env_overrides(environ: Mapping[str, str], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``COPBOT__SECTION__KEY`` variables as a layer, each checked against the known keys by name."""
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("COPBOT__"):
            continue
        parts = name[len("COPBOT__") :].lower().split("__")
        if len(parts) != 2 or not all(parts):
            raise ConfigError(
                f"{name} should look like COPBOT__SECTION__KEY, for example COPBOT__QUESTIONS__MAX_LENGTH."
            )
        check_known_keys(defaults, {parts[0]: {parts[1]: raw}}, name)
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
#: Who to ask, shown in the welcome's last step (a message of 60 words or so): a name and an address.
COMMUNITY_CONTACT_MAX = 200
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
        ("community.contact", len(config.community.contact), COMMUNITY_CONTACT_MAX, "characters long"),
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
    defaults = {section: dict(values) for section, values in data.items() if isinstance(values, dict)}
    sources = [str(DEFAULT_CONFIG_FILE)]
    extra_path = environ.get("COPBOT_CONFIG")
    if extra_path:
        extra = _read_toml(Path(extra_path), "The configuration file named by COPBOT_CONFIG,")
        check_known_keys(defaults, extra, extra_path)
        _merge(data, extra)
        sources.append(extra_path)
    _merge(data, _env_overrides(environ, defaults))

    r = _Reader(data)
    log_level = r.text("bot", "log_level").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"bot.log_level must be one of {', '.join(LOG_LEVELS)}; it is {log_level!r}.")
    # One resolution for every command that opens the database (run, check, forget, export-user,
    # backup, health): COPBOT_DB (a path or a PostgreSQL URL), else bot.database in the configuration
    # (a file name in the data folder, or a URL), in the data folder. With a URL, the data folder still
    # holds copbot's own small files (the heartbeat).
    data_dir = r.text("bot", "data_dir", allow_empty=True)
    folder = Path(data_dir).expanduser() if data_dir else default_data_dir()
    configured = environ.get("COPBOT_DB") or r.text("bot", "database")
    database_url: str | None = None
    if configured.startswith(("postgresql://", "postgres://")):
        database_url = configured
        database_path = folder / "copbot.db"
    elif environ.get("COPBOT_DB"):
        database_path = Path(environ["COPBOT_DB"]).expanduser()
    else:
        database_path = folder / configured
    # Absolute from here on, so the log line and ``copbot check`` name the one file really used.
    database_path = database_path.absolute()

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
        database_url=database_url,
        log_level=log_level,
        community=CommunityConfig(
            name=r.text("community", "name"),
            purpose=" ".join(r.text("community", "purpose").split()),
            timezone=timezone,
            contact=" ".join(r.text("community", "contact", allow_empty=True).split()),
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
            help_cooldown_seconds=r.integer("breakouts", "help_cooldown_seconds", 10, 3600),
            place_late_joiners=r.boolean("breakouts", "place_late_joiners"),
            season_meetings=r.integer("breakouts", "season_meetings", 1, 26),
        ),
        privacy=PrivacyConfig(
            contact=r.text("privacy", "contact", allow_empty=True),
            leaver_grace_days=r.integer("privacy", "leaver_grace_days", 1, 365),
            retention_days=r.integer("privacy", "retention_days", 30, 3650),
        ),
        limits=LimitsConfig(
            tasks_per_hour=r.integer("limits", "tasks_per_hour", 1, 1000),
            open_tasks_per_assignee=r.integer("limits", "open_tasks_per_assignee", 1, 1000),
            dms_per_hour=r.integer("limits", "dms_per_hour", 1, 1000),
            rounds_per_server=r.integer("limits", "rounds_per_server", 1, 100),
            icebreakers_per_server=r.integer("limits", "icebreakers_per_server", 1, 10000),
            glossary_terms_per_server=r.integer("limits", "glossary_terms_per_server", 1, 5000),
        ),
        meetings=MeetingsConfig(
            max_hours=r.integer("meetings", "max_hours", 1, 24),
            recap_names=r.boolean("meetings", "recap_names"),
        ),
        pulse=PulseConfig(
            open_hours=r.integer("pulse", "open_hours", 1, 24 * 14),
            min_group=r.integer("pulse", "min_group", 3, 50),
            recent_hours=r.integer("pulse", "recent_hours", 1, 24),
            comment_length=r.integer("pulse", "comment_length", 50, 4000),
        ),
        sources=tuple(sources),
    )
    check_discord_limits(config)
    return config
