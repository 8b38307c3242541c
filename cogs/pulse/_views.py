"""The check-in's buttons and form.

* "Answer anonymously" (``copbot:pulse:answer:<check-in id>``) under the DM (and under the fallback
  post for people whose DMs are closed) opens the form. It keeps working after a restart.
* "Send the check-in" (``copbot:pulse:offer:<meeting number>``) under the "meeting has ended"
  message sends the check-in for that meeting (facilitators).
* The form (``copbot:pulse:form:<check-in id>``) has the contract's custom_ids: ``felt_able``,
  ``understood``, ``good_use`` (string selects, values "1"-"5"), ``comment`` (optional) and
  ``share_role`` ("yes"/"no", default no). The cog reads its submission from the raw values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.clock import utcnow
from bot.pulse.results import STATEMENTS
from cogs._shared import IdButton, replies_to_user_errors, require_facilitator

if TYPE_CHECKING:
    from bot.app import CopBot

SCORE_WORDS = {"1": "1 – not at all", "2": "2", "3": "3 – somewhat", "4": "4", "5": "5 – very much"}
THANKS = (
    "Thank you! Your answers are in, anonymously. Nobody can see who answered or what they said, "
    "and nothing in your messages with me changes."
)


class _PulseButton(IdButton):
    prefix = "copbot:pulse"


class AnswerButton(_PulseButton, action="answer"):
    """Opens the form; the check (asked? open? answered already?) is made again on submit."""

    label = "Answer anonymously"
    style = discord.ButtonStyle.primary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot: CopBot = interaction.client  # type: ignore[assignment]
        pulse = await bot.pulses.can_answer(self.target_id, interaction.user.id, utcnow())
        config = bot.config.pulse
        await interaction.response.send_modal(pulse_form(pulse.id, config.comment_length, config.min_group))


class OfferButton(_PulseButton, action="offer"):
    """ "Send the check-in" after ``/meeting end``; ``target_id`` is the meeting's number."""

    label = "Send the check-in"
    style = discord.ButtonStyle.primary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await require_facilitator(interaction)
        from cogs.pulse._cog import send_check_in

        await send_check_in(interaction.client, interaction, self.target_id)  # type: ignore[arg-type]


def answer_view(pulse_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton(pulse_id))
    return view


def offer_view(meeting_number: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(OfferButton(meeting_number))
    return view


def _score_select(custom_id: str) -> discord.ui.Select[Any]:
    return discord.ui.Select(
        custom_id=custom_id,
        placeholder="Choose from 1 (not at all) to 5 (very much)",
        options=[discord.SelectOption(label=words, value=value) for value, words in SCORE_WORDS.items()],
    )


FORM_PREFIX = "copbot:pulse:form:"


def pulse_form(pulse_id: int, comment_length: int, min_group: int) -> discord.ui.Modal:
    """The check-in form: three statements, an optional comment, and "share my role" (default no).

    A plain modal whose ``custom_id`` carries the check-in's id; the cog's ``on_interaction`` reads the
    submitted values, so a form opened before a restart still works after it.
    """
    modal = discord.ui.Modal(title="Anonymous check-in", custom_id=f"{FORM_PREFIX}{pulse_id}", timeout=None)
    for key, words in STATEMENTS:
        modal.add_item(discord.ui.Label(text=words, component=_score_select(key)))
    comment: discord.ui.TextInput[Any] = discord.ui.TextInput(
        custom_id="comment",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=comment_length,
        placeholder="Anything you'd like the facilitators to know (optional)",
    )
    modal.add_item(
        discord.ui.Label(
            text="A comment (optional)",
            description="Please leave out names, phone numbers and health details.",
            component=comment,
        )
    )
    share: discord.ui.Select[Any] = discord.ui.Select(
        custom_id="share_role",
        required=False,
        options=[
            discord.SelectOption(label="No, keep my role private", value="no", default=True),
            discord.SelectOption(label="Yes, share my role", value="yes"),
        ],
    )
    modal.add_item(
        discord.ui.Label(
            text="Share my role with my answer?",
            description=f"Roles are only shown for groups of {min_group} or more.",
            component=share,
        )
    )
    return modal


def form_pulse_id(custom_id: str) -> int | None:
    """The check-in id in a submitted form's ``custom_id`` (``None`` if it is not a check-in form)."""
    if not custom_id.startswith(FORM_PREFIX):
        return None
    rest = custom_id[len(FORM_PREFIX) :]
    return int(rest) if rest.isdigit() else None


def submitted(components: list[dict[str, Any]], custom_id: str) -> str | None:
    """The value of control ``custom_id`` in a submitted form: a text input's text or a select's
    first choice, looked for inside rows and labels; ``None`` if absent or nothing was chosen."""
    for component in components:
        if component.get("custom_id") == custom_id:
            if "values" in component:
                values = list(component.get("values") or [])
                return str(values[0]) if values else None
            if "value" in component:
                return None if component["value"] is None else str(component["value"])
        children = list(component.get("components") or [])
        if component.get("component"):
            children.append(component["component"])
        found = submitted(children, custom_id)
        if found is not None:
            return found
    return None


DYNAMIC_ITEMS = (AnswerButton, OfferButton)
