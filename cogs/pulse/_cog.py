"""``/pulse start|results|close``, the check-in DMs, the closing timer and "Send the check-in".

Decisions (who is asked, what is written when, what may be shown) are made by ``bot.pulses``
(:mod:`bot.pulse.service`); this cog parses, sends and renders.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import SOMETHING_WENT_WRONG, CopBot, send_ephemeral
from bot.clock import utcnow
from bot.errors import UserError
from bot.meeting_session import default_title
from bot.privacy import promise
from bot.pulse.chart import trend_description, trend_png, warm_up
from bot.pulse.results import STATEMENT_KEYS
from bot.pulse.service import ClosedView
from bot.storage.pulses import Pulse
from cogs._shared import FACILITATOR_COMMANDS, NO_PINGS, HelpSection, drop_payload, facilitator_only, guild_of
from cogs._voice import main_voice_members
from cogs.pulse._render import (
    closed_note,
    comments_file,
    fallback_post,
    invitation,
    results_messages,
    sent_sentence,
)
from cogs.pulse._views import DYNAMIC_ITEMS, THANKS, answer_view, form_ref, offer_view, resolve_ref, submitted

log = logging.getLogger(__name__)

JOB_PREFIX = "pulse-close:"
#: Above this many people, the facilitator is told at once that sending will take a while (Discord
#: lets a bot open about ten new DM chats per ten seconds).
SLOW_SEND = 10


class PulseCog(commands.Cog, name="Pulse"):
    """The anonymous check-in after a meeting."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=43,
        title="Check-in after meetings",
        lines=(f"After a meeting you may get a short check-in. {promise.ANSWER_KEPT}",),
        facilitator_lines=("`/pulse start`, then `/pulse results` once it closes.",),
    )

    pulse = app_commands.Group(
        name="pulse",
        description="The anonymous check-in after a meeting (facilitators)",
        guild_only=True,
        default_permissions=FACILITATOR_COMMANDS,
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self._start_task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.pulse_offer = offer_view
        try:  # matplotlib imported now, not in a facilitator's first /pulse results (see warm_up)
            await asyncio.to_thread(warm_up)
        except Exception:  # the chart is a nicety: results are still shown without it
            log.warning("Could not prepare the check-in chart", exc_info=True)
        self._start_task = asyncio.create_task(self._resume())

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.pulse_offer = None
        if self._start_task is not None and not self._start_task.done():
            self._start_task.cancel()
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX):
                job.remove()
        try:  # a clean shutdown writes the answers still waiting (see bot/pulse/service.py)
            await self.bot.pulses.flush_all()
        except Exception:
            log.warning("Could not write the check-in answers still waiting at shutdown", exc_info=True)

    async def _resume(self) -> None:
        """After a restart: every open check-in gets its closing timer back (overdue ones close now)."""
        await self.bot.wait_until_ready()
        for pulse in await self.bot.pulses.open_pulses():
            schedule_close(self.bot, pulse)

    # -- commands ---------------------------------------------------------------------------------

    @pulse.command(name="start", description="Send the anonymous check-in to everyone at the meeting (facilitators)")
    @app_commands.describe(meeting="The meeting's number (the one that just ended if you don't choose)")
    @facilitator_only()
    async def start(self, interaction: discord.Interaction, meeting: int | None = None) -> None:
        await send_check_in(self.bot, interaction, meeting)

    @pulse.command(
        name="results", description="Averages, by role where groups are big enough, and comments (facilitators)"
    )
    @app_commands.describe(
        meeting="The meeting's number (the latest check-in if you don't choose)",
        check_in="The check-in's own number, for one sent without /meeting start",
    )
    @facilitator_only()
    async def results(
        self, interaction: discord.Interaction, meeting: int | None = None, check_in: int | None = None
    ) -> None:
        guild = guild_of(interaction)
        view = await self.bot.pulses.results(guild.id, meeting_number=meeting, number=check_in)
        await interaction.response.defer(ephemeral=True)
        parts, more = await asyncio.to_thread(results_messages, view)
        files: list[discord.File] = []
        if isinstance(view, ClosedView):
            shown = [p for p in view.trend if p.means is not None]
            if shown:
                png = await asyncio.to_thread(trend_png, view.trend, f"Check-in averages, last {len(view.trend)}")
                described = trend_description(view.trend)  # its alternative text; the reply lists it too
                files.append(discord.File(io.BytesIO(png), filename="check-in-trend.png", description=described))
            if more:
                files.append(discord.File(io.BytesIO(comments_file(view)), filename="comments.txt"))
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            await interaction.followup.send(
                part, ephemeral=True, allowed_mentions=NO_PINGS, **({"files": files} if last and files else {})
            )

    @pulse.command(name="close", description="Close a check-in now, so its results can be shown (facilitators)")
    @app_commands.describe(check_in="The check-in's number (the latest if you don't choose)")
    @facilitator_only()
    async def close(self, interaction: discord.Interaction, check_in: int | None = None) -> None:
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True)
        pulse = await self.bot.pulses.close_by_facilitator(guild.id, check_in, utcnow())
        note = await after_close(self.bot, pulse.id, announce=False)
        await interaction.followup.send(note, ephemeral=True, allowed_mentions=NO_PINGS)

    # -- the form ---------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every submitted check-in form, including forms opened before a restart."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        ref = form_ref(str(data.get("custom_id", "")))
        if ref is None:
            return
        components = list(data.get("components") or [])
        values = {key: submitted(components, key) or "" for key in STATEMENT_KEYS}
        comment = submitted(components, "comment") or ""
        share_role = submitted(components, "share_role") or "no"
        # Nothing keeps the submitted form beside the member from here on (see drop_payload).
        del data, components
        drop_payload(interaction)
        try:
            pulse_id = await resolve_ref(self.bot, ref)
            closed = await self.bot.pulses.answer(
                pulse_id, interaction.user.id, utcnow(), values=values, comment=comment, share_role=share_role
            )
        except UserError as error:
            await send_ephemeral(interaction, error.message)
            return
        except Exception:
            log.exception("Could not take a check-in answer")
            await send_ephemeral(interaction, SOMETHING_WENT_WRONG)
            return
        finally:
            del values, comment
        await send_ephemeral(interaction, THANKS)
        if closed:
            await after_close(self.bot, pulse_id)

    # -- voice ------------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        if member.bot or before.channel == after.channel or before.channel is None:
            return
        settings = await self.bot.settings.get(member.guild.id)
        if settings.main_voice_id is not None and before.channel.id == settings.main_voice_id:
            self.bot.pulses.recent_voice.left(member.guild.id, member.id, utcnow())


