"""What questions look like: the public post, the facilitators' copy, the check message, the forms,
and what the asker is told. Pure rendering: no database, no sending.

Two audiences, two messages (issue 25). Members see the public post, whose only button is **Me too**.
Facilitators see a copy of each question where only they can (the facilitator channel, or a private
reply from ``/questions list``), with **Answered**, **Answering now**, **Write an answer**, **Remove**
and **Mute this asker**: as Slido keeps its moderator view apart from the audience's.

Public ids (issue #14): a ``custom_id`` never carries the database row id. Buttons about a posted
question carry its per-server number (``copbot:questions:vote:n12``); buttons on a check message carry
a random token (``copbot:questions:approve:r8035…``); old buttons with a bare row id still work.

The views here are built from plain buttons with those ids and stopped before they are sent, so
discord.py keeps no copy in memory: every click is answered by the registered dynamic items in
:mod:`cogs.questions._buttons`, matched by ``custom_id``, before or after a restart. The same holds for
the forms: the cog answers their submissions itself.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.privacy import promise
from bot.questions.service import Shown
from bot.questions.text import question_body, render_in_parts
from bot.storage.question_answers import MAX_ANSWER
from bot.storage.questions import Question
from bot.text_limits import EMBED_FIELD_VALUE

PREFIX = "copbot:questions"
FORM_PREFIX = f"{PREFIX}:form:"
ANSWER_FORM_PREFIX = f"{PREFIX}:answerform:n"
#: The "Ask without your name" button under the meeting-start post; the server comes from the click.
ASK = f"{PREFIX}:ask"
#: The "Manage a question" menu under ``/questions list``.
MANAGE = f"{PREFIX}:manage"
ANSWERING_NOW = "Being answered now."
ANONYMOUS_FOOTER = promise.FOOTER
COPY_FOOTER = "Only facilitators see this copy and its buttons. Members see the post with Me too only."
ASK_LABEL = "Ask without your name"

#: action → (label, style) for every question button.
LOOKS: dict[str, tuple[str, discord.ButtonStyle]] = {
    "vote": ("Me too", discord.ButtonStyle.primary),
    "answered": ("Answered", discord.ButtonStyle.success),
    "remove": ("Remove", discord.ButtonStyle.danger),
    "mute": ("Mute this asker for the rest of the meeting", discord.ButtonStyle.secondary),
    "write": ("Write an answer", discord.ButtonStyle.secondary),
    "now": ("Answering now", discord.ButtonStyle.secondary),
    "approve": ("Approve", discord.ButtonStyle.success),
    "reject": ("Reject", discord.ButtonStyle.danger),
}
#: The buttons only facilitators may press (every one but "Me too").
FACILITATOR_ACTIONS = frozenset(LOOKS) - {"vote"}


def public_ref(question: Question) -> str:
    """What a button about ``question`` carries: ``n<number>`` once posted, else ``r<token>``."""
    if question.number is not None:
        return f"n{question.number}"
    assert question.review_token is not None, "a question waiting for a check has a review token"
    return f"r{question.review_token}"


def post_link(question: Question) -> str | None:
    if question.message_id is None or question.channel_id is None:
        return None
    return f"https://discord.com/channels/{question.guild_id}/{question.channel_id}/{question.message_id}"


def title(question: Question) -> str:
    """ "Question 3" (a member never types the number, so no "#")."""
    return f"Question {question.number}" + (" (answered)" if question.status == "answered" else "")


def _button(action: str, ref: str, *, label: str | None = None, disabled: bool = False, row: int = 0) -> Any:
    default, style = LOOKS[action]
    return discord.ui.Button(
        label=label or default, style=style, custom_id=f"{PREFIX}:{action}:{ref}", disabled=disabled, row=row
    )


def _static(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view whose clicks are answered by the registered dynamic items, not by this object.

    Stopped before sending so discord.py does not keep it in memory for every message.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


def _answer_fields(embed: discord.Embed, shown: Shown) -> None:
    """The written answer, escaped like a question and split over fields of 1,024 characters (a
    1,000-character answer full of markdown characters takes two); the embed stays far below 6,000."""
    if shown.answer:
        for index, part in enumerate(render_in_parts(shown.answer, EMBED_FIELD_VALUE, max_parts=3)):
            embed.add_field(name="Answer" if index == 0 else "Answer (continued)", value=part, inline=False)
    if shown.answering_now:
        embed.add_field(name=ANSWERING_NOW, value="The facilitators are talking about this question now.", inline=False)


def _colour(shown: Shown) -> discord.Colour:
    if shown.question.status == "answered":
        return discord.Colour.green()
    return discord.Colour.gold() if shown.answering_now else discord.Colour.blurple()


# ------------------------------------------------------------------------------------ the public post


def question_embed(shown: Shown) -> discord.Embed:
    """The public post: the question's title, its safe text, its written answer and its state."""
    question = shown.question
    embed = discord.Embed(
        title=title(question), description=question_body(question.kind, question.text), colour=_colour(shown)
    )
    _answer_fields(embed, shown)
    # "Being answered now" is said once, in its own field (_answer_fields), not again in the footer.
    footer = ANONYMOUS_FOOTER
    if question.status == "answered":
        footer = "Answered. " + footer
    embed.set_footer(text=footer)
    return embed


def question_view(question: Question) -> discord.ui.View:
    """Under the public post: **Me too** with its count, and nothing a member cannot press. Once the
    question is answered the count stays, greyed out."""
    open_ = question.status == "open"
    return _static(_button("vote", f"n{question.number}", label=f"Me too ({question.votes})", disabled=not open_))


# ------------------------------------------------------------------------------- the facilitators' copy


