"""Where breakout messages go: rooms, members' DMs, the meeting channel, the facilitators.

Each helper posts and reports what it could not do; none raises on a Discord refusal, because one
room or one closed DM must never stop the others. Kept apart from the cog, which decides what to say.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord

from bot.app import CopBot
from bot.storage.breakouts import BreakoutSession
from bot.text_limits import MESSAGE, chunk_mentions, fit
from cogs._shared import NO_PINGS
from cogs.breakouts._progress import join

log = logging.getLogger(__name__)


async def tell_rooms(
    guild: discord.Guild, people: list[tuple[discord.Member, discord.VoiceChannel]]
) -> tuple[int, list[tuple[discord.Member, discord.VoiceChannel]]]:
    """DM each person their room. Returns how many were told and who could not get a DM."""
    told = 0
    unreachable: list[tuple[discord.Member, discord.VoiceChannel]] = []
    for member, room in people:
        try:
            await member.send(
                f"Breakout groups have started in **{discord.utils.escape_markdown(guild.name)}**. "
                f"Your group is **{room.name}**: join it here: {room.jump_url}",
                allowed_mentions=NO_PINGS,
            )
            told += 1
        except discord.HTTPException:
            unreachable.append((member, room))
    return told, unreachable


async def mention_in_meeting_channel(
    bot: CopBot, guild: discord.Guild, people: list[tuple[discord.Member, discord.VoiceChannel]]
) -> None:
    """The fallback when a DM is refused: name each person with their room in the meeting channel,
    in posts of at most 2,000 characters that each ping at most 100 people (Discord's limit), only
    those they name."""
    settings = await bot.settings.get(guild.id)
    channel = guild.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
    if not isinstance(channel, discord.TextChannel):
        return
    head = "Breakout groups have started. Please join your room:"
    entries = [(f"{member.mention}: {room.mention}", [member.id]) for member, room in people]
    for text, ids in chunk_mentions(entries, MESSAGE - len(head) - 1):
        try:
            await channel.send(
                f"{head}\n{text}",
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(i) for i in ids], roles=False, everyone=False
                ),
            )
        except discord.HTTPException:
            log.warning("Could not post breakout room reminders in %s", channel.id, exc_info=True)


def tell_facilitator(
    bot: CopBot, guild: discord.Guild, user: discord.abc.User
) -> Callable[[str, discord.ui.View | None], Awaitable[None]]:
    """A fresh message for the facilitator when their reply can no longer be edited (an interaction
    token lives 15 minutes): in the facilitators' channel, else the meeting channel."""

    async def tell(text: str, view: discord.ui.View | None = None) -> None:
        mentions = discord.AllowedMentions(users=[user], roles=False, everyone=False)
        if await to_facilitators(bot, guild, f"{user.mention} {text}", mentions, view) is None:
            log.warning("Could not tell the facilitator the breakout result in server %s", guild.id)

    return tell


async def to_facilitators(
    bot: CopBot,
    guild: discord.Guild,
    text: str,
    mentions: discord.AllowedMentions = NO_PINGS,
    view: discord.ui.View | None = None,
) -> discord.Message | None:
    """Post where the facilitators talk: their channel, else the meeting channel. None if neither works."""
    settings = await bot.settings.get(guild.id)
    for channel_id in (settings.facilitator_channel_id, settings.meeting_channel_id):
        channel = guild.get_channel(channel_id) if channel_id else None
        if isinstance(channel, discord.TextChannel) and channel.permissions_for(guild.me).send_messages:
            try:
                kwargs = {"view": view} if view is not None else {}
                return await channel.send(fit(text, MESSAGE), allowed_mentions=mentions, **kwargs)
            except discord.HTTPException:
                log.warning("Could not post for the facilitators in %s", channel.id, exc_info=True)
    return None


async def post_in_rooms(guild: discord.Guild, session: BreakoutSession, text: str) -> int:
    """Post ``text`` in every room at once (each room is its own channel, with its own bucket)."""

    async def post(channel_id: int) -> bool:
        room = guild.get_channel(channel_id)
        if not isinstance(room, discord.VoiceChannel):
            return False
        try:
            await room.send(text, allowed_mentions=NO_PINGS)
            return True
        except discord.HTTPException:
            log.warning("Could not post in breakout room %s", channel_id, exc_info=True)
            return False

    return sum(await join([asyncio.create_task(post(c)) for c in session.channel_ids]))
