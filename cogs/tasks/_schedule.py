"""``/next-meeting`` and ``/calendar``: the two meeting commands for everyone.

They are top-level commands of their own (they were ``/meeting next`` and ``/meeting calendar``):
Discord shows or hides a whole top-level command, and ``/meeting`` is for facilitators (issue 25).
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, ClassVar

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.app import CopBot
from bot.calendar_ics import CalendarMeeting, CalendarTask, build_calendar
from bot.clock import utcnow
from bot.meetings import REPEAT_WORDS
from bot.storage.meetings import Meeting
from bot.text_limits import MESSAGE, fit, fit_lines
from cogs._names import meeting_title
from cogs._shared import NO_PINGS, HelpSection, guild_of

if TYPE_CHECKING:
    from cogs.tasks._cog import TasksCog

#: How many planned meetings ``/next-meeting`` lists.
SHOWN = 10


def _repeats(meeting: Meeting) -> str:
    return "" if meeting.repeat == "none" else f" It happens {REPEAT_WORDS[meeting.repeat]}."


def next_meeting_text(upcoming: list[Meeting]) -> str:
    """The next meeting (its time once, as a Discord timestamp each reader sees in their own time),
    then the others planned. No "#N": nobody needs to type a meeting's number to come."""
    if not upcoming:
        return "No meeting is planned yet."
    first, *later = upcoming[:SHOWN]
    when = format_dt(first.starts_at, "F")
    text = f"Our next meeting is **{meeting_title(first.title)}**. It is on {when}.{_repeats(first)}"
    if later:
        lines = [f"• **{meeting_title(m.title)}**, {format_dt(m.starts_at, 'F')}" for m in later]
        text = fit_lines(lines, MESSAGE, head=f"{text}\n\nAlso planned:", more=lambda n: f"…and {n} more.")
    return fit(text, MESSAGE)


class ScheduleCog(commands.Cog):
    """``/next-meeting`` and ``/calendar`` (the tasks cog's repositories and timezone)."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=41,
        title="Meetings",
        lines=(
            "`/next-meeting` says when we meet next, and `/calendar` gives you a calendar file.",
            "Missed a meeting? You get a short summary by message.",
        ),
    )

    def __init__(self, bot: CopBot, tasks: TasksCog) -> None:
        self.bot = bot
        self.tasks_cog = tasks

    @app_commands.command(name="next-meeting", description="When is the next meeting?")
    @app_commands.guild_only()
    async def next_meeting(self, interaction: discord.Interaction) -> None:
        upcoming = await self.tasks_cog.meetings.upcoming(guild_of(interaction).id)
        await interaction.response.send_message(next_meeting_text(upcoming), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="calendar", description="A calendar file of the meetings and your own tasks")
    @app_commands.guild_only()
    async def calendar(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        tasks_cog = self.tasks_cog
        tz_name = await tasks_cog.timezone_for(guild.id)
        meetings = [
            CalendarMeeting(m.number, m.title, m.starts_at, m.repeat)
            for m in await tasks_cog.meetings.upcoming(guild.id)
        ]
        mine = await tasks_cog.tasks.open_tasks(guild.id, assignee_id=interaction.user.id)
        tasks = [CalendarTask(t.number, t.description, t.due_at) for t in mine]
        text = await asyncio.to_thread(build_calendar, guild.id, guild.name, tz_name, meetings, tasks, utcnow())
        file = discord.File(io.BytesIO(text.encode("utf-8")), filename="copbot-calendar.ics")
        await interaction.response.send_message(
            f"Here is a calendar file with {len(meetings)} planned "
            f"{'meeting' if len(meetings) == 1 else 'meetings'} (repeats included) and your {len(tasks)} open "
            f"{'task' if len(tasks) == 1 else 'tasks'}. Open it, or add it to your calendar app. "
            "It does not update by itself: get a new one after plans change.",
            file=file,
            ephemeral=True,
        )
