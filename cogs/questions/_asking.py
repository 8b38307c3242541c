"""Asking: the Discord steps of ``/ask``, ``/explain``, the question form and its buttons.

Decisions are made by ``bot.questions`` (:mod:`bot.questions.service`); this module posts and replies.

Anonymity rules kept here (see :mod:`bot.questions.anonymity` for the reasoning):

* A member's id goes to the service, which turns it into a keyed hash at once. It is never stored,
  logged, put in an exception, an embed or a message. Log lines name only servers and numbers.
* The public question is sent with ``channel.send``, not as a reply to the asker's interaction, so
  Discord shows no "X used /ask" on it; the asker only gets a private confirmation.
* Every post passes ``allowed_mentions=none`` and shows text through
  :func:`bot.questions.text.render_safe`, so nothing a member types can ping or break the layout.

Never lost, doubled or half-posted: every way of asking is acknowledged first (well inside Discord's 3
seconds), then stores and posts, then tells the asker what really happened. If posting fails in any
way, the stored question is deleted again (and a post that was made is taken down).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.app import SOMETHING_WENT_WRONG, send_ephemeral
from bot.errors import UserError
from bot.questions.service import Shown
from bot.storage.questions import Question
from bot.storage.settings import GuildSettings
from cogs._shared import NO_PINGS, drop_payload, guild_of
from cogs.questions._render import (
    asked_reply,
    copy_embed,
    copy_view,
    form_guild_id,
    form_value,
    post_link,
    question_embed,
    question_form,
    question_view,
    review_embed,
    review_view,
)

if TYPE_CHECKING:
    from bot.app import CopBot

log = logging.getLogger(__name__)

NOT_SET_UP = (
    "Anonymous questions aren't set up in this server yet: a facilitator needs to choose a questions "
    "channel with `/settings update`."
)
NOT_ALLOWED_TO_WRITE = (
    "Sorry, I couldn't pass on your question because I'm not allowed to write in {channel}, so it was not "
    "posted and nothing was kept. Please let a facilitator know."
)
DISCORD_PROBLEM = (
    "Sorry, Discord had a problem and your question was not posted; nothing was kept. Please try again in a moment."
)
NO_REVIEW_CHANNEL = (
    "Sorry, questions here are checked by a facilitator first, but I can't find their channel. "
    "Nothing was kept; please let a facilitator know."
)
STALE_FORM = (
    "Sorry, I can't tell which community that form was for. Nothing was posted; please open the form again "
    "with `/ask` or by sending me a message."
)
NOT_A_MEMBER = "Sorry, I can't post there: you don't seem to be in that community any more. Nothing was posted."


def questions_channel(guild: discord.Guild, settings: GuildSettings) -> discord.TextChannel:
    channel_id = settings.effective_questions_channel_id
    channel = guild.get_channel(channel_id) if channel_id else None
    if not isinstance(channel, discord.TextChannel):
        raise UserError(NOT_SET_UP)
    return channel


def _failure_sentence(error: BaseException, channel: discord.abc.GuildChannel) -> str:
    """What the asker is told when Discord would not take the post: the truth, in one sentence."""
    if isinstance(error, discord.Forbidden):
        return NOT_ALLOWED_TO_WRITE.format(channel=channel.mention)
    return DISCORD_PROBLEM


# -------------------------------------------------------------------------------------------- asking


async def submit(bot: CopBot, guild: discord.Guild, user_id: int, raw: str, kind: str, *, from_dm: bool) -> str:
    """Store and post (or queue for a check) one anonymous question; return the asker's confirmation.

    On any failure the stored question is deleted again and a :class:`UserError` says what happened.
    """
    service = bot.questions
    settings = await bot.settings.get(guild.id)
    channel = questions_channel(guild, settings)
    review: discord.abc.GuildChannel | None = None
    if settings.moderation and settings.facilitator_channel_id:
        review = guild.get_channel(settings.facilitator_channel_id)
        if not isinstance(review, discord.TextChannel):
            raise UserError(NO_REVIEW_CHANNEL)
    asked = await service.begin(guild.id, user_id, raw, kind, checked=review is not None)
    target = review if isinstance(review, discord.TextChannel) else channel
    sent: discord.Message | None = None
    try:
        if review is not None:
            embed, view = review_embed(asked.question), review_view(asked.question)
        else:
            embed, view = question_embed(Shown(asked.question, None, False)), question_view(asked.question)
        sent = await target.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
        await service.posted(asked, target.id, sent.id)
    except BaseException as error:
        await asyncio.shield(_undo(bot, asked.question, sent))
        if not isinstance(error, Exception):
            raise  # cancelled: the row is gone, let the cancellation go on
        log.warning("Could not post an anonymous question in server %s (%s)", guild.id, type(error).__name__)
        raise UserError(_failure_sentence(error, target)) from None
    if review is None:
        await post_copy(bot, guild, await service.reload(asked.question), settings)
    where = f"{channel.mention} in {discord.utils.escape_markdown(guild.name)}" if from_dm else channel.mention
    return asked_reply(where, waiting=review is not None, meeting_open=bot.meeting_sessions.is_open(guild.id))


async def _undo(bot: CopBot, question: Question, sent: discord.Message | None) -> None:
    """Take back a half-made question: its row, and its message if one was posted."""
    await bot.questions.undo(question)
    if sent is not None:
        try:
            await sent.delete()
        except Exception:  # nothing more can be done; the row is gone either way
            log.warning("Could not take down a question post in server %s", question.guild_id)


async def post_copy(bot: CopBot, guild: discord.Guild, question: Question, settings: GuildSettings) -> None:
    """The facilitators' copy of a posted question, in the facilitator channel. Without one (or if
    Discord refuses), facilitators reach the same buttons privately from ``/questions list``."""
    channel = guild.get_channel(settings.facilitator_channel_id) if settings.facilitator_channel_id else None
    if not isinstance(channel, discord.TextChannel):
        return
    shown = await bot.questions.shown(question)
    try:
        sent = await channel.send(
            embed=copy_embed(shown, post_link(question)), view=copy_view(question), allowed_mentions=NO_PINGS
        )
        await bot.questions.set_copy(question, channel.id, sent.id)
    except discord.HTTPException:
        log.warning("Could not post the facilitators' copy of question #%s in server %s", question.number, guild.id)


async def ask_from_interaction(
    bot: CopBot, interaction: discord.Interaction, raw: str, *, kind: str, guild: discord.Guild | None = None
) -> None:
    """Acknowledge first, then store and post, then tell the asker what really happened."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)
    reply = await _posted(bot, interaction, raw, kind, guild)
    del raw  # posted: from here nothing holds the question beside the asker (the reply names neither)
    await send_ephemeral(interaction, reply)


