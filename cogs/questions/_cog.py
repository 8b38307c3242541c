"""The anonymous-questions cog: parses Discord input and renders; the rules are in ``bot.questions``.

``/ask``, ``/explain``, ``/questions list|export``, every submitted question or answer form, and the DM
path. The Discord steps shared with the buttons are in :mod:`cogs.questions._actions`.

A DM chat can be read by whoever holds the bot's token, so nothing the bot writes in a DM names a
question: a DM gets an explanation and an "Ask anonymously" button that opens the same form as
``/ask``; what was typed in the DM is never posted, and the confirmation of a question asked from a
DM gives neither its text nor its number. Nothing here logs interactions or users.
"""

from __future__ import annotations

import io
import logging
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.privacy import promise
from bot.questions.service import QuestionService
from bot.questions.text import preview
from bot.storage.questions import QuestionRepository
from bot.text_limits import MESSAGE, fit_lines
from cogs._shared import FACILITATOR_COMMANDS, NO_PINGS, HelpSection, facilitator_only, guild_of
from cogs.questions import _actions, _asking
from cogs.questions._buttons import DYNAMIC_ITEMS
from cogs.questions._render import dm_view, manage_view

log = logging.getLogger(__name__)

NO_SHARED_SERVER = (
    "Hello! I pass on anonymous questions for the communities I help run, but I can't find one that "
    "you and I are both in and that has questions set up. If you think this is a mistake, please let a "
    "facilitator know."
)
DM_EXPLANATION = (
    f"Hello! To ask without your name, press **{{button}}** below. {promise.KEEPS_NOTHING}\n\n"
    f"{' '.join(promise.DIRECT_MESSAGES)} I never post what you type in this chat. "
    "Your message stays here until you delete it."
)
DM_LIMIT = (
    "Thank you for your messages! You have sent me quite a few this hour, so I'll answer again in about "
    "an hour. To ask a question, press an **Ask anonymously** button above."
)


class QuestionsCog(commands.Cog, name="Questions"):
    """``/ask``, ``/explain``, ``/questions list|export``, the forms and the DM path."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=30,
        title="Ask without your name",
        lines=(
            f"`/ask` opens a form. {promise.KEEPS_NOTHING} `/explain` asks what a word means.",
            "Press **Me too** under a question you want answered too.",
            f"Or send me a message and press the button in my answer. {promise.DM_SEEN}",
        ),
        facilitator_lines=(
            "Each question also appears in the facilitator channel with your buttons: **Answered**, "
            "**Answering now**, **Write an answer** (shown under the question), **Remove** and **Mute this "
            "asker**. Members see **Me too** only.",
            "`/questions list` shows the open questions, most Me too first, and opens any one's buttons "
            "privately (the way in when there is no facilitator channel). `/questions export` gives a "
            "spreadsheet (CSV).",
            "With moderation on (`/settings update moderation:True`), questions wait in the facilitator "
            "channel for **Approve** or **Reject**.",
            f"{promise.ANY_BOT} {promise.TRUST} `/privacy` and PRIVACY.md say what they could and could not see.",
        ),
    )

    questions = app_commands.Group(
        name="questions",
        description="See or export the anonymous questions (facilitators)",
        guild_only=True,
        default_permissions=FACILITATOR_COMMANDS,
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    @property
    def service(self) -> QuestionService:
        return self.bot.questions

    @property
    def repo(self) -> QuestionRepository:
        """The questions' storage (tests and benchmarks arrange rows through it)."""
        return self.bot.questions.repo

    @property
    def memory(self) -> Any:
        """The memory-only asker state (tests inspect it; see :mod:`bot.questions.anonymity`)."""
        return self.bot.questions.memory

    def forget_meeting_state(self, guild_id: int | None = None) -> None:
        self.bot.questions.forget_meeting_state(guild_id)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        count, servers = await self.service.reconcile()
        if count:
            log.warning(
                "Removed %d anonymous question(s) left unposted by an interrupted run, in server(s) %s",
                count,
                ", ".join(map(str, servers)),
            )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.service.stop()

    @commands.Cog.listener()
    async def on_meeting_ended(self, guild_id: int) -> None:
        """``/meeting end`` (or the panel, or the auto-close): mutes "for the rest of the meeting" end
        now, and no question is being answered any more."""
        number = self.service.meeting_ended(guild_id)
        if number is not None:
            await _actions.redraw_number(self.bot, guild_id, number)

    # ------------------------------------------------------------------------------ asking

    @app_commands.command(name="ask", description="Ask a question without your name")
    @app_commands.guild_only()
    async def ask(self, interaction: discord.Interaction) -> None:
        await _asking.open_form(self.bot, interaction, guild_of(interaction))

    @app_commands.command(name="explain", description="Ask, without your name, for a word or phrase to be explained")
    @app_commands.describe(term="The word or phrase you would like explained in plain language")
    @app_commands.guild_only()
    async def explain(self, interaction: discord.Interaction, term: str) -> None:
        await _asking.ask_from_interaction(self.bot, interaction, term, kind="explain")

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every submitted question or answer form, including forms opened before a restart."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        custom_id = str(data.get("custom_id", ""))
        if custom_id.startswith("copbot:questions:answerform"):
            await _actions.answer_submitted(self.bot, interaction, custom_id, data)
        elif custom_id.startswith("copbot:questions:form"):
            await _asking.question_submitted(self.bot, interaction, custom_id, data)

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
        """A DM to the bot gets an explanation and "Ask anonymously"; its text is never used.

        Fair use: ``limits.dms_per_hour`` answers per member per hour, then one "please wait", then
        silence until the hour has passed (counted under a keyed hash, in memory only).
        """
        if message.guild is not None or message.author.bot:
            return
        earlier = self.service.dm_turn(message.author.id)
        if earlier > self.service.dms_per_hour:
            return
        try:
            if earlier == self.service.dms_per_hour:
                await message.channel.send(DM_LIMIT)
                return
            guilds = await self._shared_guilds(message.author.id)
            if not guilds:
                await message.channel.send(NO_SHARED_SERVER)
                return
            text = DM_EXPLANATION.format(button="Ask anonymously" if len(guilds) == 1 else "Ask in …")
            if len(guilds) > 1:
                text += "\n\nYou are in more than one community I help: choose the one your question is for."
            await message.channel.send(text, view=dm_view(guilds), allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.info("Could not answer a direct message")

    # ------------------------------------------------------------------------------ facilitators

    @questions.command(name="list", description='Open questions, most "Me too" first (facilitators)')
    @facilitator_only()
    async def list_questions(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        open_questions, waiting = await self.service.open_questions(guild.id)
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
        if open_questions:
            foot = (foot + "\n" if foot else "") + "Choose one below to see its buttons (only you see them)."
        # Every line counts, the waiting line and the "…and N more" line too (DESIGN: 2,000 characters).
        text = fit_lines(
            lines, MESSAGE, head=head, foot=foot, more=lambda n: f"…and {n} more. `/questions export` has them all."
        )
        view = manage_view(open_questions)
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS, **extra)

    @questions.command(name="export", description="Download the questions as a spreadsheet file (facilitators)")
    @facilitator_only()
    async def export(self, interaction: discord.Interaction) -> None:
        count, data = await self.service.export(guild_of(interaction).id)
        await interaction.response.send_message(
            f"Here are this server's {count} questions (removed and rejected ones are left out).",
            file=discord.File(io.BytesIO(data), filename="questions.csv"),
            ephemeral=True,
        )


__all__ = ["QuestionsCog"]
