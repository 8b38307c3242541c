"""The question buttons' Discord steps: **Me too**, the facilitators' buttons, the answer form, and
keeping the public post and the facilitators' copy in step.

Decisions are made by ``bot.questions`` (:mod:`bot.questions.service`); this module edits and replies.
Both the cog and :mod:`cogs.questions._buttons` call it with the bot, so neither needs the other (the
buttons used to look the cog up, a circle).

Keeping the two messages in step: every change redraws the public post and the facilitators' copy
(the message that was pressed is answered by editing it; the other one is edited by id). A failed
redraw is only logged: the database is the truth and the next change draws both again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.app import SOMETHING_WENT_WRONG, send_ephemeral
from bot.errors import UserError
from bot.privacy import promise
from bot.questions.service import GONE, ON_SHOW, Shown
from bot.storage.questions import Question
from cogs._shared import NO_PINGS, guild_of, require_facilitator
from cogs.questions._asking import questions_channel
from cogs.questions._render import (
    answer_form,
    answer_form_number,
    copy_embed,
    copy_view,
    form_value,
    post_link,
    question_embed,
    question_view,
    review_embed,
    vote_reply,
)

if TYPE_CHECKING:
    from bot.app import CopBot

log = logging.getLogger(__name__)

STALE_ANSWER_FORM = (
    "Sorry, I can't tell which question that answer was for. Nothing was saved; please press Write an answer again."
)


async def answer_submitted(bot: CopBot, interaction: discord.Interaction, custom_id: str, data: dict[str, Any]) -> None:
    """A submitted answer (also from a form opened before a restart): save it, show it on both messages."""
    try:
        number = answer_form_number(custom_id)
        text = form_value(list(data.get("components") or []), "answer")
        if interaction.guild is None or number is None or text is None:
            await send_ephemeral(interaction, STALE_ANSWER_FORM)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild.id
        try:
            await require_facilitator(interaction)
            await bot.questions.save_answer(guild_id, number, text)
        except UserError as error:
            await send_ephemeral(interaction, error.message)
            return
        question = await bot.questions.by_number(guild_id, number)
        if question is not None:
            await redraw(bot, question)
        # An answer to /explain can go into the glossary with one press (issue 30).
        offer = bot.glossary_offer if question is not None and question.kind == "explain" else None
        extra: dict[str, Any] = {"view": offer(number)} if offer is not None else {}
        await send_ephemeral(interaction, f"Thank you! Your answer is now shown under Question {number}.", **extra)
    except Exception:
        log.exception("Could not handle an answer form in server %s", getattr(interaction.guild, "id", None))
        await send_ephemeral(interaction, SOMETHING_WENT_WRONG)


# ------------------------------------------------------------------------------ keeping both in step


async def redraw(bot: CopBot, question: Question, *, skip: int | None = None) -> None:
    """Draw ``question``'s public post and facilitators' copy as they are now (a removed question's
    post is taken down). ``skip``: the message the caller answers itself. Failures are only logged."""
    shown = await bot.questions.shown(question)
    if question.message_id is not None and question.message_id != skip:
        post = _message(bot, question.channel_id, question.message_id)
        try:
            if post is not None and question.status in ON_SHOW:
                await post.edit(embed=question_embed(shown), view=question_view(question), allowed_mentions=NO_PINGS)
            elif post is not None and question.status == "removed":
                await post.delete()
        except discord.HTTPException:
            log.warning("Could not redraw question #%s in server %s", question.number, question.guild_id)
    if question.status != "pending" and question.review_message_id is not None and question.review_message_id != skip:
        copy = _message(bot, question.review_channel_id, question.review_message_id)
        try:
            if copy is not None and question.status in (*ON_SHOW, "removed"):
                await copy.edit(
                    embed=copy_embed(shown, post_link(question)), view=copy_view(question), allowed_mentions=NO_PINGS
                )
        except discord.HTTPException:
            log.warning("Could not redraw the copy of question #%s in server %s", question.number, question.guild_id)


def _message(bot: CopBot, channel_id: int | None, message_id: int) -> discord.PartialMessage | None:
    channel = bot.get_channel(channel_id or 0)
    return channel.get_partial_message(message_id) if isinstance(channel, discord.TextChannel) else None


async def redraw_number(bot: CopBot, guild_id: int, number: int) -> None:
    question = await bot.questions.by_number(guild_id, number)
    if question is not None:
        await redraw(bot, question)


async def _answer_with(bot: CopBot, interaction: discord.Interaction, question: Question) -> None:
    """Answer a facilitator's press by redrawing the message it was on, then the other message."""
    message = interaction.message
    shown = await bot.questions.shown(question)
    if message is not None and message.id == question.message_id:  # an old public post with every button
        if question.status in ON_SHOW:
            await interaction.response.edit_message(
                embed=question_embed(shown), view=question_view(question), allowed_mentions=NO_PINGS
            )
        else:
            await interaction.response.send_message(f"Question {question.number} was removed.", ephemeral=True)
            try:
                await message.delete()
            except discord.HTTPException:
                log.warning("Could not delete removed question #%s in server %s", question.number, question.guild_id)
    else:
        await interaction.response.edit_message(
            embed=copy_embed(shown, post_link(question)), view=copy_view(question), allowed_mentions=NO_PINGS
        )
    await redraw(bot, question, skip=message.id if message is not None else None)


