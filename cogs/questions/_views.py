"""Buttons, the question form and the embeds for anonymous questions.

Public ids (issue #14): a button's ``custom_id`` never carries the database row id, which counts
across every server and so would show other servers' activity and the order of asking.

* Buttons under a posted question carry its per-server number: ``copbot:questions:vote:n12``
  (the server comes from the interaction).
* Approve / Reject / Mute under a question waiting for a check carry a random token stored with
  the question: ``copbot:questions:approve:r8035…``.
* Buttons posted before this change carry the row id (``copbot:questions:vote:12``); they keep
  working, and a click that re-draws the post replaces them with the new ones.
* "Write an answer" opens a form whose ``custom_id`` carries the number too
  (``copbot:questions:answerform:n12``), answered by the cog's ``on_interaction`` like the question form.
* In a member's DMs, "Ask anonymously" carries the server id only (``copbot:questions:dmask:<server>``).

Nothing in an id says anything about a person. Every button is a :class:`discord.ui.DynamicItem`,
so it works after a restart. The question form is answered by the cog's ``on_interaction``
listener, not by discord.py's in-memory modal store, so a form opened before a restart is still
accepted afterwards.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.privacy import promise
from bot.questions.text import question_body, render_in_parts
from bot.storage.question_answers import MAX_ANSWER
from bot.storage.questions import Question
from bot.text_limits import EMBED_FIELD_VALUE
from cogs._shared import replies_to_user_errors

if TYPE_CHECKING:
    from cogs.questions._cog import QuestionsCog

PREFIX = "copbot:questions"
FORM_PREFIX = f"{PREFIX}:form:"
ANSWER_FORM_PREFIX = f"{PREFIX}:answerform:n"
ANSWERING_NOW = "Being answered now."
ANONYMOUS_FOOTER = promise.FOOTER

#: action → (label, style) for the question buttons.
_LOOKS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "vote": ("Me too", discord.ButtonStyle.primary),
    "answered": ("Answered", discord.ButtonStyle.success),
    "remove": ("Remove", discord.ButtonStyle.danger),
    "mute": ("Mute this asker for the rest of the meeting", discord.ButtonStyle.secondary),
    "write": ("Write an answer", discord.ButtonStyle.secondary),
    "now": ("Answering now", discord.ButtonStyle.secondary),
    "approve": ("Approve", discord.ButtonStyle.success),
    "reject": ("Reject", discord.ButtonStyle.danger),
}


def cog_of(interaction: discord.Interaction) -> QuestionsCog:
    """The questions cog of the bot that received ``interaction``."""
    from cogs.questions._cog import QuestionsCog

    cog = interaction.client.get_cog(QuestionsCog.__cog_name__)  # type: ignore[attr-defined]
    assert isinstance(cog, QuestionsCog)
    return cog


def public_ref(question: Question) -> str:
    """What a button under ``question`` carries: ``n<number>`` once posted, else ``r<token>``."""
    if question.number is not None:
        return f"n{question.number}"
    assert question.review_token is not None, "a question waiting for a check has a review token"
    return f"r{question.review_token}"


# ----------------------------------------------------------------------------------- rendering


def question_embed(question: Question, answer: str | None = None, *, answering_now: bool = False) -> discord.Embed:
    """The public post: "Question #N", the safe text, its written answer, whether it is answered
    and whether it is the one being answered now.

    The answer is escaped like a question and split over fields of 1,024 characters (a 1,000-character
    answer full of markdown characters takes two); the whole embed stays far below 6,000.
    """
    answered = question.status == "answered"
    now = answering_now and not answered
    colour = discord.Colour.green() if answered else discord.Colour.gold() if now else discord.Colour.blurple()
    embed = discord.Embed(
        title=f"Question #{question.number}" + (" (answered)" if answered else ""),
        description=question_body(question.kind, question.text),
        colour=colour,
    )
    if answer:
        for index, part in enumerate(render_in_parts(answer, EMBED_FIELD_VALUE, max_parts=3)):
            embed.add_field(name="Answer" if index == 0 else "Answer (continued)", value=part, inline=False)
    if now:
        embed.add_field(name=ANSWERING_NOW, value="The facilitators are talking about this question now.", inline=False)
    footer = ANONYMOUS_FOOTER
    if answered:
        footer = "Answered. " + footer
    elif now:
        footer = f"{ANSWERING_NOW} {footer}"
    embed.set_footer(text=footer)
    return embed


def question_view(question: Question) -> discord.ui.View:
    """Buttons under a public question: anyone's "Me too" and the facilitators' buttons on the first
    row, the answer buttons on the second. An answered one keeps its count, "Remove" and "Write an answer"."""
    view = discord.ui.View(timeout=None)
    open_ = question.status == "open"
    ref = f"n{question.number}"
    view.add_item(QuestionButton("vote", ref, label=f"Me too ({question.votes})", disabled=not open_, row=0))
    if open_:
        view.add_item(QuestionButton("answered", ref, row=0))
    view.add_item(QuestionButton("remove", ref, row=0))
    if open_:
        view.add_item(QuestionButton("mute", ref, row=0))
    view.add_item(QuestionButton("write", ref, row=1))
    if open_:
        view.add_item(QuestionButton("now", ref, row=1))
    return view


def review_embed(question: Question, outcome: str | None = None) -> discord.Embed:
    """The moderation message in the facilitator channel (a rejected question shows no text)."""
    embed = discord.Embed(
        title="An anonymous question is waiting for your check" if outcome is None else outcome,
        description=question_body(question.kind, question.text) if question.text else None,
        colour=discord.Colour.orange() if outcome is None else discord.Colour.light_grey(),
    )
    embed.set_footer(text="Approve posts it in the questions channel. Reject means it is never posted.")
    return embed


def review_view(question: Question) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    ref = public_ref(question)
    for action in ("approve", "reject", "mute"):
        view.add_item(QuestionButton(action, ref))
    return view


def dm_view(guilds: list[discord.Guild]) -> discord.ui.View:
    """One "Ask anonymously" button, or one per server when the member shares several."""
    view = discord.ui.View(timeout=None)
    for guild in guilds[:25]:
        label = "Ask anonymously" if len(guilds) == 1 else f"Ask in {guild.name}"[:80]
        view.add_item(DmAskButton(guild.id, label=label))
    return view


def question_form(guild_id: int, max_length: int) -> discord.ui.Modal:
    """The form behind ``/ask`` and "Ask anonymously"; its ``custom_id`` names the server only.

    The modal is stopped before it is sent, so discord.py does not keep it in memory; the cog
    answers every submission of ``copbot:questions:form:<server>`` itself, before or after a restart.
    """
    modal = discord.ui.Modal(title="Ask anonymously", timeout=None, custom_id=f"{FORM_PREFIX}{guild_id}")
    modal.add_item(
        discord.ui.TextInput(
            label="Your question",
            custom_id="question",
            style=discord.TextStyle.paragraph,
            placeholder=f"Anything you'd like to ask. {promise.NAME_NOT_SHOWN}",
            min_length=1,
            max_length=max_length,
        )
    )
    modal.stop()
    return modal


def answer_form(number: int, current: str | None) -> discord.ui.Modal:
    """The form behind "Write an answer"; its ``custom_id`` names the question's number only.

    Stopped before it is sent, like :func:`question_form`: the cog answers every submission itself.
    """
    modal = discord.ui.Modal(
        title=f"Answer to Question #{number}"[:45], timeout=None, custom_id=f"{ANSWER_FORM_PREFIX}{number}"
    )
    modal.add_item(
        discord.ui.TextInput(
            label="The answer, shown under the question",
            custom_id="answer",
            style=discord.TextStyle.paragraph,
            placeholder="Write it so that someone who wasn't at the meeting understands it.",
            default=current,
            min_length=1,
            max_length=MAX_ANSWER,
        )
    )
    modal.stop()
    return modal


def answer_form_number(custom_id: str) -> int | None:
    """The question number a submitted answer form is for, or ``None`` if it is not our form."""
    if not custom_id.startswith(ANSWER_FORM_PREFIX):
        return None
    rest = custom_id[len(ANSWER_FORM_PREFIX) :]
    return int(rest) if rest.isdigit() else None


def form_guild_id(custom_id: str) -> int | None:
    """The server a submitted question form belongs to, or ``None`` if it is not our form."""
    if not custom_id.startswith(FORM_PREFIX):
        return None
    rest = custom_id[len(FORM_PREFIX) :]
    return int(rest) if rest.isdigit() else None


def form_value(components: list[dict[str, Any]], custom_id: str) -> str | None:
    """The value of the text input ``custom_id`` in a submitted form (rows or labels)."""
    for component in components:
        if component.get("custom_id") == custom_id and "value" in component:
            return str(component["value"])
        children = list(component.get("components") or [])
        if component.get("component"):
            children.append(component["component"])
        found = form_value(children, custom_id)
        if found is not None:
            return found
    return None


# ------------------------------------------------------------------------------------- buttons


class QuestionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"{PREFIX}:(?P<action>vote|answered|remove|mute|write|now|approve|reject):(?P<ref>[nr]?[0-9]+)",
):
    """Every button on a question post or check message: ``copbot:questions:<action>:<ref>``.

    ``ref`` is ``n<number>`` (posted question, this server), ``r<token>`` (waiting for a check) or,
    on buttons made before public ids, the bare row id.
    """

    def __init__(
        self, action: str, ref: str, *, label: str | None = None, disabled: bool = False, row: int | None = None
    ) -> None:
        default_label, style = _LOOKS[action]
        super().__init__(
            discord.ui.Button(
                label=label or default_label,
                style=style,
                custom_id=f"{PREFIX}:{action}:{ref}",
                disabled=disabled,
                row=row,
            ),
            row=row,
        )
        self.action = action
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> QuestionButton:
        return cls(match["action"], match["ref"], label=item.label)

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).on_button(interaction, self.action, self.ref)


class DmAskButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"{PREFIX}:(?:dmask|dmpost):(?P<guild_id>[0-9]+)",
):
    """In a member's DMs: open the question form for one server. Carries the server id only.

    ``dmpost`` is the id of the old preview's "Post anonymously" button: pressing one now opens the
    form too, so nothing from the old DM preview is ever posted.
    """

    def __init__(self, guild_id: int, *, label: str = "Ask anonymously") -> None:
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id=f"{PREFIX}:dmask:{guild_id}")
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> DmAskButton:
        return cls(int(match["guild_id"]), label=item.label or "Ask anonymously")

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).open_form_from_dm(interaction, self.guild_id)


class OldDmCancelButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:dmcancel"):
    """The old DM preview's "Don't post" button: takes the buttons away, posts nothing."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="Don't post", custom_id=f"{PREFIX}:dmcancel"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> OldDmCancelButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content="All right, nothing was posted.", embed=None, view=None)


DYNAMIC_ITEMS = (QuestionButton, DmAskButton, OldDmCancelButton)
