"""What a speaking round shows on Discord: :class:`bot.icebreakers.service.RoundDisplay`, for real.

The service decides (whose turn, when time is nearly up); this posts and edits the round's messages
in its channel. Member-facing words are short, say each thing once and carry no decorative emoji.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import discord

from bot.app import CopBot
from bot.errors import UserError
from bot.icebreakers import round as rounds
from bot.icebreakers.bank import Prompt
from bot.icebreakers.round import Phase, RoundState
from cogs._shared import NO_PINGS
from cogs.icebreakers._views import join_view, turn_view

log = logging.getLogger(__name__)

INTERRUPTED = (
    "Sorry, the speaking round stopped before it could start, so it is closed. A facilitator can start a new one."
)
NEARLY_UP = "\nTime's nearly up. No rush, finish your thought."


def prompt_line(prompt: Prompt, label: str) -> str:
    """An icebreaker as members see it: its kind and the question (its number is for facilitators' lists)."""
    return f"**Icebreaker: {label}**\n> {prompt.text}"


def people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def round_intro(prompt: Prompt, label: str, state: RoundState, *, voice: str | None, join_seconds: int) -> str:
    """The round's opening message: the question, and how turns work (by voice, or by joining)."""
    timing = f" Each person has about {state.seconds} seconds." if state.seconds else ""
    intro = f"**Speaking round**\n{prompt_line(prompt, label)}\n\n"
    if voice is not None:
        return intro + (
            f"Everyone in {voice} gets a turn, one at a time, in random order.{timing} "
            "You can always press **Pass**: no need to explain."
        )
    return intro + (
        f"Would you like to take part? Press **Join the round** in the next {join_seconds} seconds. "
        f"Then everyone who joined gets a turn, one at a time, in random order.{timing} "
        "You can always press **Pass** when it is your turn."
    )


def thank_you(state: RoundState) -> str:
    if not state.outcomes:
        if not state.order:
            return "Nobody joined the round this time, and that is fine. Maybe next time!"
        return "The round has ended. Thank you, everyone!"
    text = f"Thank you, everyone! {people(state.spoke)} spoke in this round."
    if state.passed:
        text += f" {people(state.passed)} chose to pass, which is always fine."
    return text


class RoundMessages:
    """:class:`bot.icebreakers.service.RoundDisplay` on Discord: every round's messages, in its channel."""

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    def _channel(self, channel_id: int) -> discord.abc.Messageable | None:
        channel = self.bot.get_channel(channel_id)
        return channel if isinstance(channel, discord.abc.Messageable) else None

    async def post_intro(self, prompt: Prompt, state: RoundState, joining: bool) -> int:
        """The opening message posted in the round's channel (the facilitator panel's round)."""
        channel = self._channel(state.channel_id)
        if channel is None:
            raise UserError("I can't find the channel for the speaking round. Please check the meeting channel.")
        voice = f"<#{state.voice_channel_id}>" if state.voice_channel_id else None
        label = self.bot.rounds.repo.bank.label(prompt.category)
        text = round_intro(prompt, label, state, voice=voice, join_seconds=self.bot.config.icebreakers.join_seconds)
        extra = {"view": join_view(state.round_id)} if joining else {}
        try:
            message = await channel.send(text, allowed_mentions=NO_PINGS, **extra)  # type: ignore[arg-type]
        except discord.HTTPException:
            log.warning("Could not post a speaking round in %s", state.channel_id, exc_info=True)
            raise UserError(
                "I couldn't post the speaking round in the meeting channel. Please check my permissions."
            ) from None
        return message.id

    async def turn_changed(self, old: RoundState, new: RoundState) -> RoundState:
        """Tidy the old messages' buttons, then call the next speaker or say thank you."""
        await self.bot.wait_until_ready()
        channel = self._channel(new.channel_id)
        if channel is None:
            return rounds.finish(new)
        if old.phase is Phase.JOINING and new.message_id and new.voice_channel_id is None:
            closed = f"\n\n*Joining has closed: {people(len(new.order))} joined.*"
            await self._edit(channel, new.message_id, suffix=closed)
        if old.turn_message_id:
            await self._edit(channel, old.turn_message_id)
        speaker = new.current_speaker
        if speaker is not None:
            timing = f" You have about {new.seconds} seconds." if new.seconds else ""
            message = await channel.send(
                f"<@{speaker}>, your turn!{timing} Press **Next** when you have finished, "
                "or **Pass** if you would rather not say anything this time.",
                view=turn_view(new.round_id, new.turn),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[discord.Object(speaker)], replied_user=False
                ),
            )
            return _with_turn_message(new, message.id)
        await channel.send(thank_you(new), allowed_mentions=NO_PINGS)
        return _with_turn_message(new, None)

    async def nearly_up(self, state: RoundState) -> None:
        """Added to the turn message, so nobody is pinged again."""
        await self.bot.wait_until_ready()
        channel = self._channel(state.channel_id)
        if channel is None or not state.turn_message_id:
            return
        try:
            message = await channel.fetch_message(state.turn_message_id)
            await message.edit(content=message.content + NEARLY_UP, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.info("Could not add the time warning to icebreaker message %s", state.turn_message_id)

    async def interrupted(self, channel_id: int) -> None:
        await self.bot.wait_until_ready()
        channel = self._channel(channel_id)
        if channel is not None:
            try:
                await channel.send(INTERRUPTED, allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.info("Could not say that round in %s was closed", channel_id)

    async def _edit(self, channel: discord.abc.Messageable, message_id: int, *, suffix: str | None = None) -> None:
        """Take the buttons off an old message; a message someone deleted is simply skipped."""
        try:
            message = await channel.fetch_message(message_id)
            if suffix:
                await message.edit(content=message.content + suffix, view=None, allowed_mentions=NO_PINGS)
            else:
                await message.edit(view=None, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.info("Could not tidy icebreaker message %s", message_id)


def _with_turn_message(state: RoundState, message_id: int | None) -> RoundState:
    return replace(state, turn_message_id=message_id)
