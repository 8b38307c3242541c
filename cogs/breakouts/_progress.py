"""What the facilitator sees while long breakout work goes on, and where a note for facilitators goes.

:class:`Progress` is the :class:`bot.breakout_service.ProgressLine` of a command or a click; when the
interaction's token has run out, the result goes to the facilitators' channel instead
(:func:`tell_facilitator`, through :func:`to_facilitators`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord

from bot.app import CopBot
from bot.concurrency import POLL_SECONDS
from bot.text_limits import MESSAGE, fit
from cogs._shared import NO_PINGS

log = logging.getLogger(__name__)


#: An interaction token lives 15 minutes; past this, the reply is sent as a fresh message instead.
TOKEN_LIFE_SECONDS = 15 * 60
_TOKEN_MARGIN_SECONDS = 30


class Progress:
    """The facilitator's reply while work goes on.

    :meth:`show` never waits: it notes the latest text, and a task of its own edits the reply at once
    and then at most once every ``every`` seconds, so the work never queues behind an edit and a long
    job costs one edit per 2 s, not one per person. :meth:`finish` shows the result: by editing the
    reply while the interaction's token is alive, else (or if the edit fails) as a fresh message
    through ``fallback``. (The task sleeps rather than waiting on an event: under SimCord a task
    waiting on an event set by a sleeping task never counts as settled.)
    """

    def __init__(
        self,
        interaction: discord.Interaction,
        *,
        every: float = 2.0,
        fallback: Callable[[str, discord.ui.View | None], Awaitable[None]] | None = None,
    ) -> None:
        self._interaction = interaction
        self._every = every
        self._fallback = fallback
        self._wanted = ""
        self._shown = ""
        self._task: asyncio.Task[None] | None = None
        self._editing = False
        self._done = False
        self._started = asyncio.get_running_loop().time()

    def show(self, text: str) -> None:
        if self._done:
            return
        self._wanted = text
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while not self._done and not self._expired():
            if self._wanted != self._shown:
                text = self._wanted
                self._editing = True
                try:
                    await self._interaction.edit_original_response(content=text, view=None, allowed_mentions=NO_PINGS)
                    self._shown = text
                except discord.HTTPException:
                    log.info("Could not show breakout progress", exc_info=True)
                finally:
                    self._editing = False
            # Sleep in short steps so finish() never waits long (no cancel: see bot.concurrency).
            until = asyncio.get_running_loop().time() + self._every
            while not self._done and asyncio.get_running_loop().time() < until:
                await asyncio.sleep(POLL_SECONDS)

    def _expired(self) -> bool:
        elapsed = asyncio.get_running_loop().time() - self._started
        return elapsed > TOKEN_LIFE_SECONDS - _TOKEN_MARGIN_SECONDS

    async def finish(self, text: str, view: discord.ui.View | None = None) -> None:
        """Show the result, with ``view``'s buttons under it (the timed rooms' "Add 5 minutes")."""
        self._done = True
        if self._task is not None:
            while not self._task.done():
                await asyncio.sleep(POLL_SECONDS)
        text = fit(text, MESSAGE)
        if not self._expired():
            try:
                await self._interaction.edit_original_response(content=text, view=view, allowed_mentions=NO_PINGS)
                return
            except discord.HTTPException:
                log.warning("Could not show the breakout result to the facilitator", exc_info=True)
        if self._fallback is not None:
            await self._fallback(text, view)


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
