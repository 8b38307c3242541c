"""``/meeting``: planning, opening and closing meetings (facilitators). The digest before each meeting and
every reminder are sent by :class:`cogs.tasks._cog.TasksCog`; the meeting's start and end are
:mod:`cogs._meeting` over :class:`bot.meeting_session.MeetingSessionService`."""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from bot import permissions
from bot.app import CopBot
from bot.attendance_chart import chart_png
from bot.meetings import REPEAT_WORDS, REPEATS
from bot.reminders.rules import digest_when
from cogs._meeting import end_meeting, ended_sentence, offer_check_in, send_recap_dms, start_meeting
from cogs._names import meeting_title
from cogs._permissions import in_server
from cogs._report import HELP_LINE as REPORT_HELP
from cogs._report import send_report
from cogs._shared import FACILITATOR_COMMANDS, NO_PINGS, HelpSection, facilitator_only, guild_of
from cogs.tasks._cog import TasksCog
from cogs.tasks._delivery import create_event
from cogs.tasks._render import attendance_message

log = logging.getLogger(__name__)

REPEAT_CHOICES = [app_commands.Choice(name=REPEAT_WORDS[r].capitalize(), value=r) for r in REPEATS]


@app_commands.guild_only()
@app_commands.default_permissions(FACILITATOR_COMMANDS)
class MeetingsCog(commands.GroupCog, group_name="meeting", group_description="Run the meetings (facilitators)"):
    """``/meeting`` commands; the digest before each meeting is sent by :class:`TasksCog`."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=41,
        title="Planning meetings",
        lines=(),
        facilitator_lines=(
            "`/meeting schedule` plans a meeting (once, or every week, two weeks, month or three months) and "
            "adds it to the server's events. `/meeting cancel` calls one off.",
            REPORT_HELP,
        ),
    )

    def __init__(self, bot: CopBot, tasks: TasksCog) -> None:
        self.bot = bot
        self.tasks_cog = tasks
        self.meetings = tasks.meetings

    @app_commands.command(name="schedule", description="Plan a meeting (facilitators)")
    @app_commands.describe(
        when="When it starts, for example: next tuesday 7pm, 2026-12-01 18:30",
        title="What the meeting is called",
        repeat="Whether it happens again (once if you don't choose)",
    )
    @app_commands.choices(repeat=REPEAT_CHOICES)
    @facilitator_only()
    async def schedule(
        self,
        interaction: discord.Interaction,
        when: str,
        title: str,
        repeat: app_commands.Choice[str] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        repeat_value = repeat.value if repeat else "none"
        planned = await self.bot.tasks.schedule(guild.id, when, title, repeat_value, interaction.user.id)
        meeting, parsed, policy = planned.meeting, planned.when, planned.policy
        await interaction.response.defer()
        event_id = await create_event(self.bot, guild, meeting)
        await self.bot.tasks.set_event(meeting, event_id)
        note = ""
        if not event_id:
            lacking = permissions.missing(permissions.EVENTS, in_server(guild))
            why = permissions.missing_sentence(lacking, "to add meetings to the server's Events list")
            note = "\n(" + (why or "I couldn't add it to the server's events this time.") + ")"
        await interaction.followup.send(
            f"Meeting **#{meeting.number}, {meeting_title(meeting.title)}** is planned for **{parsed.echo}**, "
            f"{REPEAT_WORDS[repeat_value]}. "
            f"I'll post the open tasks {digest_when(policy.digest_hours_before)}."
            + (f" {parsed.note}" if parsed.note else "")
            + note,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="start", description="Open the meeting now: attendance, panel, recap (facilitators)")
    @app_commands.describe(meeting_id="The planned meeting's number (the one starting soon if you don't choose)")
    @app_commands.rename(meeting_id="id")
    @facilitator_only()
    async def start(self, interaction: discord.Interaction, meeting_id: int | None = None) -> None:
        await start_meeting(self.bot, interaction, meeting_id)

    @app_commands.command(name="end", description="Close the meeting and post its recap (facilitators)")
    @facilitator_only()
    async def end(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await self.bot.meeting_sessions.require_current(guild.id)
        # For the facilitator only: members have the recap's own post (the meeting channel's budget).
        await interaction.response.defer(ephemeral=True)
        posted = await end_meeting(self.bot, guild, fallback=interaction.channel)
        await interaction.followup.send(ended_sentence(posted), ephemeral=True, allowed_mentions=NO_PINGS)
        await offer_check_in(self.bot, interaction, posted)
        await send_recap_dms(self.bot, guild, posted)

    @app_commands.command(name="attendance", description="Who came to recent meetings, by role (facilitators)")
    @app_commands.describe(last="How many recent meetings to show (6 if you don't choose)")
    @facilitator_only()
    async def attendance(self, interaction: discord.Interaction, last: app_commands.Range[int, 1, 50] = 6) -> None:
        guild = guild_of(interaction)
        rows = await self.bot.meeting_sessions.attendance_history(guild.id, last)
        await interaction.response.defer(ephemeral=True)
        png = await asyncio.to_thread(chart_png, rows, f"Attendance by role, last {len(rows)} meetings")
        text, chart = attendance_message(rows, png, await self.tasks_cog.timezone_for(guild.id))
        await interaction.followup.send(text, file=chart, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="report", description="A report of recent meetings, as a web page (facilitators)")
    @app_commands.describe(last="How many recent meetings to cover (6 if you don't choose)")
    @facilitator_only()
    async def report(self, interaction: discord.Interaction, last: app_commands.Range[int, 1, 50] = 6) -> None:
        await send_report(self.bot, interaction, last)

    @app_commands.command(name="cancel", description="Call off a planned meeting (facilitators)")
    @app_commands.describe(meeting_id="The meeting's number, for example 2 for #2")
    @app_commands.rename(meeting_id="id")
    @facilitator_only()
    async def cancel(self, interaction: discord.Interaction, meeting_id: int) -> None:
        guild = guild_of(interaction)
        meeting = await self.bot.tasks.cancel(guild.id, meeting_id)
        await interaction.response.defer(ephemeral=True)
        if meeting.event_id is not None:
            try:
                event = guild.get_scheduled_event(meeting.event_id) or await guild.fetch_scheduled_event(
                    meeting.event_id
                )
                await event.delete()
            except discord.NotFound:
                pass
            except discord.HTTPException:
                log.warning("Could not delete scheduled event %s", meeting.event_id, exc_info=True)
        await interaction.followup.send(
            f"Meeting **#{meeting.number}, {escape_markdown(meeting.title)}** is cancelled"
            + (" (and any repeats)." if meeting.repeat != "none" else "."),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
