"""What a speaking round shows on Discord: :class:`bot.icebreakers.service.RoundDisplay`, for real.

The service decides (whose turn, when time is nearly up); this posts and edits the round's message in
its channel. A round is **one message**, edited in place at every turn (whose turn it is, with **Next**
and **Pass** under it) and ending with the thank-you: edits notify nobody, so a round of 15 costs the
channel one post instead of 17. Each speaker is pinged once, when the round begins (the message lists
the order and mentions everyone in it); a round people join with a button pings nobody, since they
chose to take part. Member-facing words are short, say each thing once and carry no decorative emoji.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import discord

from bot.app import CopBot
from bot.errors import UserError
from bot.icebreakers import round as rounds
from bot.icebreakers.bank import Prompt
from bot.icebreakers.round import Phase, RoundState
from bot.questions.text import render_safe
from bot.text_limits import MESSAGE, fit
from cogs._shared import NO_PINGS
from cogs.icebreakers._views import join_view, turn_view

log = logging.getLogger(__name__)

INTERRUPTED = (
    "Sorry, the speaking round stopped before it could start, so it is closed. A facilitator can start a new one."
)
NEARLY_UP = "\nTime's nearly up. No rush, finish your thought."
#: Between a round message's fixed head (the question, how it works) and the part each turn rewrites:
#: an invisible separator on a line of its own, which no typed prompt carries.
STATUS_MARK = "\n\u2063\n"
#: Characters of the round message given to the order of speakers (the rest is the question and status).
ORDER_SHOWN = 900


def shown(text: str) -> str:
    """An icebreaker's text as Discord should show it: literally. Facilitators can add their own, so a
    masked link (``[text](https://…)``), a mention or any formatting in one is shown as typed, never as a
    link or a ping in a post from the bot (the same escaping as questions: :func:`render_safe`)."""
    return render_safe(text)


def prompt_line(prompt: Prompt, label: str) -> str:
    """An icebreaker as members see it: its kind and the question (its number is for facilitators' lists)."""
    return f"**Icebreaker: {label}**\n> {shown(prompt.text)}"


def people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def order_line(order: Sequence[int]) -> tuple[str, list[int]]:
    """ "The order: @A, @B, …" within :data:`ORDER_SHOWN` characters, and the people it mentions (at most
    100, Discord's limit on pings in one message); in a very large round the rest are not listed."""
    shown: list[int] = []
    length = 0
    for user_id in order[:100]:
        mention = f"<@{user_id}>"
        if length + len(mention) + 2 > ORDER_SHOWN:
            break
        shown.append(user_id)
        length += len(mention) + 2
    more = len(order) - len(shown)
    line = "The order: " + ", ".join(f"<@{u}>" for u in shown) + (f" and {more} more." if more else ".")
    return line, shown


def pinging(user_ids: Sequence[int]) -> discord.AllowedMentions:
    return discord.AllowedMentions(
        everyone=False, roles=False, users=[discord.Object(u) for u in user_ids], replied_user=False
    )


def round_intro(
    prompt: Prompt, label: str, state: RoundState, order: Sequence[int], *, join_seconds: int
) -> tuple[str, discord.AllowedMentions, dict[str, discord.ui.View]]:
    """The round's opening message, the mentions it may ping and its buttons: with speakers (``order``),
    everyone in the voice channel is listed in turn order and pinged this once; else **Join the round**."""
    timing = f" Each person has about {state.seconds} seconds." if state.seconds else ""
    intro = f"**Speaking round**\n{prompt_line(prompt, label)}\n\n"
    if order:
        shown, called = order_line(order)
        text = intro + (
            f"Everyone in <#{state.voice_channel_id}> gets a turn, one at a time, in random order.{timing} "
            f"You can always press **Pass**: no need to explain.\n{shown}"
        )
        return text, pinging(called), {}
    text = intro + (
        f"Would you like to take part? Press **Join the round** in the next {join_seconds} seconds. "
        f"Then everyone who joined gets a turn, one at a time, in random order.{timing} "
        "You can always press **Pass** when it is your turn."
    )
    return text, NO_PINGS, {"view": join_view(state)}


def turn_text(state: RoundState) -> str:
    timing = f" You have about {state.seconds} seconds." if state.seconds else ""
    return (
        f"**Turn {state.position + 1} of {len(state.order)}:** <@{state.current_speaker}>, your turn!{timing} "
        "Press **Next** when you have finished, or **Pass** if you would rather not say anything this time."
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

    async def post_intro(self, prompt: Prompt, state: RoundState, order: Sequence[int]) -> int:
        """The opening message posted in the round's channel (the facilitator panel's round)."""
        channel = self._channel(state.channel_id)
        if channel is None:
            raise UserError("I can't find the channel for the speaking round. Please check the meeting channel.")
        label = self.bot.rounds.repo.bank.label(prompt.category)
        text, mentions, extra = round_intro(prompt, label, state, order, join_seconds=self.bot.rounds.join_seconds)
        try:
            message = await channel.send(text, allowed_mentions=mentions, **extra)  # type: ignore[arg-type]
        except discord.HTTPException:
            log.warning("Could not post a speaking round in %s", state.channel_id, exc_info=True)
            raise UserError(
                "I couldn't post the speaking round in the meeting channel. Please check my permissions."
            ) from None
        return message.id

    async def turn_changed(self, old: RoundState, new: RoundState) -> RoundState:
        """Rewrite the round's one message for the new turn (or the thank-you): an edit, not a new post."""
        await self.bot.wait_until_ready()
        channel = self._channel(new.channel_id)
        if channel is None or new.message_id is None:
            return rounds.finish(new)
        speaker = new.current_speaker
        status = thank_you(new) if speaker is None else turn_text(new)
        if old.phase is Phase.JOINING and new.voice_channel_id is None:
            status = f"*Joining has closed: {people(len(new.order))} joined.*\n{status}"
        view = turn_view(new) if speaker is not None else None
        await self._rewrite(channel, new.message_id, status, view)
        return _with_turn_message(new, new.message_id if speaker is not None else None)

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

    async def _rewrite(
        self, channel: discord.abc.Messageable, message_id: int, status: str, view: discord.ui.View | None
    ) -> None:
        """Keep the round message's head, put ``status`` under it; a message someone deleted is skipped."""
        try:
            message = await channel.fetch_message(message_id)
            head = message.content.split(STATUS_MARK, 1)[0]
            content = fit(head, MESSAGE - len(STATUS_MARK) - len(status)) + STATUS_MARK + status
            await message.edit(content=content, view=view, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.info("Could not update icebreaker round message %s", message_id)


def _with_turn_message(state: RoundState, message_id: int | None) -> RoundState:
    return replace(state, turn_message_id=message_id)
