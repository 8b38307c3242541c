"""The welcome's Discord side: greet people who join, ``/welcome``, the "Start here" post, the practice form.

Thin: :class:`bot.welcome.service.WelcomeService` (``bot.welcome``) decides whether to send, what each step
says and what a press does; :mod:`cogs.welcome._views` draws the steps and answers the buttons.

The practice question is answered here and only here: it is shown back to the member in a private
(ephemeral) reply and then forgotten. It is never stored, posted, or written to a log, not even when
something goes wrong (the log line names the server and the kind of error, never the text).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot, send_ephemeral
from bot.errors import UserError
from bot.welcome.steps import DM_CLOSED, DM_SENT, START_HERE
from cogs._shared import NO_PINGS, HelpSection, drop_payload, guild_of
from cogs.questions._render import form_value
from cogs.welcome._views import (
    DYNAMIC_ITEMS,
    PRACTICE_FORM,
    is_welcome,
    practice_preview,
    start_here_view,
    step_view,
)

log = logging.getLogger(__name__)

#: How far back in a member's direct messages copbot looks for a welcome it already sent them.
LOOK_BACK = 200


class WelcomeCog(commands.Cog):
    """The welcome (see the module docstring)."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=1,
        title="New here?",
        # One line for the three things that prepare people (the members' guide has 300 words for all).
        lines=("`/welcome`, `/aims` (what we are for), `/glossary` (our words).",),
        facilitator_lines=(
            "New members get the welcome by direct message when they join (or a Start here post in the meeting "
            "channel if their messages are closed). `/settings update` with `welcome` set to False turns it off.",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """Welcome someone new, once, in servers that are set up and have not turned the welcome off."""
        guild = member.guild
        if member.bot or not await self.bot.welcome.greets_newcomers(guild.id):
            return
        if await self._already_welcomed(member):
            return
        step = await self.bot.welcome.step(guild.id, guild.name, 1)
        try:
            await member.send(step.text, view=step_view(step, guild.id), allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.info("Could not send the welcome in server %s: their direct messages are closed", guild.id)
            await self._start_here(guild)

    async def _already_welcomed(self, member: discord.Member) -> bool:
        """Whether the member's direct messages already hold this server's welcome (they left and came
        back, or the join was told twice): copbot keeps no list of who was welcomed, so it looks there."""
        assert self.bot.user is not None
        try:
            channel = member.dm_channel or await member.create_dm()
            async for message in channel.history(limit=LOOK_BACK):
                if is_welcome(message, member.guild.id, self.bot.user.id):
                    return True
        except discord.HTTPException:
            log.info("Could not read back a direct message chat in server %s; sending the welcome", member.guild.id)
        return False

    async def _start_here(self, guild: discord.Guild) -> None:
        """One short post in the meeting channel with a **Start here** button; it names nobody, and a
        newer post replaces an older one, so the channel holds at most one."""
        settings = await self.bot.settings.get(guild.id)
        channel = guild.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
        if not isinstance(channel, discord.TextChannel):
            return
        plan = await self.bot.welcome.start_here(guild.id, channel.id)
        if not plan.post:
            return
        try:
            message = await channel.send(START_HERE, view=start_here_view(guild.id), allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.warning("Could not post the Start here message in server %s", guild.id)
            return
        await self.bot.welcome.start_here_posted(guild.id, message.id)
        if plan.old is not None:
            old = self.bot.get_channel(plan.old.channel_id)
            if isinstance(old, discord.TextChannel):
                try:
                    await old.get_partial_message(plan.old.message_id).delete()
                except discord.HTTPException:
                    log.info("The old Start here post in server %s was already gone", guild.id)

    @app_commands.command(name="welcome", description="See the short welcome again, one step at a time")
    @app_commands.guild_only()
    async def welcome(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        step = await self.bot.welcome.step(guild.id, guild.name, 1)
        view = step_view(step, guild.id)
        try:
            await interaction.user.send(step.text, view=view, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            await interaction.followup.send(DM_CLOSED, ephemeral=True)
            await interaction.followup.send(step.text, view=view, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await interaction.followup.send(DM_SENT, ephemeral=True)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A practice question: checked as ``/ask`` would, shown back to the member alone, kept nowhere."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        if data.get("custom_id") != PRACTICE_FORM:
            return
        where = interaction.guild.id if interaction.guild else "a direct message"
        raw = form_value(list(data.get("components") or []), "question") or ""
        drop_payload(interaction)  # nothing holds the practice question but this call
        try:
            text = self.bot.welcome.practice(raw)
        except UserError as error:
            await send_ephemeral(interaction, error.message)
            return
        content, embed, view = practice_preview(text)
        try:
            await interaction.response.send_message(
                content, embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS
            )
        except discord.HTTPException as error:  # never log the question, nor an error that might quote it
            log.warning("Could not show a practice question in %s (%s)", where, type(error).__name__)
