"""The welcome's buttons, its practice form, and how a step looks in Discord.

Every button is one :class:`WelcomeButton`, a :class:`discord.ui.DynamicItem` whose ``custom_id`` says
what it does and for which server: ``copbot:welcome:<action>:<server>[:<arg>]``, where ``go:<server>:3``
shows step 3, ``role:<server>:gp`` saves a role, ``word:<server>:12`` shows glossary word 12. Nothing in
an id names a person, and a click needs no memory of the message, so a welcome left half-way carries on
after a restart. A welcome message always keeps at least one such button (the last step's **Done**
leaves **Start again**), which is how the cog recognises a welcome already sent in a member's direct
messages (:func:`is_welcome`). Views are stopped before sending so discord.py keeps no copy in memory.

The practice form (``copbot:welcome:practiceform``, text input ``question`` like ``/ask``'s) is
answered by the cog's ``on_interaction`` listener, so a form opened before a restart still works.
"""

from __future__ import annotations

import io
import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.clock import utcnow
from bot.community_text import shown
from bot.errors import UserError
from bot.questions.service import Shown
from bot.storage.questions import Question
from bot.welcome.steps import FINISHED, PRACTICE_SHOWN, Step
from cogs._shared import NO_PINGS, replies_to_user_errors
from cogs.questions._render import question_embed

if TYPE_CHECKING:
    from bot.app import CopBot

log = logging.getLogger(__name__)

PREFIX = "copbot:welcome"
PRACTICE_FORM = f"{PREFIX}:practiceform"
START_LABEL = "Start here"
NOT_A_MEMBER = "Sorry, I can't find you in that community any more, so the welcome can't go on."

_ACTIONS = "go|role|practice|word|calendar|done|start"


def _button(action: str, guild_id: int, arg: str | int | None = None, **look: Any) -> discord.ui.Button[Any]:
    custom_id = f"{PREFIX}:{action}:{guild_id}" + (f":{arg}" if arg is not None else "")
    return discord.ui.Button(custom_id=custom_id, **look)