async def _posted(
    bot: CopBot, interaction: discord.Interaction, raw: str, kind: str, guild: discord.Guild | None
) -> str:
    """Store and post one question; the asker's confirmation, or the sentence saying why not."""
    guild = guild or guild_of(interaction)
    try:
        return await submit(bot, guild, interaction.user.id, raw, kind, from_dm=interaction.guild is None)
    except UserError as error:
        return error.message


async def open_form(bot: CopBot, interaction: discord.Interaction, guild: discord.Guild) -> None:
    """The question form for ``guild`` (``/ask``, **Ask without your name**, the DM button)."""
    questions_channel(guild, await bot.settings.get(guild.id))
    await interaction.response.send_modal(question_form(guild.id, bot.config.questions.max_length))


async def is_member(guild: discord.Guild, interaction: discord.Interaction) -> bool:
    """Whether the person behind ``interaction`` is in ``guild`` (asked from a DM, it is checked)."""
    if interaction.guild is not None and interaction.guild.id == guild.id:
        return True
    if guild.get_member(interaction.user.id) is not None:
        return True
    try:
        await guild.fetch_member(interaction.user.id)
    except discord.NotFound:
        return False
    return True


async def question_submitted(
    bot: CopBot, interaction: discord.Interaction, custom_id: str, data: dict[str, Any]
) -> None:
    """A submitted question form, also one opened before a restart."""
    try:
        guild_id = form_guild_id(custom_id)
        guild = bot.get_guild(guild_id) if guild_id is not None else None
        text = form_value(list(data.get("components") or []), "question")
        drop_payload(interaction)  # the form is read: neither discord.py nor the caller keeps it now
        if guild is None or text is None:
            await send_ephemeral(interaction, STALE_FORM)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not await is_member(guild, interaction):
            await send_ephemeral(interaction, NOT_A_MEMBER)
            return
        reply = await _posted(bot, interaction, text, "question", guild)
        del text  # posted: nothing holds the question beside the asker while the reply goes out
        await send_ephemeral(interaction, reply)
    except Exception:
        log.exception("Could not handle a question form in server %s", getattr(interaction.guild, "id", None))
        await send_ephemeral(interaction, SOMETHING_WENT_WRONG)
