"""``/privacy``, ``/mydata`` and ``/forget-me``, leavers, and the daily retention job.

Thin: the notice comes from :mod:`bot.privacy.policy`, the data from :mod:`bot.privacy.service`.
``/members forget`` (facilitators) lives in ``cogs/members.py``; both use the confirm buttons and the
task-setter notices in ``cogs/_privacy_views.py``.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from typing import Any, ClassVar

import discord
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.clock import utcnow
from bot.privacy.policy import document, summary
from cogs._privacy_views import DYNAMIC_ITEMS, confirm_view, deliver_notices
from cogs._shared import NO_PINGS, HelpSection, guild_of

log = logging.getLogger(__name__)

DAILY_JOB = "privacy:daily"


def text_file(text: str, name: str) -> discord.File:
    """An attachment holding ``text`` (UTF-8)."""
    return discord.File(io.BytesIO(text.encode("utf-8")), filename=name)


class PrivacyCog(commands.Cog):
    """What copbot keeps, and each member's right to see it and to be forgotten."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=90,
        title="Your data and privacy",
        lines=(
            "`/privacy` says what copbot keeps and why. `/mydata` shows all it keeps about you. "
            "`/forget-me` deletes it.",
        ),
        facilitator_lines=("`/members forget` deletes what copbot keeps about someone, if they ask you to.",),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.service = bot.privacy

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        # Once a day (and a minute after start-up): forget leavers past their grace period, delete old
        # data, and send notices an offline `copbot forget` left waiting. Rows are the truth, so a
        # missed day is simply done at the next run.
        self.bot.scheduler.add_job(
            self.daily,
            IntervalTrigger(days=1, start_date=utcnow() + timedelta(minutes=1)),
            id=DAILY_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        if self.bot.scheduler.get_job(DAILY_JOB) is not None:
            self.bot.scheduler.remove_job(DAILY_JOB)

    def _is_present(self, guild_id: int, user_id: int) -> bool | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None or not guild.chunked:
            return None  # not connected to that server now, or its member list is still loading
        return guild.get_member(user_id) is not None

    async def daily(self) -> None:
        try:
            for guild in self.bot.guilds:
                if not guild.chunked:  # only a complete member list can show who is missing
                    try:
                        await guild.chunk()
                    except (discord.HTTPException, discord.ClientException, TimeoutError):
                        continue
                await self.service.notice_missed_departures(guild.id, {m.id for m in guild.members})
            left = await self.service.forget_leavers(self._is_present)
            removed = await self.service.apply_retention()
            log.info("Privacy: forgot %d members who left; retention removed %s", len(left), removed)
            await deliver_notices(self.bot)
        except Exception:
            log.exception("The daily privacy job failed; it will run again tomorrow")

    # -- leavers --------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        if not member.bot:
            await self.service.member_left(member.guild.id, member.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if not member.bot:
            await self.service.member_came_back(member.guild.id, member.id)

    # -- commands -------------------------------------------------------------------------------

    @app_commands.command(name="privacy", description="What copbot keeps about you, why, for how long, and your rights")
    async def privacy(self, interaction: discord.Interaction) -> None:
        config = self.bot.config.privacy
        embed = discord.Embed(title="Your privacy with copbot", colour=discord.Colour.blurple())
        for title, text in summary(config):
            embed.add_field(name=title, value=text, inline=False)
        embed.set_footer(text="The attached file has the full notice, table by table.")
        await interaction.response.send_message(
            embed=embed, file=text_file(document(config), "copbot-privacy.md"), ephemeral=True
        )

    @app_commands.command(name="mydata", description="See everything copbot keeps about you, with a file to keep")
    @app_commands.guild_only()
    async def mydata(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        export = await self.service.export(interaction.user.id, guild.id)
        kwargs: dict[str, Any] = {}
        if not export.is_empty:
            kwargs["file"] = text_file(export.as_json(), "copbot-my-data.json")
        await interaction.response.send_message(export.summary(), ephemeral=True, allowed_mentions=NO_PINGS, **kwargs)

    @app_commands.command(name="forget-me", description="Delete everything copbot keeps about you here")
    @app_commands.guild_only()
    async def forget_me(self, interaction: discord.Interaction) -> None:
        guild_of(interaction)
        await interaction.response.send_message(
            "This deletes everything copbot keeps about you in this server: your role, breakout history, keep-apart "
            "rules and reminders. Tasks you were given stay for the group with no name on them, and whoever set them "
            "is told. Anonymous questions are not affected: nothing links them to you. This cannot be undone. "
            "Press **Delete everything about me** to go ahead.",
            view=confirm_view(interaction.user.id, self_service=True),
            ephemeral=True,
        )


async def setup(bot: CopBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