def step_view(step: Step, guild_id: int) -> discord.ui.View:
    """The buttons of one step: its own (roles, words, practice, calendar) and Back / Next or Done."""
    grey, blue, green = discord.ButtonStyle.secondary, discord.ButtonStyle.primary, discord.ButtonStyle.success
    view = discord.ui.View(timeout=None)
    for index, role in enumerate(step.roles):
        style = green if role.chosen else grey
        view.add_item(_button("role", guild_id, role.key, label=role.label[:80], style=style, row=index // 5))
    for index, word in enumerate(step.words):
        view.add_item(_button("word", guild_id, word.number, label=word.term[:80], style=grey, row=index // 5))
    if step.practice:
        view.add_item(_button("practice", guild_id, label="Practice", style=blue, row=0))
    if step.calendar:
        view.add_item(_button("calendar", guild_id, label="Add to my calendar", style=blue, row=0))
    nav = 4
    if step.has_back:
        view.add_item(_button("go", guild_id, step.number - 1, label="Back", style=grey, row=nav))
    if step.is_last:
        view.add_item(_button("done", guild_id, label="Done", style=green, row=nav))
    else:
        view.add_item(_button("go", guild_id, step.number + 1, label="Next", style=blue, row=nav))
    view.stop()
    return view


def finished_view(guild_id: int) -> discord.ui.View:
    """After **Done**: one **Start again** button (it also marks the message as this server's welcome)."""
    view = discord.ui.View(timeout=None)
    view.add_item(_button("go", guild_id, 1, label="Start again", style=discord.ButtonStyle.secondary))
    view.stop()
    return view


def is_welcome(message: discord.Message, guild_id: int, bot_id: int) -> bool:
    """Whether ``message`` (in someone's direct messages) is copbot's welcome to the server ``guild_id``."""
    if message.author.id != bot_id:
        return False
    pattern = re.compile(rf"{PREFIX}:(?:{_ACTIONS}):{guild_id}(?::|$)")
    return any(
        pattern.match(getattr(child, "custom_id", None) or "")
        for row in message.components
        for child in getattr(row, "children", [row])
    )


def word_embed(term: str, meaning: str) -> discord.Embed:
    """One glossary word and its meaning, shown exactly as written (escaped, no mentions)."""
    return discord.Embed(title=shown(term), description=shown(meaning), colour=discord.Colour.teal())


def start_here_view(guild_id: int) -> discord.ui.View:
    """The one button under the "Start here" post in the meeting channel."""
    view = discord.ui.View(timeout=None)
    view.add_item(_button("start", guild_id, label=START_LABEL, style=discord.ButtonStyle.primary))
    view.stop()
    return view


def practice_form(max_length: int) -> discord.ui.Modal:
    """The same form as ``/ask`` (its text input is ``question`` too), titled as practice. Its id names
    no server and no person: the practice goes nowhere."""
    modal = discord.ui.Modal(title="Practice: ask without your name", timeout=None, custom_id=PRACTICE_FORM)
    modal.add_item(
        discord.ui.TextInput(
            label="Your practice question",
            custom_id="question",
            style=discord.TextStyle.paragraph,
            placeholder="Type any question to see how it would look. Nothing is posted or kept.",
            min_length=1,
            max_length=max_length,
        )
    )
    modal.stop()
    return modal


def practice_preview(text: str) -> tuple[str, discord.Embed, discord.ui.View]:
    """What the member sees after the practice: the sentence saying nothing was posted or kept, and the
    question drawn by the very function that draws real posts (titled as practice, with a greyed-out
    **Me too**). The question object lives only in this call: it has no row, and nothing keeps it."""
    now = utcnow()
    practice = Question(0, 0, 0, "question", text, "open", None, None, None, None, None, now, None, 0)
    embed = question_embed(Shown(practice, None, False))
    embed.title = "Your question (practice)"
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Me too (0)", style=discord.ButtonStyle.primary, disabled=True))
    view.stop()
    return PRACTICE_SHOWN, embed, view


async def member_guild(bot: CopBot, interaction: discord.Interaction, guild_id: int) -> discord.Guild:
    """The server a welcome button is about, if the person pressing it is in it (from a DM, it is checked)."""
    guild = bot.get_guild(guild_id)
    if guild is None:
        raise UserError(NOT_A_MEMBER)
    if guild.get_member(interaction.user.id) is None:
        try:
            await guild.fetch_member(interaction.user.id)
        except discord.NotFound:
            raise UserError(NOT_A_MEMBER) from None
    return guild


class WelcomeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"{PREFIX}:(?P<action>{_ACTIONS}):(?P<guild_id>[0-9]+)(?::(?P<arg>[a-z0-9_]+))?",
):
    """Every button of the welcome (see the module docstring)."""

    def __init__(self, item: discord.ui.Button[Any], action: str, guild_id: int, arg: str | None) -> None:
        super().__init__(item)
        self.action = action
        self.guild_id = guild_id
        self.arg = arg

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> WelcomeButton:
        return cls(item, match["action"], int(match["guild_id"]), match["arg"])

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot: CopBot = interaction.client  # type: ignore[assignment]
        guild = await member_guild(bot, interaction, self.guild_id)
        user_id = interaction.user.id
        welcome = bot.welcome
        if self.action == "go":
            step = await welcome.step(guild.id, guild.name, int(self.arg or 1))
            await interaction.response.edit_message(
                content=step.text, view=step_view(step, guild.id), allowed_mentions=NO_PINGS
            )
        elif self.action == "start":
            step = await welcome.step(guild.id, guild.name, 1)
            await interaction.response.send_message(
                step.text, view=step_view(step, guild.id), ephemeral=True, allowed_mentions=NO_PINGS
            )
        elif self.action == "role":
            step = await welcome.choose_role(guild.id, user_id, self.arg or "")
            await interaction.response.edit_message(
                content=step.text, view=step_view(step, guild.id), allowed_mentions=NO_PINGS
            )
        elif self.action == "practice":
            await interaction.response.send_modal(practice_form(bot.config.questions.max_length))
        elif self.action == "word":
            entry = await bot.glossary.read(guild.id, int(self.arg or 0))
            await interaction.response.send_message(embed=word_embed(entry.term, entry.meaning), ephemeral=True)
        elif self.action == "calendar":
            text, meetings = await welcome.calendar(guild.id, guild.name, user_id)
            file = discord.File(io.BytesIO(text.encode("utf-8")), filename="copbot-calendar.ics")
            await interaction.response.send_message(
                f"Here is a calendar file with {'the next meeting' if meetings == 1 else 'our meetings'}. "
                "Open it to add it to your calendar.",
                file=file,
                ephemeral=True,
            )
        elif self.action == "done":
            await interaction.response.edit_message(
                content=FINISHED, view=finished_view(guild.id), allowed_mentions=NO_PINGS
            )


DYNAMIC_ITEMS = (WelcomeButton,)
