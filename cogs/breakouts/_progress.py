"""The cog's plumbing for long Discord work: waiting on concurrent steps, and the facilitator's progress line.

Kept apart from the cog so ``_cog.py`` reads as the feature: commands, buttons and what they say.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import discord

from bot.breakouts import MoveResult, progress_text
from bot.text_limits import MESSAGE, fit
from cogs._shared import NO_PINGS

log = logging.getLogger(__name__)
T = TypeVar("T")


#: How often a step that waits for other concurrent steps checks on them.
POLL_SECONDS = 0.05


async def join(tasks: list[asyncio.Task[T]]) -> list[T]:
    """The tasks' results once all are done (the first failure is raised, after all have finished).

    It checks every 50 ms instead of awaiting the tasks: under SimCord (the test harness), a task
    awaiting another task that is sleeping on a Discord call never counts as settled while SimCord
    moves its clock, and the test would hang; a task that sleeps itself does. In production the
    polling costs nothing measurable.
    """
    while not all(t.done() for t in tasks):
        await asyncio.sleep(POLL_SECONDS)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    return [t.result() for t in tasks]


async def members_ready(guild: discord.Guild) -> None:
    """Make sure the member list is loaded: just after a restart Discord may not have sent it yet, and
    who is in which voice room can only be read for members the bot knows."""
    if not guild.chunked:
        await guild.chunk()


@dataclass(slots=True)
class OpenWork:
    """How far opening has got, shared by the room maker, the mover and the progress line."""

    rooms_total: int
    to_move: int
    rooms_done: int = 0
    #: Set when creating the rooms failed: the mover stops.
    aborted: bool = False
    #: Rooms made so far, in group order (the mover takes each as soon as it is here).
    rooms: list[discord.VoiceChannel] = field(default_factory=list)
    result: MoveResult = field(default_factory=MoveResult)
    #: Members moved so far (brought back if opening fails part-way).
    moved: list[discord.Member] = field(default_factory=list)
    #: People in voice whom Discord would not move, with their room (they are told by DM).
    stuck: list[tuple[discord.Member, discord.VoiceChannel]] = field(default_factory=list)

    def text(self) -> str:
        return progress_text(self.rooms_done, self.rooms_total, self.result.moved, self.to_move)


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
            # Sleep in short steps so finish() never waits long (no cancel: see join).
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
