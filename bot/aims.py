"""The community's aims and purpose, which can change, with their history. No Discord.

The study found that a CoP's aims "evolved over time" and recommends saying so and letting the
"direction of travel" change. So every server starts from ``community.purpose`` in the configuration
and, from a facilitator's first **Update the aims**, has aims of its own: each change is a new
version, dated, with a one-line reason and the meeting that was open when it was made, and none is
ever rewritten, so ``/aims history`` shows how the direction moved. The configuration's purpose stays
the first entry of that history ("where we started"), and is shown as the current aims only until the
first update.

Who may change the aims is decided by the cog (facilitators, re-checked when the form is sent); what
valid aims are is decided here (:mod:`bot.community_text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import utcnow
from bot.community_text import checked
from bot.config import COMMUNITY_PURPOSE_MAX
from bot.errors import UserError
from bot.readability import Reading, measure
from bot.storage.aims import AimsRepository, AimsVersion
from bot.storage.meeting_sessions import MeetingSessionRepository

#: As long as the configuration's purpose may be, so every message built from either fits Discord.
AIMS_MAX = COMMUNITY_PURPOSE_MAX
#: One line: why the aims changed ("agreed at the meeting of 12 March").
REASON_MAX = 200


@dataclass(frozen=True, slots=True)
class Aims:
    """The aims at one point: ``version`` 0 is the configuration's starting text (no date, no reason)."""

    text: str
    version: int = 0
    reason: str | None = None
    changed_at: datetime | None = None
    meeting_number: int | None = None

    @property
    def is_starting_text(self) -> bool:
        return self.version == 0


def _aims(version: AimsVersion) -> Aims:
    return Aims(version.aims, version.version, version.reason, version.changed_at, version.meeting_number)


class AimsService:
    """Current aims, their history, and changes to them (see the module docstring)."""

    def __init__(self, repo: AimsRepository, starting_text: str, sessions: MeetingSessionRepository) -> None:
        self.repo = repo
        self.starting_text = starting_text
        self._sessions = sessions

    async def current(self, guild_id: int | None) -> Aims:
        """The server's aims now (the configuration's purpose until the first update, or outside a server)."""
        latest = await self.repo.latest(guild_id) if guild_id is not None else None
        return Aims(self.starting_text) if latest is None else _aims(latest)

    async def history(self, guild_id: int) -> list[Aims]:
        """Where we started, then every change, oldest first."""
        return [Aims(self.starting_text), *(_aims(v) for v in await self.repo.history(guild_id))]

    async def update(self, guild_id: int, aims: str, reason: str, changed_by: int) -> tuple[Aims, Reading]:
        """Save new aims with their reason; refused in one sentence if invalid or unchanged.

        The meeting open at the time (if any) is recorded with the change, so the history can say the
        change was agreed at that meeting.
        """
        text = checked(aims, what="aims", limit=AIMS_MAX)
        why = checked(reason, what="reason", limit=REASON_MAX, one_line=True)
        if " ".join(text.split()) == " ".join((await self.current(guild_id)).text.split()):
            raise UserError("Nothing was saved: these are already the aims, word for word.")
        meeting = await self._sessions.current(guild_id)
        saved = await self.repo.append(guild_id, text, why, meeting.number if meeting else None, changed_by, utcnow())
        return _aims(saved), measure(text)
