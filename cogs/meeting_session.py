"""The meeting itself, live: attendance from the main voice channel, the panel's buttons, auto-close.

``/meeting start`` and ``/meeting end`` are in the ``/meeting`` group (:mod:`cogs.tasks`); both, the
panel and the timer share :mod:`cogs._meeting`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar

import discord
from discord.ext import commands

from bot.app import CopBot
from bot.clock import utcnow
from cogs._meeting import PANEL_BUTTONS, schedule_auto_close
from cogs._shared import HelpSection
from cogs._voice import main_voice_members

log = logging.getLogger(__name__)


class MeetingSessionCog(commands.Cog):
    """Keeps attendance while a meeting is open, and its panel working after a restart."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=42,
        title="The meeting itself",
        lines=(),
        facilitator_lines=(
            "`/meeting start` takes attendance, posts your panel of buttons in the facilitator channel, and "
            "gives members a welcome post with **Ask without your name**. `/meeting end` posts the recap, and "
            "**Send the check-in** waits on the closed panel. `/meeting attendance`: who came, by role.",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self._start_task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*PANEL_BUTTONS)
        self._start_task = asyncio.create_task(self._resume())

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*PANEL_BUTTONS)
        if self._start_task is not None and not self._start_task.done():
            self._start_task.cancel()
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith("meeting-auto-close:"):
                job.remove()

    async def _resume(self) -> None:
        """After a restart: meetings left open stay open, counted from the voice states seen now."""
        await self.bot.wait_until_ready()
        for session in await self.bot.meeting_sessions.load():
            guild = self.bot.get_guild(session.guild_id)
            if guild is None:
                continue
            settings = await self.bot.settings.get(guild.id)
            await self.bot.meeting_sessions.resync(session, main_voice_members(guild, settings.main_voice_id), utcnow())
            schedule_auto_close(self.bot, session)

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        if member.bot or not self.bot.meeting_sessions.is_open(member.guild.id):
            return
        if before.channel == after.channel:
            return  # muted, deafened, streaming: not a move
        settings = await self.bot.settings.get(member.guild.id)
        main = settings.main_voice_id
        if main is None:
            return
        was_in = await self._in_meeting(member.guild.id, before.channel, main)
        now_in = await self._in_meeting(member.guild.id, after.channel, main)
        await self.bot.meeting_sessions.voice_moved(
            member.guild.id, member.id, was_in=was_in, now_in=now_in, now=utcnow()
        )

    async def _in_meeting(self, guild_id: int, channel: object, main: int) -> bool:
        """The main voice channel, or a breakout room open now (people there are still at the meeting)."""
        channel_id = getattr(channel, "id", None)
        if channel_id is None:
            return False
        if channel_id == main:
            return True
        return await self.bot.breakouts.is_room(guild_id, channel_id)


async def setup(bot: CopBot) -> None:
    await bot.add_cog(MeetingSessionCog(bot))
