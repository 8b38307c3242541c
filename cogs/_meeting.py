"""The Discord side of a meeting session: start, end and the panel; the recap is :mod:`cogs._recap`, the
panel's buttons that run other features are :mod:`cogs._panel`.

Shared by ``/meeting start`` and ``/meeting end`` (in :mod:`cogs.tasks`), the facilitator panel's
buttons and the auto-close timer (in :mod:`cogs.meeting_session`). The decisions are made by
``bot.meeting_sessions`` (:mod:`bot.meeting_session`); this module only renders and posts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.utils import escape_markdown, format_dt

from bot.clock import utcnow
from bot.meeting_session import Recap
from bot.storage.meeting_sessions import MeetingSession
from cogs._panel import (
    ActionButton,
    CloseBreakoutsButton,
    PlanButton,
    QuestionsButton,
    RoundButton,
    _PanelButton,
    main_voice_members,
)
from cogs._recap import PostedRecap, post_recap, send_recap_dms
from cogs._shared import NO_PINGS, replies_to_user_errors

if TYPE_CHECKING:
    from bot.app import CopBot

log = logging.getLogger(__name__)


async def start_meeting(bot: CopBot, interaction: discord.Interaction, number: int | None) -> None:
    """``/meeting start``: open the meeting, take attendance from voice, post the panel."""
    guild = interaction.guild
    assert guild is not None
    settings = await bot.settings.get(guild.id)
    tz_name = settings.timezone_or(bot.config.community.timezone)
    present = main_voice_members(guild, settings.main_voice_id)
    session = await bot.meeting_sessions.start(
        guild.id, interaction.user.id, utcnow(), tz_name, meeting_number=number, present=present
    )
    await interaction.response.defer()
    schedule_auto_close(bot, session)
    panel_where = await post_panel(bot, guild, session, settings.facilitator_channel_id)
    voice = guild.get_channel(settings.main_voice_id) if settings.main_voice_id else None
    counting = (
        f"I'm noting who is in {voice.mention} ({len(present)} now)."
        if voice is not None
        else "No main voice channel is set (`/settings update main_voice`), so I can't take attendance."
    )
    await interaction.followup.send(
        f"Meeting **#{session.number}, {escape_markdown(session.title)}** has started. {counting} "
        f"{panel_where} It closes by itself after {bot.config.meetings.max_hours} hours if nobody ends it.",
        allowed_mentions=NO_PINGS,
    )


async def end_meeting(
    bot: CopBot, guild: discord.Guild, *, number: int | None = None, fallback: Any = None
) -> PostedRecap:
    recap = await bot.meeting_sessions.end(guild.id, utcnow(), session_number=number)
    unschedule_auto_close(bot, recap.session)
    bot.dispatch("meeting_ended", guild.id)  # memory-only meeting state (mutes, asker links) is dropped
    await disable_panel(bot, guild, recap.session)
    return await post_recap(bot, guild, recap, fallback)


def ended_extras(bot: CopBot, recap: Recap) -> dict[str, Any]:
    """The "Send the check-in" button (set by the pulse cog) for the "meeting has ended" message."""
    offer = getattr(bot, "pulse_offer", None)
    return {"view": offer(recap.session.number)} if offer is not None and recap.attendance_count else {}


def ended_sentence(posted: PostedRecap) -> str:
    recap, link = posted.recap, posted.link
    s = recap.session
    where = f" [Read the recap]({link})." if link else " There is no meeting channel, so the recap was not posted."
    n = recap.attendance_count
    return f"**{escape_markdown(s.title)}** has ended. {n} {'person' if n == 1 else 'people'} came.{where}"


# -- auto-close -------------------------------------------------------------------------------------


def _job_id(session: MeetingSession) -> str:
    return f"meeting-auto-close:{session.id}"


def schedule_auto_close(bot: CopBot, session: MeetingSession) -> None:
    bot.scheduler.add_job(
        auto_close,
        "date",
        run_date=bot.meeting_sessions.closes_at(session),
        args=(bot, session.guild_id, session.number),
        id=_job_id(session),
        replace_existing=True,
        misfire_grace_time=None,
        coalesce=True,
    )


def unschedule_auto_close(bot: CopBot, session: MeetingSession) -> None:
    job = bot.scheduler.get_job(_job_id(session))
    if job is not None:
        job.remove()


async def auto_close(bot: CopBot, guild_id: int, number: int) -> None:
    """A meeting left open past ``meetings.max_hours`` closes itself, with its recap."""
    guild = bot.get_guild(guild_id)
    if guild is None:
        return
    from bot.errors import UserError

    try:
        posted = await end_meeting(bot, guild, number=number)
    except UserError:
        return  # already ended
    await send_recap_dms(bot, guild, posted)
    log.info("Meeting %s in server %s closed itself after %s hours", number, guild_id, bot.config.meetings.max_hours)


# -- the facilitator panel --------------------------------------------------------------------------


class EndButton(_PanelButton, action="end"):
    label = "End the meeting"
    style = discord.ButtonStyle.danger

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        session = await self._session(interaction)
        await interaction.response.defer(ephemeral=True)
        assert interaction.guild is not None
        posted = await end_meeting(
            interaction.client,  # type: ignore[arg-type]
            interaction.guild,
            number=session.number,
            fallback=interaction.channel,
        )
        await interaction.followup.send(
            ended_sentence(posted),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
            **ended_extras(interaction.client, posted.recap),  # type: ignore[arg-type]
        )
        await send_recap_dms(interaction.client, interaction.guild, posted)  # type: ignore[arg-type]


PANEL_BUTTONS: tuple[type[_PanelButton], ...] = (
    RoundButton,
    PlanButton,
    CloseBreakoutsButton,
    QuestionsButton,
    ActionButton,
    EndButton,
)


def panel_view(session: MeetingSession, *, disabled: bool = False) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for button in PANEL_BUTTONS:
        view.add_item(button(session.number, disabled=disabled))
    return view


def panel_text(session: MeetingSession, *, ended: bool = False) -> str:
    # A fixed time stays true however long the panel is on screen ("started 0 seconds ago" did not).
    state = "has ended" if ended else f"is running (it started at {format_dt(session.started_at, 't')})"
    return (
        f"**Facilitator panel: meeting #{session.number}, {escape_markdown(session.title)}** {state}.\n"
        "These buttons run copbot's features for this meeting. Only facilitators can use them."
    )


async def post_panel(bot: CopBot, guild: discord.Guild, session: MeetingSession, channel_id: int | None) -> str:
    channel = guild.get_channel(channel_id) if channel_id else None
    if not isinstance(channel, discord.TextChannel):
        return "There is no facilitator channel (`/settings update facilitator_channel`), so there is no panel."
    try:
        message = await channel.send(panel_text(session), view=panel_view(session), allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("Could not post the meeting panel in channel %s", channel.id, exc_info=True)
        return f"I couldn't post the facilitator panel in {channel.mention}."
    await bot.meeting_sessions.set_panel(session, channel.id, message.id)
    return f"The facilitator panel is in {channel.mention}."


async def disable_panel(bot: CopBot, guild: discord.Guild, session: MeetingSession) -> None:
    if session.panel_channel_id is None or session.panel_message_id is None:
        return
    channel = guild.get_channel(session.panel_channel_id)
    if not isinstance(channel, discord.TextChannel):
        return
    try:
        message = channel.get_partial_message(session.panel_message_id)
        await message.edit(content=panel_text(session, ended=True), view=None)
    except discord.HTTPException:
        log.info("Could not update the meeting panel %s", session.panel_message_id)
