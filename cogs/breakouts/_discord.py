"""One server's Discord as the breakouts need it: :class:`bot.breakout_service.RoomsOnDiscord`, for real.

Each method takes one Discord step (make a room, move a person, post a note) and turns a refusal
into what it returns, logged, because one room or one closed DM must never stop the others. Only
the room makers raise (:class:`RoomsRefused`), so the service can undo a half-made breakout. What
the steps say is in :mod:`cogs.breakouts._render`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

import discord

from bot.app import CopBot
from bot.breakout_service import Closed, RoomsRefused
from bot.breakouts import CATEGORY_NAME, missing_permission
from bot.storage.breakouts import BreakoutSession, PlannedMember
from bot.text_limits import MESSAGE, chunk_mentions
from cogs._permissions import in_channel, in_server
from cogs._shared import NO_PINGS
from cogs.breakouts._progress import to_facilitators
from cogs.breakouts._render import TIMER_NOTE_CLOSED, close_text, room_note, timer_note, where_to_go
from cogs.breakouts._views import room_view, timer_view

log = logging.getLogger(__name__)
REASON = "copbot breakout rooms"


class DiscordRooms:
    """:class:`bot.breakout_service.RoomsOnDiscord` for one server (built per use: it holds no state)."""

    def __init__(self, bot: CopBot, guild: discord.Guild) -> None:
        self.bot = bot
        self.guild = guild

    # ---------------------------------------------------------------- reading

    async def ready(self) -> None:
        """Just after a restart Discord may not have sent the member list, and who is in which voice room
        can only be read for members the bot knows."""
        if not self.guild.chunked:
            await self.guild.chunk()

    async def missing_permission(self) -> str | None:
        """What :data:`bot.permissions.BREAKOUTS` lists, and Connect on the way back."""
        settings = await self.bot.settings.get(self.guild.id)
        voice = self._channel(settings.main_voice_id)
        return missing_permission(
            in_server(self.guild),
            main_voice=in_channel(self.guild, voice) if isinstance(voice, discord.VoiceChannel) else None,
        )

    def in_voice(self, user_ids: Iterable[int]) -> dict[int, bool]:
        found = {uid: self.guild.get_member(uid) for uid in user_ids}
        return {uid: bool(m.voice and m.voice.channel) for uid, m in found.items() if m is not None}

    def people_in(self, channel_id: int) -> list[int] | None:
        room = self.guild.get_channel(channel_id)
        return [m.id for m in room.members] if isinstance(room, discord.VoiceChannel) else None

    def is_voice(self, channel_id: int | None) -> bool:
        return isinstance(self._channel(channel_id), discord.VoiceChannel | discord.StageChannel)

    def _channel(self, channel_id: int | None) -> discord.abc.GuildChannel | None:
        return self.guild.get_channel(channel_id) if channel_id else None

    # ---------------------------------------------------------------- rooms and moves

    async def create_category(self) -> int:
        try:
            return (await self.guild.create_category(CATEGORY_NAME, reason=REASON)).id
        except discord.HTTPException as error:
            raise RoomsRefused() from error

    async def create_room(self, category_id: int, name: str) -> int:
        category = self.guild.get_channel(category_id)
        if not isinstance(category, discord.CategoryChannel):
            raise RoomsRefused()
        try:
            return (await category.create_voice_channel(name, reason=REASON)).id
        except discord.HTTPException as error:
            raise RoomsRefused() from error

    async def move(self, user_id: int, channel_id: int | None) -> bool:
        member = self.guild.get_member(user_id)
        target = self._channel(channel_id)
        if member is None or (channel_id is not None and not self.is_voice(channel_id)):
            return False
        try:
            await member.move_to(target, reason=REASON)  # type: ignore[arg-type]
        except discord.HTTPException:
            log.warning("Could not move %s to %s", user_id, channel_id, exc_info=True)
            return False
        return True

    async def delete(self, channel_id: int) -> bool:
        channel = self._channel(channel_id)
        if channel is None:
            return True
        try:
            await channel.delete(reason="copbot breakout rooms closed")
        except discord.NotFound:
            return True
        except discord.HTTPException:
            log.warning("Could not delete breakout channel %s", channel_id, exc_info=True)
            return False
        return True

    # ---------------------------------------------------------------- telling people

    async def tell_rooms(self, people: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """DM each person their room; returns who could not get a DM."""
        unreachable: list[tuple[int, int]] = []
        for user_id, room_id in people:
            member, room = self.guild.get_member(user_id), self._channel(room_id)
            if member is None or room is None:
                unreachable.append((user_id, room_id))
                continue
            try:
                await member.send(where_to_go(self.guild.name, room.name, room.jump_url), allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                unreachable.append((user_id, room_id))
        return unreachable

    async def name_in_meeting_channel(self, people: Sequence[tuple[int, int]]) -> None:
        """Each person with their room, in posts of at most 2,000 characters that each ping at most 100
        people (Discord's limit), only those they name."""
        settings = await self.bot.settings.get(self.guild.id)
        channel = self._channel(settings.meeting_channel_id)
        if not isinstance(channel, discord.TextChannel):
            return
        head = "Breakout groups have started. Please join your room:"
        entries = [(f"<@{user_id}>: <#{room_id}>", [user_id]) for user_id, room_id in people]
        for text, ids in chunk_mentions(entries, MESSAGE - len(head) - 1):
            mentions = discord.AllowedMentions(users=[discord.Object(i) for i in ids], roles=False, everyone=False)
            try:
                await channel.send(f"{head}\n{text}", allowed_mentions=mentions)
            except discord.HTTPException:
                log.warning("Could not post breakout room reminders in %s", channel.id, exc_info=True)

    async def post_note(
        self, session: BreakoutSession, room_id: int, group: Sequence[PlannedMember], ends_at: datetime | None
    ) -> int:
        room = self._channel(room_id)
        if not isinstance(room, discord.VoiceChannel):
            return 0
        try:
            note = await room.send(
                room_note(self.guild, room.name, group, ends_at), view=room_view(session), allowed_mentions=NO_PINGS
            )
        except discord.HTTPException:
            log.warning("Could not post the welcome note in %s", room_id, exc_info=True)
            return 0
        return note.id

    async def edit_note(
        self,
        session: BreakoutSession,
        room_id: int,
        note_id: int,
        group: Sequence[PlannedMember],
        ends_at: datetime | None,
    ) -> None:
        room = self._channel(room_id)
        if not isinstance(room, discord.VoiceChannel):
            return
        try:
            await room.get_partial_message(note_id).edit(
                content=room_note(self.guild, room.name, group, ends_at), view=room_view(session)
            )
        except discord.HTTPException:
            log.warning("Could not show the new end time in %s", room_id, exc_info=True)

    async def post(self, room_id: int, text: str) -> bool:
        room = self._channel(room_id)
        if not isinstance(room, discord.VoiceChannel):
            return False
        try:
            await room.send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.warning("Could not post in breakout room %s", room_id, exc_info=True)
            return False
        return True

    # ---------------------------------------------------------------- the facilitators

    async def post_timer_note(self, session: BreakoutSession) -> tuple[int, int] | None:
        """The end time with **Add 5 minutes** in the facilitators' channel, for every facilitator (the
        opener's reply is private, and Discord drops private replies when the app reloads)."""
        settings = await self.bot.settings.get(self.guild.id)
        channel = self._channel(settings.facilitator_channel_id)
        if not isinstance(channel, discord.TextChannel) or not channel.permissions_for(self.guild.me).send_messages:
            return None
        assert session.ends_at is not None
        try:
            note = await channel.send(
                timer_note(len(session.channel_ids), session.ends_at),
                view=timer_view(session),
                allowed_mentions=NO_PINGS,
            )
        except discord.HTTPException:
            log.warning("Could not post the breakout timer in %s", channel.id, exc_info=True)
            return None
        return channel.id, note.id

    async def edit_timer_note(self, session: BreakoutSession, *, closed: bool) -> None:
        """Show the new end (or that the rooms closed) on the facilitators' note; a refusal only costs a
        stale note."""
        channel = self._channel(session.timer_channel_id)
        if not isinstance(channel, discord.TextChannel) or session.timer_message_id is None:
            return
        if closed or session.ends_at is None:
            changes: dict[str, object] = {"content": TIMER_NOTE_CLOSED, "view": None}
        else:
            changes = {"content": timer_note(len(session.channel_ids), session.ends_at), "view": timer_view(session)}
        try:
            await channel.get_partial_message(session.timer_message_id).edit(**changes)  # type: ignore[arg-type]
        except discord.HTTPException:
            log.warning("Could not update the breakout timer in %s", channel.id, exc_info=True)

    async def time_is_up(self, closed: Closed) -> None:
        if await to_facilitators(self.bot, self.guild, f"Time is up. {close_text(closed)}") is None:
            log.warning("Could not tell facilitators the breakouts closed in server %s", self.guild.id)
