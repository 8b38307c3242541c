"""Buttons, the /ask modal and the embeds for anonymous questions.

Every button is a :class:`discord.ui.DynamicItem` whose ``custom_id`` carries only a question's
database id (or, in DMs, a server id), never anything about a person, so the buttons keep working
after a restart and reveal nothing. Callbacks find the cog through the bot and call its methods;
no callback logs or shows who clicked.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.questions.text import question_body, render_safe
from bot.storage.questions import Question
from cogs._shared import IdButton, replies_to_user_errors

if TYPE_CHECKING:
    from cogs.questions._cog import QuestionsCog

PREFIX = "copbot:questions"
ANONYMOUS_FOOTER = "Asked anonymously: nobody, not even copbot's operators, can see who asked."


def cog_of(interaction: discord.Interaction) -> QuestionsCog:
    """The questions cog of the bot that received ``interaction``."""
    from cogs.questions._cog import QuestionsCog

    cog = interaction.client.get_cog(QuestionsCog.__cog_name__)  # type: ignore[attr-defined]
    assert isinstance(cog, QuestionsCog)
    return cog


# ----------------------------------------------------------------------------------- rendering


def question_embed(question: Question) -> discord.Embed:
    """The public post: "Question #N", the safe text, and whether it has been answered."""
    answered = question.status == "answered"
    embed = discord.Embed(
        title=f"Question #{question.number}" + (" (answered)" if answered else ""),
        description=question_body(question.kind, question.text),
        colour=discord.Colour.green() if answered else discord.Colour.blurple(),
    )
    embed.set_footer(
        text=ANONYMOUS_FOOTER if not answered else "Answered. " + ANONYMOUS_FOOTER,
    )
    return embed


def question_view(question: Question) -> discord.ui.View:
    """Buttons under a public question; an answered one keeps only its count and "Remove"."""
    view = discord.ui.View(timeout=None)
    open_ = question.status == "open"
    view.add_item(VoteButton(question.id, question.votes, disabled=not open_))
    if open_:
        view.add_item(AnsweredButton(question.id))
    view.add_item(RemoveButton(question.id))
    if open_:
        view.add_item(MuteButton(question.id))
    return view


def review_embed(question: Question, outcome: str | None = None) -> discord.Embed:
    """The moderation message in the facilitator channel."""
    embed = discord.Embed(
        title="An anonymous question is waiting for your check" if outcome is None else outcome,
        description=question_body(question.kind, question.text),
        colour=discord.Colour.orange() if outcome is None else discord.Colour.light_grey(),
    )
    embed.set_footer(text="Approve posts it in the questions channel. Reject means it is never posted.")
    return embed


def review_view(question: Question) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ApproveButton(question.id))
    view.add_item(RejectButton(question.id))
    view.add_item(MuteButton(question.id))
    return view


def dm_preview_embed(text: str) -> discord.Embed:
    """The DM preview; its description is the exact text, read back when the member presses post."""
    embed = discord.Embed(title="Your question (not posted yet)", description=render_safe(text))
    embed.set_footer(text="Nobody will see who asked.")
    return embed


def dm_view(guilds: list[discord.Guild]) -> discord.ui.View:
    """One "Post anonymously" button, or one per server when the member shares several."""
    view = discord.ui.View(timeout=None)
    for guild in guilds[:24]:
        label = "Post anonymously" if len(guilds) == 1 else f"Post in {guild.name}"[:80]
        view.add_item(DmPostButton(guild.id, label=label))
    view.add_item(DmCancelButton())
    return view


# ------------------------------------------------------------------------------------- buttons


class _QuestionButton(IdButton):
    """``copbot:questions:<action>:<question id>``."""

    prefix = PREFIX


class VoteButton(_QuestionButton, action="vote"):
    style = discord.ButtonStyle.primary

    def __init__(self, question_id: int, votes: int = 0, *, disabled: bool = False) -> None:
        super().__init__(question_id, label=f"Me too ({votes})", disabled=disabled)

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).vote(interaction, self.target_id)


class AnsweredButton(_QuestionButton, action="answered"):
    label = "Answered"
    style = discord.ButtonStyle.success

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).mark_answered(interaction, self.target_id)


class RemoveButton(_QuestionButton, action="remove"):
    label = "Remove"
    style = discord.ButtonStyle.danger

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).remove(interaction, self.target_id)


class MuteButton(_QuestionButton, action="mute"):
    label = "Mute this asker for the rest of the meeting"

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).mute(interaction, self.target_id)


class ApproveButton(_QuestionButton, action="approve"):
    label = "Approve"
    style = discord.ButtonStyle.success

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).approve(interaction, self.target_id)


class RejectButton(_QuestionButton, action="reject"):
    label = "Reject"
    style = discord.ButtonStyle.danger

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).reject(interaction, self.target_id)


class DmPostButton(_QuestionButton, action="dmpost"):
    """In a member's DMs: post the previewed text in one server. Carries the server id only."""

    label = "Post anonymously"
    style = discord.ButtonStyle.primary

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> DmPostButton:
        return cls(int(match["target_id"]), label=item.label)  # the label names the server

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).post_from_dm(interaction, self.target_id)


class DmCancelButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:dmcancel"):
    """In a member's DMs: drop the preview without posting anything."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(label="Don't post", style=discord.ButtonStyle.secondary, custom_id=f"{PREFIX}:dmcancel")
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> DmCancelButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(
            content="All right, nothing was posted. You can send me another message any time.", view=None
        )


DYNAMIC_ITEMS = (
    VoteButton,
    AnsweredButton,
    RemoveButton,
    MuteButton,
    ApproveButton,
    RejectButton,
    DmPostButton,
    DmCancelButton,
)


# --------------------------------------------------------------------------------------- modal


class AskModal(discord.ui.Modal, title="Ask anonymously"):
    """The /ask form. Nobody, including the facilitators, will see who filled it in."""

    def __init__(self, max_length: int) -> None:
        super().__init__(timeout=30 * 60)
        self.question: discord.ui.TextInput[AskModal] = discord.ui.TextInput(
            label="Your question",
            custom_id="question",
            style=discord.TextStyle.paragraph,
            placeholder="Anything you'd like to ask. Nobody will see that it was you.",
            min_length=1,
            max_length=max_length,
        )
        self.add_item(self.question)

    @replies_to_user_errors
    async def on_submit(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).ask_from_interaction(interaction, self.question.value, kind="question")
