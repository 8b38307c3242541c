"""Speaking rounds, live: start one in a channel, apply each press or timer as one transition, keep the timers.

A round is one message in its channel, rewritten at every turn (the display's part); its speakers are
pinged once, by the opening message that lists their order.

No Discord here. The icebreakers cog reads presses and voice events and renders what people see; this
service holds the rules of a running round around the pure state machine in
:mod:`bot.icebreakers.round`: every change happens under that round's lock (load, apply one pure
transition, let the display post or edit, save, reschedule). It reaches Discord through
:class:`RoundDisplay`, which the cog implements and hands over with :meth:`RoundService.attach`, so
a round can be started from a slash command *or* from the facilitator panel, in the meeting channel.

Round timers are plain asyncio tasks, one per open round. They are seconds long, the database row
(phase, turn, deadline, warned) is the truth, and :meth:`RoundService.attach` rebuilds them after a
restart, so nothing is lost; asyncio timers also follow SimCord's virtual clock exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from bot.clock import utcnow
from bot.errors import UserError
from bot.icebreakers import round as rounds
from bot.icebreakers.bank import Prompt
from bot.icebreakers.cycle import ALL_SCOPE
from bot.icebreakers.round import Outcome, Phase, RoundState
from bot.storage.icebreakers import ROUND_BUSY, IcebreakerRepository, StoredRound

log = logging.getLogger(__name__)

#: The gentle warning comes when this share of a speaker's time has gone.
WARN_AT = 0.8
ROUND_OVER = "This speaking round has already finished. Thank you for taking part!"

#: Posts a round's opening message and returns its id: (prompt, the new round, the speakers in their
#: order; none when people join by button).
PostIntro = Callable[[Prompt, RoundState, Sequence[int]], Awaitable[int]]


class RoundDisplay(Protocol):
    """What a running round shows on Discord (implemented by the icebreakers cog)."""

    async def post_intro(self, prompt: Prompt, state: RoundState, order: Sequence[int]) -> int:
        """The round's opening message in its channel, with the speakers' order (or a way to join);
        returns its id."""

    async def turn_changed(self, old: RoundState, new: RoundState) -> RoundState:
        """Show the new turn (or the thank-you) on the round's message; ``new`` with its turn message."""

    async def nearly_up(self, state: RoundState) -> None:
        """The gentle "time's nearly up" on the current turn."""

    async def interrupted(self, channel_id: int) -> None:
        """Say that a round cut short before it started has been closed."""


