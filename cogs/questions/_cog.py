"""The anonymous-questions cog: a thin adapter between Discord and :mod:`bot.questions`.

Anonymity rules this module keeps (see :mod:`bot.questions.anonymity` for the reasoning):

* A member's id is used for exactly one thing: it is turned into a secret-keyed hash at once.
  It is never stored, logged, put in an exception, an embed or a message.
* The public question is sent by the bot with ``channel.send``, not as a reply to the asker's
  interaction, so Discord shows no "X used /ask" on it. The asker only gets a private
  (ephemeral) confirmation.
* A DM chat can be read by whoever holds the bot's token, so nothing the bot writes in a DM names
  a question: a DM gets an explanation and an "Ask anonymously" button that opens the same form as
  ``/ask``; what was typed in the DM is never posted, and the confirmation of a question asked
  from a DM gives neither its text nor its number.
* Every post passes ``allowed_mentions=none`` and shows the text through
  :func:`bot.questions.text.render_safe`, so nothing a member types can ping or break the layout.
* Nothing here logs interactions or users; log lines name only servers and question numbers.

Never lost, doubled or half-posted: every way of asking answers the interaction first (a defer,
well inside Discord's 3 seconds), then stores and posts, then tells the asker what really
happened. If posting fails in any way, the stored question is deleted again (and a post that was
made is taken down); at start-up, questions left without their post by a crash are removed.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import timedelta
from typing import Any, ClassVar

import discord
from apscheduler.triggers.date import DateTrigger
from discord import app_commands
from discord.ext import commands

from bot.app import SOMETHING_WENT_WRONG, CopBot, send_ephemeral
from bot.clock import utcnow
from bot.errors import UserError
from bot.privacy import promise
from bot.questions.anonymity import MeetingMemory
from bot.questions.export import questions_csv
from bot.questions.text import clean_answer, clean_question, preview
from bot.storage.question_answers import MAX_ANSWER, QuestionAnswerRepository
from bot.storage.questions import Question, QuestionRepository
from bot.storage.settings import GuildSettings
from bot.text_limits import MESSAGE, fit_lines
from cogs._shared import NO_PINGS, HelpSection, drop_payload, facilitator_only, guild_of, require_facilitator
from cogs.questions._views import (
    DYNAMIC_ITEMS,
    answer_form,
    answer_form_number,
    dm_view,
    form_guild_id,
    form_value,
    question_embed,
    question_form,
    question_view,
    review_embed,
    review_view,
)

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
NO_SHARED_SERVER = (
    "Hello! I pass on anonymous questions for the communities I help run, but I can't find one that "
    "you and I are both in and that has questions set up. If you think this is a mistake, please let a "
    "facilitator know."
)
DM_EXPLANATION = (
    "Hello! To ask a question without your name, press **{button}** below and type it in the form that opens. "
    f"{promise.KEEPS_NOTHING}\n\n"
    f"{' '.join(promise.DIRECT_MESSAGES)} I never post what you type in this chat. The message you just sent "
    "stays here until you delete it (hover over it, or press and hold, and choose Delete)."
)
DM_LIMIT = (
    "Thank you for your messages! You have sent me quite a few this hour, so I'll answer again in about "
    "an hour. To ask a question, press an **Ask anonymously** button above."
)
STALE_FORM = (
    "Sorry, I can't tell which community that form was for. Nothing was posted; please open the form again "
    "with `/ask` or by sending me a message."
)
NOT_A_MEMBER = "Sorry, I can't post there: you don't seem to be in that community any more. Nothing was posted."
LEGACY_GONE = "Sorry, I can't find that question any more."
STALE_ANSWER_FORM = (
    "Sorry, I can't tell which question that answer was for. Nothing was saved; please press Write an answer again."
)


def _failure_sentence(error: BaseException, channel: discord.abc.GuildChannel) -> str:
    """What the asker is told when Discord would not take the post: the truth, in one sentence."""
    if isinstance(error, discord.Forbidden):
        return NOT_ALLOWED_TO_WRITE.format(channel=channel.mention)
    return DISCORD_PROBLEM


class QuestionsCog(commands.Cog, name="Questions"):
    """``/ask``, ``/explain``, ``/questions list|export``, the DM path and the question buttons."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=30,
        title="Ask without giving your name",
        lines=(
            "`/ask` opens a small form: type your question and it appears in the questions channel as "
            f'"Question #N", without your name. {promise.KEEPS_NOTHING} {promise.ANY_BOT} {promise.TRUST}',
            "`/explain` asks for a plain-language explanation of a word or phrase, in the same way.",
            'You can also send me a direct message: I answer with an "Ask anonymously" button that opens the '
            "same form. I never post what you type in a direct message, and it stays in the chat until you "
            f"delete it. {' '.join(promise.DIRECT_MESSAGES)}",
            'Press "Me too" under a question you would like answered as well (press again to take it back).',
        ),
        facilitator_lines=(
            '`/questions list` shows the open questions, most "Me too" first. `/questions export` gives a '
            "spreadsheet (CSV) of the questions.",
            'Under each question: "Answered", "Remove", "Mute this asker for the rest of the meeting", '
            '"Write an answer" (shown under the question) and "Answering now" (marks the one being discussed). '
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
        self.answers = QuestionAnswerRepository(bot.db)
        # Server id → the number of the question marked "Answering now". Memory only: it is not
        # personal data, and it is dropped when that question is answered or removed and at /meeting end.
        self.answering_now: dict[int, int] = {}
        config = bot.config.questions
        # Fresh secrets per process (never stored), memory that forgets after the mute window:
        # see bot/questions/anonymity.py for why.
        self.memory = MeetingMemory(
            rate_limit_count=config.rate_limit_count,
            rate_limit_window=timedelta(minutes=config.rate_limit_minutes),
            mute_window=timedelta(hours=config.mute_hours),
            dms_per_hour=bot.config.limits.dms_per_hour,
        )
        self._job_id = f"questions:forget:{id(self)}"

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.reconcile()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        if self.bot.scheduler.get_job(self._job_id) is not None:
            self.bot.scheduler.remove_job(self._job_id)

    # ------------------------------------------------------------------------------ memory

    def forget_meeting_state(self, guild_id: int | None = None) -> None:
        """Forget the rate limit, mutes, DM counts and every question → asker link, and wipe the vote
        secret of ``guild_id`` (for ``/meeting end``; ``None``: every server's)."""
        self.memory.forget_meeting_state(guild_id)
        self._rearm()

    @commands.Cog.listener()
    async def on_meeting_ended(self, guild_id: int) -> None:
        """``/meeting end`` (or the panel, or the auto-close): mutes "for the rest of the meeting" end
        now, no question is being answered any more, and the server's vote secret is replaced."""
        self.forget_meeting_state(guild_id)
        number = self.answering_now.pop(guild_id, None)
        if number is not None:
            await self._redraw_number(guild_id, number)

    async def _forget_expired(self) -> None:
        """The scheduled job: drop what the mute window has passed for, then wait for the next expiry."""
        self.memory.sweep()
        self._rearm()

    def _rearm(self) -> None:
        """Point the single job at the moment the next memory-only entry expires (or remove it)."""
        at = self.memory.next_expiry()
        scheduler = self.bot.scheduler
        if at is None:
            if scheduler.get_job(self._job_id) is not None:
                scheduler.remove_job(self._job_id)
            return
        scheduler.add_job(
            self._forget_expired,
            DateTrigger(run_date=at),
            id=self._job_id,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    # ------------------------------------------------------------------------------ start-up

    async def reconcile(self) -> None:
        """Remove questions a crash left without their post (open with no post, or waiting with no
        check message). Only one copbot runs on a database, so at start-up nothing is in flight.

        They are marked removed rather than deleted, so their number is never given twice (a post
        may have been made just before the crash); their text goes. Logged without content.
        """
        stale = await self.repo.unposted(created_before=utcnow())
        for question in stale:
            await self.repo.set_status(question.id, "removed", allowed_from=("open", "pending"))
        if stale:
            servers = sorted({q.guild_id for q in stale})
            log.warning(
                "Removed %d anonymous question(s) left unposted by an interrupted run, in server(s) %s",
                len(stale),
                ", ".join(map(str, servers)),
            )

    # ------------------------------------------------------------------------------ asking

    def _questions_channel(self, guild: discord.Guild, settings: GuildSettings) -> discord.TextChannel:
        channel_id = settings.effective_questions_channel_id
        channel = guild.get_channel(channel_id) if channel_id else None
        if not isinstance(channel, discord.TextChannel):
            raise UserError(NOT_SET_UP)
        return channel

    async def submit(self, guild: discord.Guild, user_id: int, raw: str, kind: str, *, from_dm: bool = False) -> str:
        """Store and post (or queue) one anonymous question; return the asker's confirmation.

        ``user_id`` is only ever turned into the keyed hash; it goes nowhere else. On any failure
        the stored question is deleted again and a :class:`UserError` says what happened.
        """
        limit = self.bot.config.questions.max_length
        text = clean_question(raw, limit, what="question" if kind == "question" else "word or phrase")
        settings = await self.bot.settings.get(guild.id)
        channel = self._questions_channel(guild, settings)
        asker = self.memory.keys.asker(guild.id, user_id)
        self.memory.mutes.check(asker)
        self.memory.rate_limiter.check(asker)
        review_channel = None
        if settings.moderation and settings.facilitator_channel_id:
            review_channel = guild.get_channel(settings.facilitator_channel_id)
            if not isinstance(review_channel, discord.TextChannel):
                raise UserError(
                    "Sorry, questions here are checked by a facilitator first, but I can't find their channel. "
                    "Nothing was kept; please let a facilitator know."
                )
        question = await self.repo.create(guild.id, kind, text, pending=review_channel is not None)
        target = review_channel if review_channel is not None else channel
        sent: discord.Message | None = None
        try:
            if review_channel is not None:
                sent = await review_channel.send(
                    embed=review_embed(question), view=review_view(question), allowed_mentions=NO_PINGS
                )
                await self.repo.set_review_message(question.id, review_channel.id, sent.id)
            else:
                sent = await channel.send(
                    embed=question_embed(question), view=question_view(question), allowed_mentions=NO_PINGS
                )
                await self.repo.set_message(question.id, channel.id, sent.id)
        except BaseException as error:
            await asyncio.shield(self._undo(question, sent))
            if not isinstance(error, Exception):
                raise  # cancelled: the row is gone, let the cancellation go on
            log.warning("Could not post an anonymous question in server %s (%s)", guild.id, type(error).__name__)
            raise UserError(_failure_sentence(error, target)) from None
        self.memory.rate_limiter.record(asker)
        self.memory.askers.remember(question.id, asker)
        self._rearm()
        where = f"{channel.mention} in {discord.utils.escape_markdown(guild.name)}" if from_dm else channel.mention
        if review_channel is not None:
            return (
                "Thank you! Your question is waiting for a facilitator to check it. Once they approve it, it "
                f"will appear in {where}. {promise.NOT_ON_IT}"
            )
        if from_dm:  # a DM chat must never name the question (DESIGN.md, Anonymity)
            return f"Thank you! Your question was posted without your name in {where}. {promise.NOT_ON_IT}"
        return (
            f"Thank you! Your question was posted without your name as **Question #{question.number}** in "
            f"{channel.mention}. {promise.NOT_ON_IT}"
        )

    async def _undo(self, question: Question, sent: discord.Message | None) -> None:
        """Take back a half-made question: its row, and its message if one was posted."""
        await self.repo.delete(question.id)
        if sent is not None:
            try:
                await sent.delete()
            except Exception:  # nothing more can be done; the row is gone either way
                log.warning("Could not take down a question post in server %s", question.guild_id)

    async def ask_from_interaction(
        self, interaction: discord.Interaction, raw: str, *, kind: str, guild: discord.Guild | None = None
    ) -> None:
        """Acknowledge first, then store and post, then tell the asker what really happened."""
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await self._posted(interaction, raw, kind, guild)
        del raw  # posted: from here nothing holds the question beside the asker (the reply names neither)
        await send_ephemeral(interaction, reply)

    async def _posted(self, interaction: discord.Interaction, raw: str, kind: str, guild: discord.Guild | None) -> str:
        """Store and post one question; the asker's confirmation, or the sentence saying why not."""
        guild = guild or guild_of(interaction)
        try:
            return await self.submit(guild, interaction.user.id, raw, kind, from_dm=interaction.guild is None)
        except UserError as error:
            return error.message

    @app_commands.command(name="ask", description="Ask a question without your name on it")
    @app_commands.guild_only()
    async def ask(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        self._questions_channel(guild, await self.bot.settings.get(guild.id))
        await interaction.response.send_modal(question_form(guild.id, self.bot.config.questions.max_length))

    @app_commands.command(name="explain", description="Anonymously ask for a word or phrase to be explained simply")
    @app_commands.describe(term="The word or phrase you would like explained in plain language")
    @app_commands.guild_only()
    async def explain(self, interaction: discord.Interaction, term: str) -> None:
        await self.ask_from_interaction(interaction, term, kind="explain")

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every submitted question form, including forms opened before a restart."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        custom_id = str(data.get("custom_id", ""))
        if custom_id.startswith("copbot:questions:answerform"):
            await self._answer_form_submitted(interaction, custom_id, data)
            return
        if not custom_id.startswith("copbot:questions:form"):
            return
        try:
            guild_id = form_guild_id(custom_id)
            guild = self.bot.get_guild(guild_id) if guild_id is not None else None
            text = form_value(list(data.get("components") or []), "question")
            del data
            drop_payload(interaction)  # the form (the question's text) is read: let discord.py's copy go
            if guild is None or text is None:
                await send_ephemeral(interaction, STALE_FORM)
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            if not await self._is_member(guild, interaction):
                await send_ephemeral(interaction, NOT_A_MEMBER)
                return
            reply = await self._posted(interaction, text, "question", guild)
            del text  # posted: nothing holds the question beside the asker while the reply goes out
            await send_ephemeral(interaction, reply)
        except Exception:
            log.exception("Could not handle a question form in server %s", getattr(interaction.guild, "id", None))
            await send_ephemeral(interaction, SOMETHING_WENT_WRONG)

    async def _is_member(self, guild: discord.Guild, interaction: discord.Interaction) -> bool:
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
        """A DM to the bot gets an explanation and "Ask anonymously"; its text is never used."""
        if message.guild is not None or message.author.bot:
            return
        # Fair use: ``limits.dms_per_hour`` answers per member per hour, then one "please wait",
        # then silence until the hour has passed. Counted under a keyed hash, in memory only.
        key = self.memory.keys.asker(0, message.author.id)
        earlier = self.memory.dm_limiter.recent_count(key)
        self.memory.dm_limiter.record(key)
        self._rearm()
        if earlier > self.memory.dm_limiter.count:
            return
        try:
            if earlier == self.memory.dm_limiter.count:
                await message.channel.send(DM_LIMIT)
                return
            guilds = await self._shared_guilds(message.author.id)
            if not guilds:
                await message.channel.send(NO_SHARED_SERVER)
                return
            button = "Ask anonymously" if len(guilds) == 1 else "Ask in …"
            text = DM_EXPLANATION.format(button=button)
            if len(guilds) > 1:
                text += "\n\nYou are in more than one community I help: choose the one your question is for."
            await message.channel.send(text, view=dm_view(guilds), allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.info("Could not answer a direct message")

    async def open_form_from_dm(self, interaction: discord.Interaction, guild_id: int) -> None:
        """The member pressed "Ask anonymously" in their DMs: open the same form as ``/ask``."""
        guild = self.bot.get_guild(guild_id)
        if guild is None or not await self._is_member(guild, interaction):
            raise UserError(NOT_A_MEMBER)
        self._questions_channel(guild, await self.bot.settings.get(guild.id))
        await interaction.response.send_modal(question_form(guild.id, self.bot.config.questions.max_length))

    # ------------------------------------------------------------------------------ buttons

    async def _resolve(self, interaction: discord.Interaction, ref: str) -> Question:
        """The question a button's ``ref`` names, in the server the button was pressed in."""
        if interaction.guild is None:
            raise UserError(LEGACY_GONE)
        if ref.startswith("n"):
            question = await self.repo.by_number(interaction.guild.id, int(ref[1:]))
        elif ref.startswith("r"):
            question = await self.repo.by_review_token(int(ref[1:]))
        else:  # a button made before public ids: the row id
            question = await self.repo.get(int(ref))
        if question.guild_id != interaction.guild.id:
            raise UserError(LEGACY_GONE)
        return question

    async def on_button(self, interaction: discord.Interaction, action: str, ref: str) -> None:
        handlers = {
            "vote": self.vote,
            "answered": self.mark_answered,
            "remove": self.remove,
            "mute": self.mute,
            "write": self.open_answer_form,
            "now": self.mark_answering_now,
            "approve": self.approve,
            "reject": self.reject,
        }
        if action == "vote":
            # Acknowledge first: a vote reads and writes the database five times before it can redraw
            # the post, and at a busy hour (many servers meeting at once) those waits added up to more
            # than Discord's 3 seconds (bench_load.py). The redraw follows as an edit.
            await interaction.response.defer()
        else:
            await require_facilitator(interaction)
        await handlers[action](interaction, await self._resolve(interaction, ref))

    async def vote(self, interaction: discord.Interaction, question: Question) -> None:
        """ "Me too": count (or take back) this member's vote and redraw the post (acknowledged already)."""
        await self.repo.toggle_vote(
            question.id, self.memory.keys.vote(question.guild_id, question.id, interaction.user.id)
        )
        if self.bot.scheduler.get_job(self._job_id) is None:  # the vote secret expires after the meeting
            self._rearm()
        question = await self.repo.get(question.id)
        await interaction.edit_original_response(
            embed=await self._embed(question), view=question_view(question), allowed_mentions=NO_PINGS
        )

    async def mark_answered(self, interaction: discord.Interaction, question: Question) -> None:
        question = await self.repo.set_status(question.id, "answered", allowed_from=("open",))
        self.memory.askers.forget(question.id)
        self._stop_answering_now(question)
        await interaction.response.edit_message(
            embed=await self._embed(question), view=question_view(question), allowed_mentions=NO_PINGS
        )

    # ------------------------------------------------------------------------------ answers

    async def _embed(self, question: Question) -> discord.Embed:
        """A posted question's embed as it is now: with its written answer and the "answering now" mark."""
        assert question.number is not None
        answer = await self.answers.get(question.guild_id, question.number)
        now = self.answering_now.get(question.guild_id) == question.number
        return question_embed(question, answer, answering_now=now)

    def _stop_answering_now(self, question: Question) -> None:
        if question.number is not None and self.answering_now.get(question.guild_id) == question.number:
            del self.answering_now[question.guild_id]

    async def _redraw_number(self, guild_id: int, number: int) -> None:
        """Redraw the post of question ``#number`` (if it is still on show); a failure is only logged."""
        try:
            question = await self.repo.by_number(guild_id, number)
        except UserError:
            return
        if question.status not in ("open", "answered") or question.message_id is None:
            return
        channel = self.bot.get_channel(question.channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            return
        try:
            await channel.get_partial_message(question.message_id).edit(
                embed=await self._embed(question), view=question_view(question), allowed_mentions=NO_PINGS
            )
        except discord.HTTPException:
            log.warning("Could not redraw question #%s in server %s", number, guild_id)

    async def open_answer_form(self, interaction: discord.Interaction, question: Question) -> None:
        """ "Write an answer": the form, with the answer written so far (writing again replaces it)."""
        if question.status not in ("open", "answered") or question.number is None:
            raise UserError(LEGACY_GONE)
        current = await self.answers.get(question.guild_id, question.number)
        await interaction.response.send_modal(answer_form(question.number, current))

    async def _answer_form_submitted(
        self, interaction: discord.Interaction, custom_id: str, data: dict[str, Any]
    ) -> None:
        """Save a submitted answer (also from a form opened before a restart) and show it on the post."""
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
                answer = clean_answer(text, MAX_ANSWER)
                await self.answers.save(guild_id, number, answer, utcnow())
            except UserError as error:
                await send_ephemeral(interaction, error.message)
                return
            await self._redraw_number(guild_id, number)
            log.info("Answer to question #%s written in server %s", number, guild_id)
            await send_ephemeral(interaction, f"Thank you! Your answer is now shown under Question #{number}.")
        except Exception:
            log.exception("Could not handle an answer form in server %s", getattr(interaction.guild, "id", None))
            await send_ephemeral(interaction, SOMETHING_WENT_WRONG)

    async def mark_answering_now(self, interaction: discord.Interaction, question: Question) -> None:
        """ "Answering now": mark this question (one per server); the mark leaves the previous one.
        Pressed on the question already marked, it takes the mark away."""
        if question.status != "open" or question.number is None:
            raise UserError("That question is not open any more, so it can't be the one being answered now.")
        guild_id = question.guild_id
        previous = self.answering_now.get(guild_id)
        if previous == question.number:
            del self.answering_now[guild_id]
        else:
            self.answering_now[guild_id] = question.number
        await interaction.response.edit_message(
            embed=await self._embed(question), view=question_view(question), allowed_mentions=NO_PINGS
        )
        if previous is not None and previous != question.number:
            await self._redraw_number(guild_id, previous)

    async def remove(self, interaction: discord.Interaction, question: Question) -> None:
        question = await self.repo.set_status(question.id, "removed", allowed_from=("open", "answered"))
        self.memory.askers.forget(question.id)
        self._stop_answering_now(question)
        await interaction.response.send_message(f"Question #{question.number} was removed.", ephemeral=True)
        if interaction.message is not None:
            try:
                await interaction.message.delete()
            except discord.HTTPException:
                log.warning("Could not delete removed question #%s in server %s", question.number, question.guild_id)

    async def mute(self, interaction: discord.Interaction, question: Question) -> None:
        key = self.memory.askers.key_for(question.id)
        if key is None:
            raise UserError(
                "Sorry, I can't mute whoever asked that one: it was asked before copbot last restarted or more "
                "than a meeting ago, and copbot keeps no record of who asks."
            )
        until = self.memory.mutes.mute(key)
        self._rearm()
        name = f"Question #{question.number}" if question.number else "this question"
        await interaction.response.send_message(
            f"Done. Whoever asked {name} can't ask anonymous questions until "
            f"{discord.utils.format_dt(until, 't')}. They are told kindly if they try. {promise.NOT_TOLD}",
            ephemeral=True,
        )

    async def approve(self, interaction: discord.Interaction, question: Question) -> None:
        """Acknowledge, then number and post the question, then update the check message."""
        await interaction.response.defer()
        guild = guild_of(interaction)
        channel = self._questions_channel(guild, await self.bot.settings.get(guild.id))
        question = await self.repo.approve(question.id)
        sent: discord.Message | None = None
        try:
            sent = await channel.send(
                embed=question_embed(question), view=question_view(question), allowed_mentions=NO_PINGS
            )
            await self.repo.set_message(question.id, channel.id, sent.id)
        except BaseException as error:
            await asyncio.shield(self._unapprove(question, sent))
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
        question = await self.repo.get(question.id)
        await interaction.edit_original_response(
            embed=review_embed(question, f"Approved: posted as Question #{question.number}"), view=None
        )

    async def _unapprove(self, question: Question, sent: discord.Message | None) -> None:
        if sent is not None:
            try:
                await sent.delete()
            except Exception:
                log.warning("Could not take down a question post in server %s", question.guild_id)
        await self.repo.return_to_pending(question.id)

    async def reject(self, interaction: discord.Interaction, question: Question) -> None:
        await interaction.response.defer()
        question = await self.repo.set_status(question.id, "rejected", allowed_from=("pending",))
        self.memory.askers.forget(question.id)
        await interaction.edit_original_response(embed=review_embed(question, "Rejected: not posted"), view=None)

    # ------------------------------------------------------------------------------ facilitators

    @questions.command(name="list", description='Open questions, most "Me too" first (facilitators)')
    @facilitator_only()
    async def list_questions(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        # Only questions really posted (or really waiting in the review queue) count: a row whose post
        # is still being made, or failed, is never shown (issue #14).
        open_questions = [q for q in await self.repo.open_by_votes(guild.id) if q.message_id is not None]
        waiting = len([q for q in await self.repo.list(guild.id, ("pending",)) if q.review_message_id is not None])
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
        rows = [
            q
            for q in await self.repo.list(guild.id, ("open", "answered", "pending"))
            if q.message_id is not None or q.review_message_id is not None
        ]
        data = questions_csv(rows, await self.answers.for_guild(guild.id)).encode("utf-8-sig")
        await interaction.response.send_message(
            f"Here are this server's {len(rows)} questions (removed and rejected ones are left out).",
            file=discord.File(io.BytesIO(data), filename="questions.csv"),
            ephemeral=True,
        )


__all__ = ["QuestionsCog"]
