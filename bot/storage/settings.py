"""Per-server settings: which role marks facilitators, which channels the bot uses, the timezone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields, replace

from bot.clock import utcnow
from bot.storage.database import Database, Transaction


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """One server's settings; ``None`` means a facilitator has not chosen that one yet."""

    guild_id: int
    facilitator_role_id: int | None = None
    meeting_channel_id: int | None = None
    questions_channel_id: int | None = None
    facilitator_channel_id: int | None = None
    main_voice_id: int | None = None
    timezone: str | None = None
    moderation: bool = False
    #: New members get the welcome by direct message (issue 30); facilitators can turn it off.
    welcome: bool = True

    @property
    def effective_questions_channel_id(self) -> int | None:
        """Questions go to their own channel if set, otherwise to the meeting channel."""
        return self.questions_channel_id or self.meeting_channel_id

    @property
    def is_configured(self) -> bool:
        """A server counts as set up once it has a channel where the bot can talk to everyone."""
        return self.meeting_channel_id is not None or self.questions_channel_id is not None

    def timezone_or(self, default: str) -> str:
        """The server's timezone, or the configured default when none was chosen."""
        return self.timezone or default


_COLUMNS = tuple(f.name for f in fields(GuildSettings) if f.name != "guild_id")
#: Stored as 0 or 1.
_FLAGS = ("moderation", "welcome")

#: ``also(tx, before, after)`` for :meth:`SettingsRepository.update`.
AlsoInTransaction = Callable[[Transaction, GuildSettings, GuildSettings], Awaitable[None]]


def _settings(values: dict[str, object]) -> GuildSettings:
    """A stored row as settings, its 0/1 flags as booleans."""
    for flag in _FLAGS:
        values[flag] = bool(values[flag])
    return GuildSettings(**values)  # type: ignore[arg-type]


class SettingsRepository:
    """Reads and writes :class:`GuildSettings` rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int) -> GuildSettings:
        """The server's settings, or all-default settings if it has none stored."""
        row = await self._db.fetchone(
            f"SELECT guild_id, {', '.join(_COLUMNS)} FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return _settings(dict(row))

    async def update(self, guild_id: int, *, also: AlsoInTransaction | None = None, **changes: object) -> GuildSettings:
        """Apply ``changes`` (column → value) in one transaction and return the new settings.

        ``also(tx, before, after)``, if given, runs inside that transaction after the write, for work
        that must never disagree with the settings (re-planning reminders when the timezone moves):
        if it fails, the settings are not saved either.
        """
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"Unknown settings: {sorted(unknown)}")
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                f"SELECT guild_id, {', '.join(_COLUMNS)} FROM guild_settings WHERE guild_id = ?", (guild_id,)
            )
            current = GuildSettings(guild_id=guild_id) if row is None else _settings(dict(row))
            new = replace(current, **changes)  # type: ignore[arg-type]
            values = [int(getattr(new, c)) if c in _FLAGS else getattr(new, c) for c in _COLUMNS]
            await tx.execute(
                f"INSERT INTO guild_settings (guild_id, {', '.join(_COLUMNS)}, updated_at)"
                f" VALUES (?, {', '.join('?' for _ in _COLUMNS)}, ?)"
                f" ON CONFLICT (guild_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _COLUMNS)},"
                " updated_at = excluded.updated_at",
                (guild_id, *values, utcnow().isoformat()),
            )
            new = replace(new, **{flag: bool(getattr(new, flag)) for flag in _FLAGS})
            if also is not None:
                await also(tx, current, new)
        return new

    async def configured_guild_ids(self) -> list[int]:
        """Servers that have at least a meeting or questions channel chosen."""
        rows = await self._db.fetchall(
            "SELECT guild_id FROM guild_settings"
            " WHERE meeting_channel_id IS NOT NULL OR questions_channel_id IS NOT NULL"
        )
        return [int(r[0]) for r in rows]