class RoundService:
    """Start speaking rounds and run them, press by press and timer by timer (see the module docstring)."""

    def __init__(self, repo: IcebreakerRepository, *, join_seconds: int, rounds_per_server: int) -> None:
        self.repo = repo
        self.join_seconds = join_seconds
        self.rounds_per_server = rounds_per_server
        self.rng = random.SystemRandom()
        self._display: RoundDisplay | None = None
        self._timers: dict[int, asyncio.Task[None]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    # ------------------------------------------------------------ lifecycle

    async def attach(self, display: RoundDisplay) -> None:
        """The cog hands over its display; the rounds left open by a restart get their timers back."""
        self._display = display
        for stored in await self.repo.open_rounds():
            if stored.state.phase is Phase.JOINING and stored.deadline is None:
                # Interrupted between "round created" and "first speaker called": nothing to resume, so
                # close it (with the usual message) rather than block the channel.
                self._timers[stored.state.round_id] = asyncio.create_task(self._close_interrupted(stored.state))
                continue
            self._schedule(stored)

    def detach(self) -> None:
        """The cog is unloading: no display any more, and no timer left to fire."""
        self._display = None
        for task in self._timers.values():
            task.cancel()
        self._timers.clear()

    def _shown(self) -> RoundDisplay:
        if self._display is None:
            raise UserError("Speaking rounds are not available right now. Please try again in a moment.")
        return self._display

    async def _close_interrupted(self, state: RoundState) -> None:
        async with self._lock(state.round_id):
            stored = await self.repo.get_round(state.round_id)
            if stored is None or stored.state.is_over:
                return
            await self.repo.save_round(rounds.finish(stored.state), None, False)
            await self._shown().interrupted(stored.state.channel_id)

    # ------------------------------------------------------------ starting

    async def start(
        self,
        guild_id: int,
        channel_id: int,
        seconds: int | None,
        *,
        voice_id: int | None,
        in_voice: Sequence[int],
        post: PostIntro | None = None,
    ) -> RoundState:
        """Start a round in ``channel_id``: everyone in the meeting's voice channel (``in_voice``) gets a
        turn in random order; with nobody there, people join by button for ``join_seconds``.

        ``post`` puts the opening message on Discord (a slash command answers with it); by default the
        display posts it in the channel (the facilitator panel's round, in the meeting channel).
        """
        if await self.repo.channel_has_open_round(channel_id):
            raise UserError(ROUND_BUSY)
        most = self.rounds_per_server
        if len(await self.repo.open_rounds(guild_id)) >= most:
            raise UserError(
                f"There are already {most} speaking rounds going in this server, the most at one time. Please "
                "wait for one to finish (or ask a facilitator to end one) before starting another."
            )
        post = post or self._shown().post_intro
        prompt = await self.repo.next_prompt(guild_id, ALL_SCOPE, self.rng)
        state = await self.repo.create_round(
            guild_id, channel_id, prompt.text, seconds, voice_id if in_voice and voice_id else None
        )
        # The order is drawn before the opening message, which lists it (each speaker's one ping).
        order = list(in_voice)
        self.rng.shuffle(order)
        try:
            message_id = await post(prompt, state, order)
        except BaseException:
            # Nothing was shown, so nobody can take part: close the round rather than block the channel.
            await self.repo.save_round(rounds.finish(state), None, False)
            raise
        if order:
            return await self.transition(
                state.round_id, lambda s: rounds.begin_speaking(replace(s, message_id=message_id), tuple(order))
            )
        async with self._lock(state.round_id):
            state = replace(state, message_id=message_id)
            deadline = utcnow() + timedelta(seconds=self.join_seconds)
            await self.repo.save_round(state, deadline, False)
            self._schedule(StoredRound(state, deadline, False))
        return state

    async def round_id_for_token(self, token: int) -> int:
        """The round a button's random token names (buttons carry a token, not the cross-server row id)."""
        found = await self.repo.round_id_for_token(token)
        if found is None:
            raise UserError(ROUND_OVER)
        return found

    # ------------------------------------------------------------ the engine

    async def precheck(self, round_id: int, change: Callable[[RoundState], RoundState]) -> None:
        """Dry-run a pure transition so a refusal is the click's own reply (before it is deferred)."""
        stored = await self.repo.get_round(round_id)
        if stored is None or stored.state.is_over:
            raise UserError(ROUND_OVER)
        change(stored.state)

    def _lock(self, round_id: int) -> asyncio.Lock:
        return self._locks.setdefault(round_id, asyncio.Lock())

    async def transition(self, round_id: int, change: Callable[[RoundState], RoundState]) -> RoundState:
        """Load, apply ``change`` (which may raise ``UserError``: then nothing changes), render, save, reschedule."""
        async with self._lock(round_id):
            stored = await self.repo.get_round(round_id)
            if stored is None or stored.state.is_over:
                raise UserError(ROUND_OVER)
            old = stored.state
            new = change(old)
            if new == old:
                return old
            deadline, warned = stored.deadline, stored.warned
            if new.turn != old.turn:
                new = await self._shown().turn_changed(old, new)
                deadline = utcnow() + timedelta(seconds=new.seconds) if new.seconds and not new.is_over else None
                warned = False
            await self.repo.save_round(new, deadline, warned)
            self._schedule(StoredRound(new, deadline, warned))
            if new.is_over:
                self._locks.pop(round_id, None)
            return new

    # ------------------------------------------------------------ timers

    def _schedule(self, stored: StoredRound) -> None:
        """(Re)start the one timer task of a round from its stored deadline; cancel it if none is needed."""
        round_id = stored.state.round_id
        old = self._timers.pop(round_id, None)
        if old is not None and old is not asyncio.current_task():
            old.cancel()
        if stored.state.is_over or stored.deadline is None:
            return
        self._timers[round_id] = asyncio.create_task(self._run_timer(stored), name=f"icebreaker-round-{round_id}")

    async def _run_timer(self, stored: StoredRound) -> None:
        state = stored.state
        assert stored.deadline is not None
        try:
            left = (stored.deadline - utcnow()).total_seconds()
            if state.phase is Phase.JOINING:
                await asyncio.sleep(max(left, 0))
                await self._timed(state.round_id, state.turn, lambda s: rounds.begin_speaking(s, self._shuffled(s)))
                return
            # Sleep on the event loop's clock only after this first reading of "now", so the warning
            # and the move stay in step with each other (and with SimCord's virtual time in tests).
            if state.seconds and not stored.warned:
                warn_in = max(left - state.seconds * (1 - WARN_AT), 0)
                await asyncio.sleep(warn_in)
                await self._warn(state.round_id, state.turn)
                left -= warn_in
            await asyncio.sleep(max(left, 0))
            await self._timed(state.round_id, state.turn, lambda s: rounds.advance(s, Outcome.SPOKE))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("An icebreaker round timer failed (round %s)", state.round_id)

    def _shuffled(self, state: RoundState) -> tuple[int, ...]:
        order = list(state.order)
        self.rng.shuffle(order)
        return tuple(order)

    async def _timed(self, round_id: int, turn: int, change: Callable[[RoundState], RoundState]) -> None:
        """Apply a timer's change only if the round is still on the turn the timer was set for."""

        def guarded(state: RoundState) -> RoundState:
            return change(state) if state.turn == turn else state

        with contextlib.suppress(UserError):
            await self.transition(round_id, guarded)

    async def _warn(self, round_id: int, turn: int) -> None:
        """The gentle "time's nearly up": shown on the turn message, so nobody is pinged again."""
        async with self._lock(round_id):
            stored = await self.repo.get_round(round_id)
            if stored is None or stored.state.is_over or stored.state.turn != turn or stored.warned:
                return
            await self._shown().nearly_up(stored.state)
            await self.repo.save_round(stored.state, stored.deadline, True)
