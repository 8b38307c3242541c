"""The anonymous-questions cog: a thin adapter between Discord and :mod:`bot.questions`.

Anonymity rules this module keeps (see :mod:`bot.questions.anonymity` for the reasoning):

* A member's id is used for exactly one thing: it is turned into a secret-keyed hash at once.
  It is never stored, logged, put in an exception, an embed or a message.
* The public question is sent by the bot with ``channel.send``, not as a reply to the asker's
  interaction, so Discord shows no "X used /ask" on it. The asker only gets a private
  (ephemeral) confirmation.
* Every post passes ``allowed_mentions=none`` and shows the text through
  :func:`bot.questions.text.render_safe`, so nothing a member types can ping or break the layout.
* Nothing here logs interactions or users; log lines name only servers and question ids.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.errors import UserError
from bot.questions.anonymity import AnonymityKeys, AskerMemory, MuteList, RateLimiter
from bot.questions.export import questions_csv
from bot.questions.text import clean_question, preview, unrender_safe
from bot.storage.questions import Question, QuestionRepository
from bot.storage.settings import GuildSettings
from bot.text_limits import MESSAGE, fit_lines
from cogs._shared import NO_PINGS, HelpSection, facilitator_only, guild_of, require_facilitator
from cogs.questions._views import (
    DYNAMIC_ITEMS,
    AskModal,
    dm_preview_embed,
    dm_view,
    question_embed,
    question_view,
    review_embed,
    review_view,
)

log = logging.getLogger(__name__)

NOT_SET_UP = (
    "Anonymous questions aren't set up in this server yet: a facilitator needs to choose a questions "
    "channel with `/settings update`."
)
COULD_NOT_POST = (
    "Sorry, I couldn't pass on your question because I'm not allowed to write in {channel}, so nothing "
    "was saved. Please let a facilitator know."
)
NO_SHARED_SERVER = (
    "Hello! I pass on anonymous questions for the communities I help run, but I can't find one that "
    "you and I are both in and that has questions set up. If you think this is a mistake, please let a "
    "facilitator know."
)


class QuestionsCog(commands.Cog, name="Questions"):
    """``/ask``, ``/explain``, ``/questions list|export``, the DM path and the question buttons."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=30,
        title="Ask without giving your name",
        lines=(
            "`/ask` opens a small form: type your question and it appears in the questions channel as "
            '"Question #N". Nobody, not even the people who run copbot, can see who asked.',
            "`/explain` asks for a plain-language explanation of a word or phrase, in the same anonymous way.",
            "You can also send me a direct message: I show you a preview and post it only when you press "
            '"Post anonymously".',
            'Press "Me too" under a question you would like answered as well (press again to take it back).',
        ),
        facilitator_lines=(
            '`/questions list` shows the open questions, most "Me too" first. `/questions export` gives a '
            "spreadsheet (CSV) of the questions.",
            'Under each question: "Answered", "Remove", and "Mute this asker for the rest of the meeting". '
            "With moderation on (`/settings update moderation:`), questions wait in the facilitator channel "
            'for "Approve" or "Reject".',
        ),
    )

    questions = app_commands.Group(
        name="questions", description="See or export the anonymous questions (facilitators)", guild_only=True
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.repo = QuestionRepository(bot.db)
        config = bot.config.questions
        # A fresh secret per process (never stored): see bot/questions/anonymity.py for why.
        self.keys = AnonymityKeys()
        self.rate_limiter = RateLimiter(config.rate_limit_count, timedelta(minutes=config.rate_limit_minutes))
        self.mutes = MuteList(timedelta(hours=config.mute_hours))
        self.askers = AskerMemory()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    # ------------------------------------------------------------------------------ asking

    def _questions_channel(self, guild: discord.Guild, settings: GuildSettings) -> discord.TextChannel:
        channel_id = settings.effective_questions_channel_id
        channel = guild.get_channel(channel_id) if channel_id else None
        if not isinstance(channel, discord.TextChannel):
            raise UserError(NOT_SET_UP)
        return channel

    async def submit(self, guild: discord.Guild, user_id: int, raw: str, kind: str) -> str:
        """Store and post (or queue) one anonymous question; return the asker's confirmation.

        ``user_id`` is only ever turned into the keyed hash; it goes nowhere else.
        """
        limit = self.bot.config.questions.max_length
        text = clean_question(raw, limit, what="question" if kind == "question" else "word or phrase")
        settings = await self.bot.settings.get(guild.id)
        channel = self._questions_channel(guild, settings)
        asker = self.keys.asker(guild.id, user_id)
        self.mutes.check(asker)
        self.rate_limiter.check(asker)
        review_channel = None
        if settings.moderation and settings.facilitator_channel_id:
            review_channel = guild.get_channel(settings.facilitator_channel_id)
            if not isinstance(review_channel, discord.TextChannel):
                raise UserError(
                    "Sorry, questions here are checked by a facilitator first, but I can't find their channel. "
                    "Nothing was saved; please let a facilitator know."
                )
        question = await self.repo.create(guild.id, kind, text, pending=review_channel is not None)
        try:
            if review_channel is not None:
                message = await review_channel.send(
                    embed=review_embed(question), view=review_view(question), allowed_mentions=NO_PINGS
                )
                await self.repo.set_review_message(question.id, review_channel.id, message.id)
            else:
                question = await self._post(channel, question)
        except discord.HTTPException:
            await self.repo.delete(question.id)
            log.warning("Could not post an anonymous question in server %s", guild.id)
            target = review_channel if review_channel is not None else channel
            raise UserError(COULD_NOT_POST.format(channel=target.mention)) from None
        self.rate_limiter.record(asker)
        self.askers.remember(question.id, asker)
        if review_channel is not None:
            return (
                "Thank you! Your question is waiting for a facilitator to check it. Once they approve it, it "
                f"will appear in {channel.mention}. Nobody can see who asked."
            )
        return (
            f"Thank you! Your question was posted anonymously as **Question #{question.number}** in "
            f"{channel.mention}. Nobody can see who asked."
        )

    async def _post(self, channel: discord.TextChannel, question: Question) -> Question:
        """Send the public post as the bot itself (no interaction attached) and remember where it is."""
        message = await channel.send(
            embed=question_embed(question), view=question_view(question), allowed_mentions=NO_PINGS
        )
        await self.repo.set_message(question.id, channel.id, message.id)
        return await self.repo.get(question.id)

    async def ask_from_interaction(self, interaction: discord.Interaction, raw: str, *, kind: str) -> None:
        guild = guild_of(interaction)
        confirmation = await self.submit(guild, interaction.user.id, raw, kind)
        await interaction.response.send_message(confirmation, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="ask", description="Ask a question anonymously: nobody will see it was you")
    @app_commands.guild_only()
    async def ask(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        self._questions_channel(guild, await self.bot.settings.get(guild.id))
        await interaction.response.send_modal(AskModal(self.bot.config.questions.max_length))

    @app_commands.command(name="explain", description="Anonymously ask for a word or phrase to be explained simply")
    @app_commands.describe(term="The word or phrase you would like explained in plain language")
    @app_commands.guild_only()
    async def explain(self, interaction: discord.Interaction, term: str) -> None:
        await self.ask_from_interaction(interaction, term, kind="explain")

    # ------------------------------------------------------------------------------ the DM path

    async def _shared_guilds(self, user_id: int) -> list[discord.Guild]:
        """Servers this person is in where questions are set up, by name."""
        found = []
        for guild in self.bot.guilds:
            if guild.get_member(user_id) is None:
                continue
            settings = await self.bot.settings.get(guild.id)
            if settings.effective_questions_channel_id is not None:
                found.append(guild)
        return sorted(found, key=lambda g: (g.name.lower(), g.id))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A DM to the bot becomes a private preview with a "Post anonymously" button."""
        if message.guild is not None or message.author.bot:
            return
        guilds = await self._shared_guilds(message.author.id)
        try:
            if not guilds:
                await message.channel.send(NO_SHARED_SERVER)
                return
            try:
                text = clean_question(message.content, self.bot.config.questions.max_length)
            except UserError as error:
                await message.channel.send(error.message, allowed_mentions=NO_PINGS)
                return
            where = "Press the button to post it." if len(guilds) == 1 else "Choose the community to post it in."
            await message.channel.send(
                "Here is how your question will look. Nothing has been posted yet, and nobody will see that "
                f"it was you. {where}",
                embed=dm_preview_embed(text),
                view=dm_view(guilds),
                allowed_mentions=NO_PINGS,
            )
        except discord.HTTPException:
            log.info("Could not answer a direct message")

    async def post_from_dm(self, interaction: discord.Interaction, guild_id: int) -> None:
        """The member pressed "Post anonymously": post the text shown in the preview they pressed it on."""
        guild = self.bot.get_guild(guild_id)
        if guild is None or guild.get_member(interaction.user.id) is None:
            raise UserError("Sorry, I can't post there: you don't seem to be in that community any more.")
        message = interaction.message
        if message is None or not message.embeds or not message.embeds[0].description:
            raise UserError("Sorry, I can't read that preview any more. Please send me your question again.")
        text = unrender_safe(message.embeds[0].description)
        confirmation = await self.submit(guild, interaction.user.id, text, "question")
        await interaction.response.edit_message(content=confirmation, view=None, allowed_mentions=NO_PINGS)

    # ------------------------------------------------------------------------------ buttons

    async def _own_question(self, interaction: discord.Interaction, question_id: int) -> Question:
        question = await self.repo.get(question_id)
        if interaction.guild is None or question.guild_id != interaction.guild.id:
            raise UserError("Sorry, I can't find that question any more.")
        return question

    async def vote(self, interaction: discord.Interaction, question_id: int) -> None:
        question = await self._own_question(interaction, question_id)
        await self.repo.toggle_vote(question.id, self.keys.vote(question.guild_id, question.id, interaction.user.id))
        question = await self.repo.get(question.id)
        await interaction.response.edit_message(
            embed=question_embed(question), view=question_view(question), allowed_mentions=NO_PINGS
        )

    async def mark_answered(self, interaction: discord.Interaction, question_id: int) -> None:
        await require_facilitator(interaction)
        question = await self._own_question(interaction, question_id)
        question = await self.repo.set_status(question.id, "answered", allowed_from=("open",))
        await interaction.response.edit_message(
            embed=question_embed(question), view=question_view(question), allowed_mentions=NO_PINGS
        )

    async def remove(self, interaction: discord.Interaction, question_id: int) -> None:
        await require_facilitator(interaction)
        question = await self._own_question(interaction, question_id)
        question = await self.repo.set_status(question.id, "removed", allowed_from=("open", "answered"))
        await interaction.response.send_message(f"Question #{question.number} was removed.", ephemeral=True)
        if interaction.message is not None:
            try:
                await interaction.message.delete()
            except discord.HTTPException:
                log.warning("Could not delete removed question %s in server %s", question.id, question.guild_id)

    async def mute(self, interaction: discord.Interaction, question_id: int) -> None:
        await require_facilitator(interaction)
        question = await self._own_question(interaction, question_id)
        key = self.askers.key_for(question.id)
        if key is None:
            raise UserError(
                "Sorry, I can't mute whoever asked that one: it was asked before copbot last restarted, and "
                "copbot keeps no record of who asks."
            )
        until = self.mutes.mute(key)
        name = f"Question #{question.number}" if question.number else "this question"
        await interaction.response.send_message(
            f"Done. Whoever asked {name} can't ask anonymous questions until "
            f"{discord.utils.format_dt(until, 't')}. They are told kindly if they try; nobody learns who they are.",
            ephemeral=True,
        )

    async def approve(self, interaction: discord.Interaction, question_id: int) -> None:
        await require_facilitator(interaction)
        question = await self._own_question(interaction, question_id)
        guild = guild_of(interaction)
        channel = self._questions_channel(guild, await self.bot.settings.get(guild.id))
        question = await self.repo.approve(question.id)
        try:
            question = await self._post(channel, question)
        except discord.HTTPException:
            await self.repo.return_to_pending(question.id)
            raise UserError(
                f"Sorry, I couldn't post in {channel.mention}; please check my permissions there."
            ) from None
        await interaction.response.edit_message(
            embed=review_embed(question, f"Approved: posted as Question #{question.number}"), view=None
        )

    async def reject(self, interaction: discord.Interaction, question_id: int) -> None:
        await require_facilitator(interaction)
        question = await self._own_question(interaction, question_id)
        question = await self.repo.set_status(question.id, "rejected", allowed_from=("pending",))
        await interaction.response.edit_message(embed=review_embed(question, "Rejected: not posted"), view=None)

    # ------------------------------------------------------------------------------ facilitators

    @questions.command(name="list", description='Open questions, most "Me too" first (facilitators)')
    @facilitator_only()
    async def list_questions(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        open_questions = await self.repo.open_by_votes(guild.id)
        waiting = len(await self.repo.list(guild.id, ("pending",)))
        head = f"**Open questions** ({len(open_questions)})" if open_questions else "There are no open questions."
        lines = []
        for q in open_questions:
            votes = "1 vote" if q.votes == 1 else f"{q.votes} votes"
            kind = "Explain: " if q.kind == "explain" else ""
            lines.append(f"**#{q.number}** ({votes}) {kind}{preview(q.text, 150)}")
        foot = ""
        if waiting:
            foot = (
                "1 more is waiting for a facilitator to approve it in the facilitator channel."
                if waiting == 1
                else f"{waiting} more are waiting for a facilitator to approve them in the facilitator channel."
            )
        # Every line counts, the waiting line and the "…and N more" line too (DESIGN: 2,000 characters).
        text = fit_lines(
            lines,
            MESSAGE,
            head=head,
            foot=foot,
            more=lambda n: f"…and {n} more. `/questions export` has them all.",
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @questions.command(name="export", description="Download the questions as a spreadsheet file (facilitators)")
    @facilitator_only()
    async def export(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        rows = await self.repo.list(guild.id, ("open", "answered", "pending"))
        data = questions_csv(rows).encode("utf-8-sig")
        await interaction.response.send_message(
            f"Here are this server's {len(rows)} questions (removed and rejected ones are left out).",
            file=discord.File(io.BytesIO(data), filename="questions.csv"),
            ephemeral=True,
        )


__all__ = ["QuestionsCog"]
