"""The Discord side of a meeting session: start, end and the panel; the recap is :mod:`cogs._recap`.

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
from cogs._recap import PostedRecap, post_recap, send_recap_dms
from cogs._shared import NO_PINGS, IdButton, replies_to_user_errors, require_facilitator

if TYPE_CHECKING:
    from bot.app import CopBot

log = logging.getLogger(__name__)


def main_voice_members(guild: discord.Guild, main_voice_id: int | None) -> set[int]:
    channel = guild.get_channel(main_voice_id) if main_voice_id else None
    if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
        return set()
    return {m.id for m in channel.members if not m.bot}


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


class _PanelButton(IdButton):
    """A panel button; ``target_id`` is the meeting's per-server number."""

    prefix = "copbot:meeting"

    async def _session(self, interaction: discord.Interaction) -> MeetingSession:
        await require_facilitator(interaction)
        assert interaction.guild is not None
        bot: CopBot = interaction.client  # type: ignore[assignment]
        session = await bot.meeting_sessions.current(interaction.guild.id)
        if session is None or session.number != self.target_id:
            from bot.errors import UserError

            raise UserError("That meeting has already ended.")
        return session

    async def _run_command(self, interaction: discord.Interaction, path: str, **options: Any) -> None:
        """Run one of copbot's existing slash commands for the clicker (checks already done)."""
        group_name, name = path.split(" ")
        group = interaction.client.tree.get_command(group_name)  # type: ignore[attr-defined]
        command = group.get_command(name) if isinstance(group, discord.app_commands.Group) else None
        if command is None:
            from bot.errors import UserError

            raise UserError("That feature is not available right now.")
        await command.callback(command.binding, interaction, **options)  # type: ignore[arg-type]


class RoundButton(_PanelButton, action="round"):
    """A speaking round for everyone in the main voice channel, posted in the meeting channel where they
    all see it (the panel itself is in the facilitators' private channel)."""

    label = "Icebreaker round"
    style = discord.ButtonStyle.secondary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        from bot.errors import UserError

        await self._session(interaction)
        bot: CopBot = interaction.client  # type: ignore[assignment]
        guild = interaction.guild
        assert guild is not None
        settings = await bot.settings.get(guild.id)
        channel = guild.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
        if not isinstance(channel, discord.TextChannel):
            raise UserError("There is no meeting channel for the round to go in. Choose one with `/settings update`.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        present = main_voice_members(guild, settings.main_voice_id)
        await bot.rounds.start(guild.id, channel.id, None, voice_id=settings.main_voice_id, in_voice=sorted(present))
        await interaction.followup.send(f"The speaking round has started in {channel.mention}.", ephemeral=True)


class PlanButton(_PanelButton, action="plan"):
    label = "Plan breakouts"
    style = discord.ButtonStyle.secondary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        session = await self._session(interaction)
        await interaction.response.send_modal(PlanModal(session.number))


class PlanModal(discord.ui.Modal, title="Plan breakout groups"):
    size: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="People per group (2 to 25)", custom_id="size", max_length=2, default="5"
    )

    def __init__(self, number: int) -> None:
        super().__init__(custom_id=f"copbot:meeting:planform:{number}")

    @replies_to_user_errors
    async def on_submit(self, interaction: discord.Interaction) -> None:
        from bot.errors import UserError

        try:
            size = int(str(self.size.value).strip())
        except ValueError:
            raise UserError("Please type a number of people per group, from 2 to 25.") from None
        if not 2 <= size <= 25:
            raise UserError("Please type a number of people per group, from 2 to 25.")
        group = interaction.client.tree.get_command("breakout")  # type: ignore[attr-defined]
        command = group.get_command("plan") if isinstance(group, discord.app_commands.Group) else None
        if command is None:
            raise UserError("That feature is not available right now.")
        await command.callback(command.binding, interaction, size=size)  # type: ignore[arg-type]


class CloseBreakoutsButton(_PanelButton, action="close"):
    label = "Close breakouts"
    style = discord.ButtonStyle.secondary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        await self._run_command(interaction, "breakout close")


class QuestionsButton(_PanelButton, action="questions"):
    label = "Open questions"
    style = discord.ButtonStyle.secondary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        await self._run_command(interaction, "questions list")


class ActionButton(_PanelButton, action="action"):
    label = "Add an action"
    style = discord.ButtonStyle.primary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        bot: CopBot = interaction.client  # type: ignore[assignment]
        make = getattr(bot, "task_form", None)
        if make is None:
            from bot.errors import UserError

            raise UserError("Tasks are not available right now.")
        await interaction.response.send_modal(make("", interaction.user.id, choose_assignee=True))


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
