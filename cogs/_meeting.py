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
from discord.utils import format_dt

from bot.clock import utcnow
from bot.meeting_session import Recap
from bot.storage.meeting_sessions import MeetingSession
from cogs._names import session_name
from cogs._panel import (
    ActionButton,
    CloseBreakoutsButton,
    PlanButton,
    QuestionsButton,
    RoundButton,
    _PanelButton,
)
from cogs._recap import PostedRecap, post_recap, send_recap_dms
from cogs._shared import NO_PINGS, for_facilitators
from cogs._voice import main_voice_members
from cogs.questions._render import ask_view

if TYPE_CHECKING:
    from bot.app import CopBot

log = logging.getLogger(__name__)


async def start_meeting(bot: CopBot, interaction: discord.Interaction, number: int | None) -> None:
    """``/meeting start``: open the meeting, take attendance from voice, post the panel for the
    facilitators and a short welcome with **Ask without your name** for everyone."""
    guild = interaction.guild
    assert guild is not None
    settings = await bot.settings.get(guild.id)
    tz_name = settings.timezone_or(bot.config.community.timezone)
    present = main_voice_members(guild, settings.main_voice_id)
    session = await bot.meeting_sessions.start(
        guild.id, interaction.user.id, utcnow(), tz_name, meeting_number=number, present=present
    )
    await interaction.response.defer(ephemeral=True)
    schedule_auto_close(bot, session)
    voice = guild.get_channel(settings.main_voice_id) if settings.main_voice_id else None
    counting = (
        f"I'm noting who is in {voice.mention} ({len(present)} now)."
        if voice is not None
        else "No main voice channel is set (`/settings update main_voice`), so I can't take attendance."
    )
    closes = f"It closes by itself after {bot.config.meetings.max_hours} hours if nobody ends it."
    panel_where = await post_panel(bot, guild, session, settings.facilitator_channel_id, details=f"{counting} {closes}")
    welcome_where = await post_welcome(guild, session, settings.meeting_channel_id)
    await interaction.followup.send(
        f"{session_name(session)} has started. {counting} {panel_where} {welcome_where} {closes}",
        ephemeral=True,
        allowed_mentions=NO_PINGS,
    )


#: The way to ask in front of everyone, under the meeting-start post.
ASK_LINE = "If you have a question, you can ask it without your name. Press the button below."


def welcome_text(session: MeetingSession) -> str:
    """The meeting-start post everyone sees: short, and named as members were told (a planned meeting's
    title and date, however early or late it began; an unplanned one's title is only a date)."""
    if session.meeting_id is None:
        return f"**The meeting has started.** Welcome, everyone!\n{ASK_LINE}"
    return f"{session_name(session)} has started. Welcome, everyone!\n{ASK_LINE}"


async def post_welcome(guild: discord.Guild, session: MeetingSession, channel_id: int | None) -> str:
    """Post the welcome with **Ask without your name** (the ``/ask`` form) in the meeting channel;
    returns a sentence for the facilitator saying where (or why not)."""
    channel = guild.get_channel(channel_id) if channel_id else None
    if not isinstance(channel, discord.TextChannel):
        return "There is no meeting channel (`/settings update meeting_channel`), so members got no welcome post."
    try:
        await channel.send(welcome_text(session), view=ask_view(), allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("Could not post the meeting welcome in channel %s", channel.id, exc_info=True)
        return f"I couldn't post the welcome for members in {channel.mention}."
    return f"Members have a welcome post with **Ask without your name** in {channel.mention}."


async def end_meeting(
    bot: CopBot, guild: discord.Guild, *, number: int | None = None, fallback: Any = None
) -> PostedRecap:
    recap = await bot.meeting_sessions.end(guild.id, utcnow(), session_number=number)
    unschedule_auto_close(bot, recap.session)
    bot.dispatch("meeting_ended", guild.id)  # memory-only meeting state (mutes, asker links) is dropped
    offered = await disable_panel(bot, guild, recap.session, offer=check_in_offer(bot, recap))
    return await post_recap(bot, guild, recap, fallback, offered_on_panel=offered)


def check_in_offer(bot: CopBot, recap: Recap) -> discord.ui.View | None:
    """The "Send the check-in" button (set by the pulse cog), when someone came to the meeting."""
    offer = getattr(bot, "pulse_offer", None)
    return offer(recap.session.number) if offer is not None and recap.attendance_count else None


async def offer_check_in(bot: CopBot, interaction: discord.Interaction, posted: PostedRecap) -> None:
    """No panel took the offer: give "Send the check-in" to the facilitator who ended the meeting,
    privately (the "meeting has ended" post is public, and members cannot press it)."""
    view = None if posted.offered_on_panel else check_in_offer(bot, posted.recap)
    if view is not None:
        await interaction.followup.send(offer_sentence(posted.recap), view=view, ephemeral=True)


def offer_sentence(recap: Recap) -> str:
    n = recap.attendance_count
    return f"Send the anonymous check-in to the {n} {'person' if n == 1 else 'people'} who came?"


def ended_sentence(posted: PostedRecap) -> str:
    recap, link = posted.recap, posted.link
    s = recap.session
    where = f" [Read the recap]({link})." if link else " There is no meeting channel, so the recap was not posted."
    n = recap.attendance_count
    return f"{session_name(s)} has ended. {n} {'person' if n == 1 else 'people'} came.{where}"


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

    @for_facilitators
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
        await interaction.followup.send(ended_sentence(posted), ephemeral=True, allowed_mentions=NO_PINGS)
        await offer_check_in(interaction.client, interaction, posted)  # type: ignore[arg-type]
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
        f"**Facilitator panel:** {session_name(session)} {state}.\n"
        "These buttons run copbot's features for this meeting. Only facilitators can use them."
    )


async def post_panel(
    bot: CopBot, guild: discord.Guild, session: MeetingSession, channel_id: int | None, *, details: str = ""
) -> str:
    channel = guild.get_channel(channel_id) if channel_id else None
    if not isinstance(channel, discord.TextChannel):
        return (
            "There is no facilitator channel (`/settings update facilitator_channel`), so there is no panel; "
            "`/questions list` gives you the question buttons."
        )
    content = panel_text(session) + (f"\n{details}" if details else "")
    try:
        message = await channel.send(content, view=panel_view(session), allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("Could not post the meeting panel in channel %s", channel.id, exc_info=True)
        return f"I couldn't post the facilitator panel in {channel.mention}."
    await bot.meeting_sessions.set_panel(session, channel.id, message.id)
    return f"The facilitator panel is in {channel.mention}."


async def disable_panel(
    bot: CopBot, guild: discord.Guild, session: MeetingSession, *, offer: discord.ui.View | None = None
) -> bool:
    """Close the panel's buttons; ``offer`` ("Send the check-in") takes their place, where only
    facilitators see it. Returns whether the panel now carries the offer."""
    if session.panel_channel_id is None or session.panel_message_id is None:
        return False
    channel = guild.get_channel(session.panel_channel_id)
    if not isinstance(channel, discord.TextChannel):
        return False
    content = panel_text(session, ended=True)
    if offer is not None:
        content += "\nThe anonymous check-in is ready for the people who came: press **Send the check-in**."
    try:
        message = channel.get_partial_message(session.panel_message_id)
        await message.edit(content=content, view=offer)
    except discord.HTTPException:
        log.info("Could not update the meeting panel %s", session.panel_message_id)
        return False
    return offer is not None