# ------------------------------------------------------------------------------------------- buttons


async def on_button(bot: CopBot, interaction: discord.Interaction, action: str, ref: str) -> None:
    """A question button was pressed: **Me too** for anyone, every other one for facilitators."""
    if interaction.guild is None:
        raise UserError(GONE)
    if action != "vote":
        await require_facilitator(interaction)
    question = await bot.questions.resolve(interaction.guild.id, ref)
    await _HANDLERS[action](bot, interaction, question)


async def _vote(bot: CopBot, interaction: discord.Interaction, question: Question) -> None:
    """ "Me too": acknowledged first (a vote reads and writes the database several times, and at a
    busy hour those waits passed Discord's 3 seconds: bench_load.py), answered privately, then drawn."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    result = await bot.questions.vote(question, interaction.user.id)
    await send_ephemeral(interaction, vote_reply(result.added))
    await redraw(bot, await bot.questions.reload(question))


async def _answered(bot: CopBot, interaction: discord.Interaction, question: Question) -> None:
    await _answer_with(bot, interaction, await bot.questions.mark_answered(question))


async def _remove(bot: CopBot, interaction: discord.Interaction, question: Question) -> None:
    await _answer_with(bot, interaction, await bot.questions.remove(question))


async def _now(bot: CopBot, interaction: discord.Interaction, question: Question) -> None:
    """ "Answering now": one per server; pressed on the marked question, the mark goes."""
    previous = bot.questions.toggle_answering_now(question)
    await _answer_with(bot, interaction, question)
    if previous is not None:
        await redraw_number(bot, question.guild_id, previous)


async def _mute(bot: CopBot, interaction: discord.Interaction, question: Question) -> None:
    until = bot.questions.mute(question)
    name = f"Question {question.number}" if question.number else "this question"
    await interaction.response.send_message(
        f"Done. Whoever asked {name} can't ask anonymous questions until "
        f"{discord.utils.format_dt(until, 't')}. They are told kindly if they try. {promise.NOT_TOLD}",
        ephemeral=True,
    )


async def _write(bot: CopBot, interaction: discord.Interaction, question: Question) -> None:
    """ "Write an answer": the form, with the answer written so far (writing again replaces it)."""
    current = await bot.questions.current_answer(question)
    assert question.number is not None
    await interaction.response.send_modal(answer_form(question.number, current))


async def _approve(bot: CopBot, interaction: discord.Interaction, question: Question) -> None:
    """Post a checked question, then turn its check message into the facilitators' copy."""
    await interaction.response.defer()
    guild = guild_of(interaction)
    channel = questions_channel(guild, await bot.settings.get(guild.id))
    question = await bot.questions.approve(question)
    sent: discord.Message | None = None
    try:
        sent = await channel.send(
            embed=question_embed(Shown(question, None, False)), view=question_view(question), allowed_mentions=NO_PINGS
        )
        await bot.questions.set_post(question, channel.id, sent.id)
    except BaseException as error:
        await asyncio.shield(_unapprove(bot, question, sent))
        if not isinstance(error, Exception):
            raise
        log.warning("Could not post an approved question in server %s (%s)", guild.id, type(error).__name__)
        if isinstance(error, discord.Forbidden):
            raise UserError(
                f"Sorry, I'm not allowed to write in {channel.mention}, so the question was not posted. It is "
                "still waiting here; please check my permissions there and press Approve again."
            ) from None
        raise UserError(
            "Sorry, Discord had a problem and the question was not posted. It is still waiting here: please "
            "press Approve again in a moment."
        ) from None
    question = await bot.questions.reload(question)
    shown = await bot.questions.shown(question)
    await interaction.edit_original_response(embed=copy_embed(shown, post_link(question)), view=copy_view(question))


async def _unapprove(bot: CopBot, question: Question, sent: discord.Message | None) -> None:
    if sent is not None:
        try:
            await sent.delete()
        except Exception:
            log.warning("Could not take down a question post in server %s", question.guild_id)
    await bot.questions.unapprove(question)


async def _reject(bot: CopBot, interaction: discord.Interaction, question: Question) -> None:
    await interaction.response.defer()
    question = await bot.questions.reject(question)
    await interaction.edit_original_response(embed=review_embed(question, "Rejected: not posted"), view=None)


_HANDLERS = {
    "vote": _vote,
    "answered": _answered,
    "remove": _remove,
    "mute": _mute,
    "write": _write,
    "now": _now,
    "approve": _approve,
    "reject": _reject,
}


async def manage(bot: CopBot, interaction: discord.Interaction, ref: str) -> None:
    """ "Manage a question…" under ``/questions list``: that question's facilitator buttons, privately."""
    await require_facilitator(interaction)
    question = await bot.questions.resolve(guild_of(interaction).id, ref)
    if question.status not in ON_SHOW:
        raise UserError(GONE)
    shown = await bot.questions.shown(question)
    await interaction.response.send_message(
        embed=copy_embed(shown, post_link(question)),
        view=copy_view(question),
        ephemeral=True,
        allowed_mentions=NO_PINGS,
    )
