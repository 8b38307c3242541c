"""The check-in's buttons and form.

* "Answer anonymously" (``copbot:pulse:answer:<server>:<number>``) under the DM (and under the fallback
  post for people whose DMs are closed) opens the form. It keeps working after a restart. It names the
  check-in by its per-server number, never by its row id (which counts across every server, so would
  show other servers' activity); the server id is there because a DM has no server of its own.
  Buttons sent before this change carry the row id (``copbot:pulse:answer:<id>``) and still work.
* "Send the check-in" (``copbot:pulse:offer:<meeting number>``) under the "meeting has ended"
  message sends the check-in for that meeting (facilitators).
* The form (``copbot:pulse:form:<server>:<number>``, or the old ``copbot:pulse:form:<id>``) has the
  contract's custom_ids: ``felt_able``, ``understood``, ``good_use`` (string selects, values "1"-"5"),
  ``comment`` (optional) and ``share_role`` ("yes"/"no", default no). The cog reads its submission
  from the raw values.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.clock import utcnow
from bot.privacy import promise
from bot.pulse.results import STATEMENTS
from bot.storage.pulses import Pulse
from cogs._shared import IdButton, for_facilitators, replies_to_user_errors

if TYPE_CHECKING:
    from bot.app import CopBot

SCORE_WORDS = {"1": "1 – not at all", "2": "2", "3": "3 – somewhat", "4": "4", "5": "5 – very much"}
THANKS = f"Thank you! Your answers are in. {promise.ANSWER_KEPT} Nothing in your messages with me changes."


class _PulseButton(IdButton):
    prefix = "copbot:pulse"


#: A check-in named in a custom_id: ``<server>:<number>`` now, a bare row id on old buttons and forms.
CHECK_IN_REF = r"(?:(?P<guild>[0-9]+):(?P<number>[0-9]+)|(?P<legacy>[0-9]+))"


def public_ref(pulse: Pulse) -> str:
    """What a button or form carries for ``pulse``: its server and per-server number."""
    return f"{pulse.guild_id}:{pulse.number}"


async def resolve_ref(bot: CopBot, match: re.Match[str]) -> int:
    """The row id of the check-in a custom_id names (see :data:`CHECK_IN_REF`)."""
    if match["legacy"] is not None:
        return int(match["legacy"])
    return await bot.pulses.id_for(int(match["guild"]), int(match["number"]))


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"copbot:pulse:answer:{CHECK_IN_REF}"):
    """Opens the form; the check (asked? open? answered already?) is made again on submit."""

    def __init__(self, ref: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Answer anonymously", style=discord.ButtonStyle.primary, custom_id=f"copbot:pulse:answer:{ref}"
            )
        )
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(match.group(0).rsplit(":answer:", 1)[1])

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot: CopBot = interaction.client  # type: ignore[assignment]
        match = re.fullmatch(CHECK_IN_REF, self.ref)
        assert match is not None
        pulse = await bot.pulses.can_answer(await resolve_ref(bot, match), interaction.user.id, utcnow())
        config = bot.config.pulse
        await interaction.response.send_modal(pulse_form(pulse, config.comment_length, config.min_group))


class OfferButton(_PulseButton, action="offer"):
    """ "Send the check-in" after ``/meeting end``; ``target_id`` is the meeting's number."""

    label = "Send the check-in"
    style = discord.ButtonStyle.primary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        from cogs.pulse._cog import send_check_in

        await send_check_in(interaction.client, interaction, self.target_id)  # type: ignore[arg-type]


def answer_view(pulse: Pulse) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton(public_ref(pulse)))
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


def pulse_form(pulse: Pulse, comment_length: int, min_group: int) -> discord.ui.Modal:
    """The check-in form: three statements, an optional comment, and "share my role" (default no).

    A plain modal whose ``custom_id`` names the check-in (server and number); the cog's
    ``on_interaction`` reads the submitted values, so a form opened before a restart still works after it.
    """
    modal = discord.ui.Modal(title="How was the meeting?", custom_id=f"{FORM_PREFIX}{public_ref(pulse)}", timeout=None)
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


def form_ref(custom_id: str) -> re.Match[str] | None:
    """The check-in a submitted form names (see :func:`resolve_ref`), ``None`` if it is not a check-in form."""
    if not custom_id.startswith(FORM_PREFIX):
        return None
    return re.fullmatch(CHECK_IN_REF, custom_id[len(FORM_PREFIX) :])


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