def copy_embed(shown: Shown, post_link: str | None) -> discord.Embed:
    """The facilitators' copy: the same question, its "Me too" count and a link to the public post."""
    question = shown.question
    if question.status not in ("open", "answered"):
        return discord.Embed(
            title=f"Question {question.number} was removed",
            description="Members no longer see it.",
            colour=discord.Colour.light_grey(),
        )
    embed = discord.Embed(
        title=title(question), description=question_body(question.kind, question.text), colour=_colour(shown)
    )
    _answer_fields(embed, shown)
    embed.add_field(name="Me too", value=str(question.votes), inline=True)
    if post_link:
        embed.add_field(name="Members see it here", value=f"[the question]({post_link})", inline=True)
    embed.set_footer(text=COPY_FOOTER)
    return embed


def copy_view(question: Question) -> discord.ui.View | None:
    """The facilitators' buttons: the answer buttons first, then Remove and Mute (none once removed)."""
    if question.status not in ("open", "answered"):
        return None
    ref = f"n{question.number}"
    open_ = question.status == "open"
    items: list[discord.ui.Item[Any]] = []
    if open_:
        items += [_button("answered", ref), _button("now", ref)]
    items += [_button("write", ref), _button("remove", ref, row=1)]
    if open_:
        items.append(_button("mute", ref, row=1))
    return _static(*items)


# ------------------------------------------------------------------------------------ the check message


def review_embed(question: Question, outcome: str | None = None) -> discord.Embed:
    """The moderation message in the facilitator channel (a rejected question shows no text)."""
    embed = discord.Embed(
        title="A question is waiting for your check" if outcome is None else outcome,
        description=question_body(question.kind, question.text) if question.text else None,
        colour=discord.Colour.orange() if outcome is None else discord.Colour.light_grey(),
    )
    embed.set_footer(text="Approve posts it in the questions channel. Reject means it is never posted.")
    return embed


def review_view(question: Question) -> discord.ui.View:
    ref = public_ref(question)
    return _static(*(_button(action, ref) for action in ("approve", "reject", "mute")))


# -------------------------------------------------------------------------------------- asking


def ask_view() -> discord.ui.View:
    """The **Ask without your name** button (under the meeting-start post): opens the ``/ask`` form."""
    return _static(discord.ui.Button(label=ASK_LABEL, style=discord.ButtonStyle.primary, custom_id=ASK))


def dm_view(guilds: list[discord.Guild]) -> discord.ui.View:
    """One "Ask anonymously" button, or one per server when the member shares several."""
    buttons = []
    for guild in guilds[:25]:
        label = "Ask anonymously" if len(guilds) == 1 else f"Ask in {guild.name}"[:80]
        buttons.append(discord.ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id=dm_ask_id(guild.id)))
    return _static(*buttons)


def dm_ask_id(guild_id: int) -> str:
    return f"{PREFIX}:dmask:{guild_id}"


def asked_reply(where: str, *, waiting: bool, meeting_open: bool) -> str:
    """What the asker is told: where the question went, then what happens next, in two short
    sentences. Never the question's text or number (the reply may be in a DM chat)."""
    if waiting:
        return f"Thank you! A facilitator checks each question first. Then it goes up in {where}, without your name."
    if meeting_open:
        then = (
            "The people running the meeting can see it now, and may answer it out loud. "
            "Others can press **Me too**, and if there is no time, it goes to the next meeting."
        )
    else:
        then = (
            "The people who run the meetings will see it. Others can press **Me too**, and it will come up "
            "at the next meeting."
        )
    return f"Thank you! Your question is now in {where}, without your name.\n{then}"


def vote_reply(added: bool) -> str:
    """The private answer to a **Me too** press."""
    return "Added your Me too. Press again to take it back." if added else "Taken back."


# ------------------------------------------------------------------------------------------ forms


def question_form(guild_id: int, max_length: int) -> discord.ui.Modal:
    """The form behind ``/ask``, **Ask without your name** and "Ask anonymously"; its ``custom_id``
    names the server only. Stopped before it is sent: the cog answers every submission itself."""
    modal = discord.ui.Modal(title=ASK_LABEL, timeout=None, custom_id=f"{FORM_PREFIX}{guild_id}")
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
    """The form behind "Write an answer"; its ``custom_id`` names the question's number only."""
    modal = discord.ui.Modal(
        title=f"Answer to Question {number}"[:45], timeout=None, custom_id=f"{ANSWER_FORM_PREFIX}{number}"
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


def _trailing_number(custom_id: str, prefix: str) -> int | None:
    if not custom_id.startswith(prefix):
        return None
    rest = custom_id[len(prefix) :]
    return int(rest) if rest.isdigit() else None


def answer_form_number(custom_id: str) -> int | None:
    """The question number a submitted answer form is for, or ``None`` if it is not our form."""
    return _trailing_number(custom_id, ANSWER_FORM_PREFIX)


def form_guild_id(custom_id: str) -> int | None:
    """The server a submitted question form belongs to, or ``None`` if it is not our form."""
    return _trailing_number(custom_id, FORM_PREFIX)


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


def manage_view(questions: list[Question]) -> discord.ui.View | None:
    """Under ``/questions list``: a menu that opens any open question's facilitator buttons privately
    (the way in when there is no facilitator channel for the copies)."""
    if not questions:
        return None
    select: discord.ui.Select[Any] = discord.ui.Select(
        custom_id=MANAGE,
        placeholder="Manage a question…",
        options=[
            discord.SelectOption(
                label=f"#{q.number} ({'1 vote' if q.votes == 1 else f'{q.votes} votes'})",
                value=f"n{q.number}",
                description=" ".join(q.text.split())[:100] or None,
            )
            for q in questions[:25]
        ],
    )
    return _static(select)
