"""The member's data rights as a service: export (``/mydata``), erasure (``/forget-me``), leavers, retention.

No Discord here: cogs and the CLI call these and render the results.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.clock import utcnow
from bot.config import PrivacyConfig
from bot.privacy.jsonids import YOU
from bot.roles import label
from bot.storage.breakouts import HISTORY_MEETINGS
from bot.storage.database import Database
from bot.storage.privacy import Departure, ErasureResult, PrivacyRepository, TableExport

SUMMARY_LIMIT = 1800
EMPTY = "copbot keeps nothing about you in this server."


@dataclass(frozen=True, slots=True)
class MemberExport:
    """Everything kept about one member (in one server, or all of them for the operator)."""

    user_id: int
    guild_id: int | None
    made_at: datetime
    tables: tuple[TableExport, ...]

    @property
    def is_empty(self) -> bool:
        return not any(t.rows for t in self.tables)

    def as_dict(self) -> dict[str, Any]:
        return {
            "about": "Everything copbot keeps about you. Your id reads “you”; other people's ids are left out.",
            "your_id": str(self.user_id),
            "server_id": str(self.guild_id) if self.guild_id is not None else "all servers",
            "made_at": self.made_at.isoformat(),
            "tables": {
                t.table.name: {
                    "what": t.table.title,
                    "meaning": t.table.what,
                    "why": t.table.why,
                    "kept": t.table.kept,
                    "rows": [_jsonable(r) for r in t.rows],
                }
                for t in self.tables
            },
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)

    def summary(self, limit: int = SUMMARY_LIMIT) -> str:
        """Plain lines per kind of data, cut to ``limit`` characters (the JSON file has everything)."""
        if self.is_empty:
            return EMPTY
        lines = ["Here is what copbot keeps about you in this server. The file has every detail."]
        for export in self.tables:
            if not export.rows:
                continue
            lines.append(f"**{export.table.title}** ({len(export.rows)}):")
            lines.extend(f"• {item}" for item in _items(export))
        text = "\n".join(lines)
        if len(text) <= limit:
            return text
        cut = text[: limit - 80].rsplit("\n", 1)[0]
        return cut + "\n… and more: the attached file has everything."


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (str(v) if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53 else v) for k, v in row.items()
    }


def _items(export: TableExport, most: int = 5) -> list[str]:
    name, rows = export.table.name, export.rows
    out: list[str] = []
    for row in rows[:most]:
        if name == "member_profiles":
            out.append(label(str(row["role"])))
        elif name == "tasks":
            doing = "you are doing it" if row["assignee_id"] == YOU else "you set it"
            out.append(f"“{row['description']}” ({doing}, {row['status']})")
        elif name == "breakout_keep_apart":
            made = row["created_by"] == YOU and YOU not in (row["user_a"], row["user_b"])
            out.append(
                "a rule you made, keeping two members apart" if made else "you are kept apart from another member"
            )
        elif name == "breakout_meetings":
            out.append(_day(row["held_at"]))
        elif name == "meeting_attendance":
            out.append(_day(row["joined_at"]))
        elif name == "meetings":
            out.append(f"“{row['title']}”")
        elif name == "icebreaker_custom_prompts":
            out.append(f"icebreaker #{row['number']} “{row['text']}”")
        elif name == "departed_members":
            out.append(f"you left on {_day(row['left_at'])}")
        elif name == "breakout_sessions":
            made = "you made it" if row["created_by"] == YOU else "you were in it"
            out.append(f"{_day(row['created_at'])} ({made})")
        elif name == "icebreaker_rounds":
            out.append(_day(row["created_at"]))
        elif name == "pulse_invitees":
            out.append("you were asked to answer a check-in that is still open (not whether you answered)")
        elif name == "pulses":
            out.append(f"check-in #{row['number']} “{row['title']}”, which you sent")
        elif name == "glossary_terms":
            out.append(f"the glossary word “{row['term']}”, which you last wrote")
        elif name == "community_aims":
            out.append(f"a change to the aims on {_day(row['changed_at'])}, which you made")
        elif name == "privacy_notices":
            out.append(f"a notice about task #{row['task_number']}, waiting to be sent")
        else:
            stamp = row.get("created_at") or row.get("updated_at")
            out.append(f"a record from {_day(stamp)}" if stamp else "a record")
    if len(rows) > most:
        out.append(f"and {len(rows) - most} more")
    return out


def _day(stamp: object) -> str:
    """The day of a stored ISO timestamp as a reader writes it ("8 January 2026"); the file keeps the
    timestamp itself."""
    text = str(stamp)
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return text[:10]
    return f"{day.day} {day:%B %Y}"


class PrivacyService:
    """Export, erasure, leavers and retention over :class:`PrivacyRepository`."""

    def __init__(self, db: Database, config: PrivacyConfig) -> None:
        self.repo = PrivacyRepository(db)
        self.config = config

    async def export(self, user_id: int, guild_id: int | None) -> MemberExport:
        tables = await self.repo.export(user_id, guild_id)
        return MemberExport(user_id, guild_id, utcnow(), tuple(tables))

    async def forget(self, user_id: int, guild_id: int | None) -> ErasureResult:
        return await self.repo.erase(user_id, guild_id, now=utcnow())

    async def member_left(self, guild_id: int, user_id: int) -> None:
        await self.repo.mark_departed(guild_id, user_id, utcnow())

    async def member_came_back(self, guild_id: int, user_id: int) -> bool:
        return await self.repo.mark_returned(guild_id, user_id)

    async def notice_missed_departures(self, guild_id: int, present: set[int], now: datetime | None = None) -> int:
        """Record as leavers the people the server's rows know who are not among ``present`` (the complete
        member list), for departures that happened while copbot was offline; returns how many."""
        missing = await self.repo.known_member_ids(guild_id) - present - await self.repo.departed_in(guild_id)
        for user_id in sorted(missing):
            await self.repo.mark_departed(guild_id, user_id, now or utcnow())
        return len(missing)

    async def forget_leavers(
        self, is_present: Callable[[int, int], bool | None], now: datetime | None = None
    ) -> list[Departure]:
        """Forget everyone whose grace period has ended; returns who was forgotten.

        ``is_present(guild_id, user_id)`` is asked first: ``True`` means they came back (perhaps while
        copbot was offline), so they are kept; ``None`` means the server cannot be checked now, so they
        wait for the next run.
        """
        now = now or utcnow()
        forgotten = []
        for departure in await self.repo.departed_before(now - timedelta(days=self.config.leaver_grace_days)):
            present = is_present(departure.guild_id, departure.user_id)
            if present is None:
                continue
            if present:
                await self.repo.mark_returned(departure.guild_id, departure.user_id)
                continue
            await self.repo.erase(departure.user_id, departure.guild_id, now=now)
            forgotten.append(departure)
        return forgotten

    async def apply_retention(self, now: datetime | None = None) -> dict[str, int]:
        now = now or utcnow()
        return await self.repo.apply_retention(now - timedelta(days=self.config.retention_days), HISTORY_MEETINGS)
