"""The breakout buttons and the **Open rooms** form: the plan's "Open rooms", "Reshuffle", "Cancel"; each
room's "Ask for help"; the facilitators' "Add 5 minutes".

The buttons are :class:`discord.ui.DynamicItem`s keyed by the session, because the plan lives in the
database: a facilitator can still open the rooms after the bot restarted, and each click re-reads the
plan instead of trusting a view object held in memory. They carry the session's random token
(``copbot:breakouts:help:t<token>``), not its row id, which counts across every server and so would
show members in a room how busy other servers are; buttons made before tokens carry the row id and
still work. Each click calls the breakout service on the bot object (``bot.breakouts``) and renders what
it returns; nothing here looks up a cog. Every facilitator button and the form re-check the facilitator
on press and on submit (:func:`~cogs._shared.for_facilitators`).
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.app import CopBot, send_ephemeral
from bot.breakout_rooms import EXTRA_MINUTES
from bot.breakout_service import MAX_MINUTES, TIMER_CHOICES
from bot.breakouts import room_name
from bot.errors import UserError
from bot.storage.breakouts import BreakoutSession
from cogs._shared import NO_PINGS, PublicRef, RefButton, for_facilitators, guild_of, replies_to_user_errors
from cogs.breakouts._progress import Progress, tell_facilitator, to_facilitators
from cogs.breakouts._render import (
    help_already,
    help_call,
    help_sent,
    more_time_text,
    name_of,
    namer,
    open_text,
    render_plan,
)

PREFIX = "copbot:breakouts"


def _bot(interaction: discord.Interaction) -> CopBot:
    return interaction.client  # type: ignore[return-value]


async def open_rooms(
    interaction: discord.Interaction, guild: discord.Guild, session: BreakoutSession, minutes: int | None
) -> None:
    """Open the rooms (the reply already says so) and show the result, with **Add 5 minutes** when timed.

    Shared by ``/breakout open`` and the **Open rooms** form, which have made their checks and answered
    the interaction already.
    """
    bot = _bot(interaction)
    progress = Progress(interaction, fallback=tell_facilitator(bot, guild, interaction.user))
    opened = await bot.breakouts.open(bot.breakouts.on_discord(guild.id), session, minutes, progress)
    view = timer_view(opened.session) if opened.ends_at and not opened.failure else None
    await progress.finish(open_text(opened, namer(guild)), view=view)


class _SessionButton(RefButton):
    """``copbot:breakouts:<action>:t<token>`` (or the session id, on buttons made before tokens)."""

    prefix = PREFIX

    async def session_id(self, interaction: discord.Interaction) -> int:
        """The session this button is for."""
        if self.ref.row_id is not None:
            return self.ref.row_id
        return await _bot(interaction).breakouts.id_for_token(self.ref.token or 0)


def session_ref(session: BreakoutSession) -> PublicRef:
    return PublicRef.tokened(session.token, session.id)


class OpenRoomsButton(_SessionButton, action="open"):
    """Under a plan: a short form asks how long the rooms stay open (or no timer), then opens them."""

    label = "Open rooms"
    style = discord.ButtonStyle.success

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        breakouts = _bot(interaction).breakouts
        session_id = await self.session_id(interaction)
        # Refuse before the form (no permission, rooms already open), and again on sending it.
        session = await breakouts.ready_to_open(guild.id, breakouts.on_discord(guild.id), session_id, None)
        await interaction.response.send_modal(OpenForm(session))


def _minutes_words(minutes: int) -> str:
    return "No timer: I will close them myself" if not minutes else f"{minutes} minutes"


class OpenForm(discord.ui.Modal, title="Open the breakout rooms"):
    """How long the rooms stay open: a timer gives every room a one-minute warning and brings everyone
    back on time; no timer leaves them open until a facilitator closes them."""

    def __init__(self, session: BreakoutSession) -> None:
        super().__init__(custom_id=f"{PREFIX}:openform:{session_ref(session)}")
        self.session_id = session.id
        self.minutes: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="minutes",
            options=[discord.SelectOption(label=_minutes_words(m), value=str(m), default=not m) for m in TIMER_CHOICES],
        )
        self.add_item(discord.ui.Label(text="How long should the rooms stay open?", component=self.minutes))

    @for_facilitators
    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Re-checked on submit: the form may have been open while the facilitator role was taken away."""
        guild = guild_of(interaction)
        chosen = int(self.minutes.values[0]) if self.minutes.values else 0
        if chosen not in TIMER_CHOICES or chosen > MAX_MINUTES:
            raise UserError("Please choose one of the times in the list.")
        minutes = chosen or None
        breakouts = _bot(interaction).breakouts
        session = await breakouts.ready_to_open(guild.id, breakouts.on_discord(guild.id), self.session_id, minutes)
        await interaction.response.edit_message(content="Opening rooms…", view=None)
        await open_rooms(interaction, guild, session, minutes)


