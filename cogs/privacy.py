"""``/privacy``, ``/mydata`` and ``/forget-me``, leavers, and the daily retention job.

Thin: the notice comes from :mod:`bot.privacy.policy`, the data from :mod:`bot.privacy.service`.
``/members forget`` (facilitators) lives in ``cogs/members.py`` and uses :func:`confirm_view` here.
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
from bot.errors import UserError
from bot.privacy.policy import document, summary
from bot.privacy.service import PrivacyService
from bot.storage.privacy import ErasureResult
from cogs._shared import NO_PINGS, HelpSection, IdButton, guild_of, replies_to_user_errors, require_facilitator

log = logging.getLogger(__name__)

PREFIX = "copbot:privacy"
DAILY_JOB = "privacy:daily"
NOT_YOURS = "This button is for the person who asked to be forgotten. Nothing was changed."
FORGOTTEN_SELF = (
    "Done. copbot has forgotten you in this server: your role, breakout history, keep-apart rules and "
    "reminders are deleted. Tasks you were given stay for the group with no name on them, and whoever set them "
    "has been told. If you use copbot again, it will start afresh."
)
KEPT = "Nothing was deleted."


class _PrivacyButton(IdButton):
    prefix = PREFIX


class ForgetMeButton(_PrivacyButton, action="forgetme"):
    label = "Delete everything about me"
    style = discord.ButtonStyle.danger

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.target_id:
            raise UserError(NOT_YOURS)
        guild = guild_of(interaction)
        cog = _cog(interaction)
        result = await cog.service.forget(self.target_id, guild.id)
        log.info("A member asked to be forgotten in server %s: %d rows changed", guild.id, result.total)
        await interaction.response.edit_message(content=FORGOTTEN_SELF, view=None)
        await cog.deliver_notices()


class ForgetMemberButton(_PrivacyButton, action="forgetmember"):
    label = "Delete everything about them"
    style = discord.ButtonStyle.danger

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await require_facilitator(interaction)
        guild = guild_of(interaction)
        cog = _cog(interaction)
        result = await cog.service.forget(self.target_id, guild.id)
        log.info("A facilitator had a member forgotten in server %s: %d rows changed", guild.id, result.total)
        await interaction.response.edit_message(content=forgotten_other(self.target_id, result), view=None)
        await cog.deliver_notices()


class KeepButton(_PrivacyButton, action="keep"):
    label = "Keep my data"
    style = discord.ButtonStyle.secondary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=KEPT, view=None)


DYNAMIC_ITEMS = (ForgetMeButton, ForgetMemberButton, KeepButton)


def _cog(interaction: discord.Interaction) -> PrivacyCog:
    cog = interaction.client.get_cog("PrivacyCog")  # type: ignore[attr-defined]
    if not isinstance(cog, PrivacyCog):
        raise UserError("Sorry, the privacy tools are not available right now. Nothing was changed.")
    return cog


def confirm_view(user_id: int, *, self_service: bool) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetMeButton(user_id) if self_service else ForgetMemberButton(user_id))
    view.add_item(KeepButton(user_id, label="Keep my data" if self_service else "Cancel"))
    return view


def forgotten_other(user_id: int, result: ErasureResult) -> str:
    if not result.total:
        return f"copbot kept nothing about <@{user_id}> in this server, so there was nothing to delete."
    told = len(result.orphaned_tasks)
    extra = (
        f" {told} open task{'s' if told != 1 else ''} now {'have' if told != 1 else 'has'} nobody doing it; "
        "whoever set them has been told."
        if told
        else ""
    )
    return f"Done. copbot has forgotten <@{user_id}> in this server.{extra}"


def json_file(text: str, name: str) -> discord.File:
    return discord.File(io.BytesIO(text.encode("utf-8")), filename=name)


class PrivacyCog(commands.Cog):
    """What copbot keeps, and each member's right to see it and to be forgotten."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=90,
        title="Your data and privacy",
        lines=(
            "`/privacy` says, in plain words, what copbot keeps, why, for how long and who can see it.",
            "`/mydata` shows everything copbot keeps about you, with a file to keep. "
            "`/forget-me` deletes it (you confirm first).",
        ),
        facilitator_lines=("`/members forget` deletes what copbot keeps about someone, if they ask you to.",),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.service = PrivacyService(bot.db, bot.config.privacy)

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

    async def daily(self) -> None:
        try:
            left = await self.service.forget_leavers()
            removed = await self.service.apply_retention()
            log.info("Privacy: forgot %d members who left; retention removed %s", len(left), removed)
            await self.deliver_notices()
        except Exception:
            log.exception("The daily privacy job failed; it will run again tomorrow")

    async def deliver_notices(self) -> None:
        """Tell whoever set a task that its person was forgotten (by DM, else in the facilitators' channel)."""
        for notice in await self.service.repo.pending_notices():
            guild = self.bot.get_guild(notice.guild_id)
            if guild is None:
                continue
            where = discord.utils.escape_markdown(guild.name)
            text = (
                f"Hello! The person doing task **#{notice.task_number}** in **{where}** "
                "asked copbot to forget them, so the task now has nobody doing it. You can give it to someone "
                f"with `/task edit id:{notice.task_number} assignee:…`, or remove it with `/task remove`."
            )
            try:
                user = self.bot.get_user(notice.user_id) or await self.bot.fetch_user(notice.user_id)
                await user.send(text, allowed_mentions=NO_PINGS)
            except discord.NotFound:
                pass
            except discord.HTTPException:
                settings = await self.bot.settings.get(guild.id)
                channel = (
                    guild.get_channel(settings.facilitator_channel_id) if settings.facilitator_channel_id else None
                )
                if isinstance(channel, discord.TextChannel):
                    try:
                        await channel.send(f"<@{notice.user_id}>: {text}", allowed_mentions=NO_PINGS)
                    except discord.HTTPException:
                        continue
            await self.service.repo.delete_notice(notice.id)

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
            embed=embed, file=json_file(document(config), "copbot-privacy.md"), ephemeral=True
        )

    @app_commands.command(name="mydata", description="See everything copbot keeps about you, with a file to keep")
    @app_commands.guild_only()
    async def mydata(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        export = await self.service.export(interaction.user.id, guild.id)
        kwargs: dict[str, Any] = {}
        if not export.is_empty:
            kwargs["file"] = json_file(export.as_json(), "copbot-my-data.json")
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