async def send_check_in(bot: CopBot, interaction: discord.Interaction, meeting: int | None) -> None:
    """Open the check-in and send each person asked one DM with "Answer anonymously"."""
    guild = guild_of(interaction)
    await interaction.response.defer(ephemeral=True)
    settings = await bot.settings.get(guild.id)
    now = utcnow()
    present = main_voice_members(guild, settings.main_voice_id)
    recent = bot.pulses.recent_voice.people(guild.id, present, now)
    here = {m.id for m in guild.members if not m.bot}
    opened = await bot.pulses.open(
        guild.id,
        interaction.user.id,
        now,
        meeting_number=meeting,
        recently_in_voice=recent,
        members_here=here,
        default_title=default_title(now, settings.timezone_or(bot.config.community.timezone)),
    )
    schedule_close(bot, opened.pulse)
    if len(opened.invitees) > SLOW_SEND:
        await interaction.followup.send(
            f"I'm sending the check-in to {len(opened.invitees)} people now. Discord lets copbot open only a few "
            "new chats at a time, so this can take a minute or two; I'll tell you here when it's done.",
            ephemeral=True,
        )
    sent = failed = 0
    for user_id in opened.invitees:
        person = guild.get_member(user_id)
        if person is None:
            failed += 1
            continue
        try:
            await person.send(
                invitation(opened.pulse, guild.name), view=answer_view(opened.pulse), allowed_mentions=NO_PINGS
            )
            sent += 1
        except discord.HTTPException:
            failed += 1
    posted_in: str | None = None
    if failed:
        channel = guild.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
        if isinstance(channel, discord.TextChannel):
            try:
                await channel.send(
                    fallback_post(opened.pulse, failed), view=answer_view(opened.pulse), allowed_mentions=NO_PINGS
                )
                posted_in = channel.mention
            except discord.HTTPException:
                log.info("Could not post the check-in button in channel %s", channel.id)
    await interaction.followup.send(
        sent_sentence(opened.pulse, sent, failed, posted_in), ephemeral=True, allowed_mentions=NO_PINGS
    )


# -- closing ----------------------------------------------------------------------------------------


def schedule_close(bot: CopBot, pulse: Pulse) -> None:
    bot.scheduler.add_job(
        close_job,
        "date",
        run_date=pulse.closes_at,
        args=(bot, pulse.id),
        id=f"{JOB_PREFIX}{pulse.id}",
        replace_existing=True,
        misfire_grace_time=None,
        coalesce=True,
    )


async def close_job(bot: CopBot, pulse_id: int) -> None:
    """The check-in's time is up: close it (durable: rescheduled from the database after a restart)."""
    closed = await bot.pulses.close(pulse_id, utcnow())
    if closed is not None:
        await after_close(bot, pulse_id)


async def after_close(bot: CopBot, pulse_id: int, *, announce: bool = True) -> str:
    """Drop the timer and tell the facilitators (in their channel) that results can be seen."""
    job = bot.scheduler.get_job(f"{JOB_PREFIX}{pulse_id}")
    if job is not None:
        job.remove()
    pulse = await bot.pulses.repo.get(pulse_id)
    if pulse is None:
        return "That check-in no longer exists."
    note = closed_note(pulse, await bot.pulses.repo.answer_count(pulse.id))
    if announce:
        guild = bot.get_guild(pulse.guild_id)
        settings = await bot.settings.get(pulse.guild_id)
        channel = (
            guild.get_channel(settings.facilitator_channel_id) if guild and settings.facilitator_channel_id else None
        )
        if isinstance(channel, discord.TextChannel):
            try:
                await channel.send(note, allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.info("Could not tell the facilitators that check-in %s closed", pulse.id)
    return note