class ReshuffleButton(_SessionButton, action="reshuffle"):
    label = "Reshuffle"
    style = discord.ButtonStyle.primary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        breakouts = _bot(interaction).breakouts
        session_id = await self.session_id(interaction)
        await breakouts.planned(guild.id, session_id)
        await interaction.response.defer()
        session = await breakouts.reshuffle(guild.id, session_id, namer(guild))
        await interaction.edit_original_response(
            content=render_plan(guild, session), view=plan_view(session), allowed_mentions=NO_PINGS
        )


class CancelButton(_SessionButton, action="cancel"):
    label = "Cancel"
    style = discord.ButtonStyle.danger

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await _bot(interaction).breakouts.cancel(guild_of(interaction).id, await self.session_id(interaction))
        await interaction.response.edit_message(content="Plan cancelled. No rooms were opened.", view=None)


class HelpButton(_SessionButton, action="help"):
    """In each room's welcome note: anyone in the room may call a facilitator (once per room per few
    minutes). The call mentions the facilitator role, in copbot's own words (never typed text)."""

    label = "Ask for help"
    style = discord.ButtonStyle.primary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot, guild = _bot(interaction), guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        session_id = await self.session_id(interaction)
        request = await bot.breakouts.rooms.ask_for_help(session_id, interaction.channel_id or 0)
        room_id = request.session.channel_ids[request.room - 1]
        room = guild.get_channel(room_id)
        label = room.name if room is not None else room_name(request.room)
        if not request.new:
            await send_ephemeral(interaction, help_already(request, label))
            return
        settings = await bot.settings.get(guild.id)
        role = guild.get_role(settings.facilitator_role_id) if settings.facilitator_role_id else None
        text, mentions = _call(guild, role, help_call(role.id if role else None, room_id, name_of(interaction.user, 0)))
        if await to_facilitators(bot, guild, text, mentions) is None:
            await bot.breakouts.rooms.help_not_delivered(request)
            raise UserError("I could not reach the facilitators just now. Please try again in a moment.")
        await send_ephemeral(interaction, help_sent(label))


def _call(guild: discord.Guild, role: discord.Role | None, text: str) -> tuple[str, discord.AllowedMentions]:
    """The help call and the only mentions it may ping: the facilitator role. Where Discord would not let
    copbot ping the role (it is not mentionable and copbot may not mention all roles), its members are
    named too, so the call still reaches them."""
    if role is None:
        return text, NO_PINGS
    if role.mentionable or guild.me.guild_permissions.mention_everyone:
        return text, discord.AllowedMentions(everyone=False, users=False, roles=[role], replied_user=False)
    people = [m for m in role.members if not m.bot][:25]
    named = " ".join(m.mention for m in people)
    mentions = discord.AllowedMentions(everyone=False, roles=False, users=people, replied_user=False)
    return (f"{text}\n{named}" if named else text), mentions


class AddTimeButton(_SessionButton, action="extend"):
    """Under the facilitator's "rooms are open" reply and the facilitators' timer note."""

    label = "Add 5 minutes"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        bot, guild = _bot(interaction), guild_of(interaction)
        session_id = await self.session_id(interaction)
        await interaction.response.defer()
        discord_side = bot.breakouts.on_discord(guild.id)
        session = await bot.breakouts.add_time(discord_side, guild.id, session_id)
        assert session.ends_at is not None
        stamp = discord.utils.format_dt(session.ends_at, "R")
        if interaction.message is not None and interaction.message.id != session.timer_message_id:
            # The opener's own reply (the service has updated the facilitators' note): its end moves too.
            shown = re.sub(r"<t:\d+:R>", stamp, interaction.message.content)
            await interaction.edit_original_response(content=shown, view=timer_view(session))
        await bot.breakouts.post_in_rooms(discord_side, session, more_time_text(session.ends_at))
        await send_ephemeral(interaction, f"Done: {EXTRA_MINUTES} more minutes. The rooms now close {stamp}.")


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    OpenRoomsButton,
    ReshuffleButton,
    CancelButton,
    HelpButton,
    AddTimeButton,
)


def plan_view(session: BreakoutSession) -> discord.ui.View:
    """The buttons under a plan. ``timeout=None``: the dynamic items answer clicks even after a restart."""
    view = discord.ui.View(timeout=None)
    ref = session_ref(session)
    view.add_item(OpenRoomsButton(ref))
    view.add_item(ReshuffleButton(ref))
    view.add_item(CancelButton(ref))
    return view


def room_view(session: BreakoutSession) -> discord.ui.View:
    """The button under each room's welcome note."""
    view = discord.ui.View(timeout=None)
    view.add_item(HelpButton(session_ref(session)))
    return view


def timer_view(session: BreakoutSession) -> discord.ui.View:
    """The button under the facilitator's reply once timed rooms are open."""
    view = discord.ui.View(timeout=None)
    view.add_item(AddTimeButton(session_ref(session)))
    return view
