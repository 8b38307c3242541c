"""The glossary's look in Discord: a word, the list, the facilitators' buttons and forms.

Facilitators' buttons appear only in a facilitator's own private reply to ``/glossary`` (and after they
write an answer to an ``/explain`` question), so members never see a control that is not theirs; each
press and each form is checked again all the same. Buttons are :class:`cogs._shared.IdButton`\\ s
(``copbot:glossary:<action>:<number>``: the word's per-server number, never its row id, which counts
across servers; 0 when no word was chosen), so they work after a restart. Forms
(``copbot:glossary:form:<add|change|remove>:<number>``, text inputs ``term`` and ``meaning``) are
answered by the cog's ``on_interaction`` listener, not by discord.py's in-memory store, for the same
reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord.utils import format_dt

from bot.community_text import shown
from bot.glossary.rules import MEANING_MAX
from bot.glossary.service import Written
from bot.storage.glossary import GlossaryEntry
from bot.text_limits import pack_sections
from cogs._shared import IdButton, for_facilitators

if TYPE_CHECKING:
    from bot.app import CopBot

PREFIX = "copbot:glossary"
FORM_PREFIX = f"{PREFIX}:form:"
COLOUR = discord.Colour.teal()
LIST_FOOTER = "Type /glossary with a word to see what it means. Missing a word? Ask about it with /explain."
#: The form lets a little more than a term may hold through, so a term that is too long gets a sentence
#: saying how long it may be, rather than a box that silently stops taking letters.
TERM_INPUT_MAX = 100
FORM_TITLES = {"add": "Add a word to the glossary", "change": "Change a glossary word", "remove": "Remove a word"}


# ------------------------------------------------------------------------------------------ looks


def entry_embed(entry: GlossaryEntry, *, for_facilitator: bool) -> discord.Embed:
    """One word. Members see the word and its meaning only; a facilitator also sees who last wrote it."""
    embed = discord.Embed(title=shown(entry.term), description=shown(entry.meaning), colour=COLOUR)
    if for_facilitator:
        who = "copbot's starter words" if entry.written_by == 0 else f"<@{entry.written_by}>"
        note = f"{who}, {format_dt(entry.updated_at, 'D')}"
        if entry.question_number is not None:
            note += f", from the answer to Question #{entry.question_number}"
        embed.add_field(name="Last written by (only facilitators see this)", value=note, inline=False)
    return embed


def list_messages(entries: list[GlossaryEntry]) -> list[list[discord.Embed]]:
    """The whole glossary: every word with its meaning when that fits one message, else the words alone,
    grouped by first letter (a meaning is then one ``/glossary`` away)."""
    title = f"Words we use ({len(entries)})"
    if not entries:
        return [[discord.Embed(title="Words we use", description="The glossary is empty for now.", colour=COLOUR)]]
    full = [f"**{shown(e.term)}**: {shown(e.meaning)}" for e in entries]
    packed = pack_sections([(title, full)])
    if len(packed) > 1:
        groups: dict[str, list[str]] = {}
        for entry in entries:
            groups.setdefault(entry.term[:1].upper(), []).append(shown(entry.term))
        packed = pack_sections([(title, [f"**{shown(k)}**: {' · '.join(v)}" for k, v in groups.items()])])
    messages = [[discord.Embed(title=t, description=d, colour=COLOUR) for t, d in message] for message in packed]
    messages[-1][-1].set_footer(text=LIST_FOOTER)
    return messages


def written_sentence(written: Written, *, changed: bool = False) -> str:
    """What the facilitator who wrote a word is told: that it is saved, and how easy its meaning is to read."""
    term = f"**{shown(written.entry.term)}**"
    head = f"Saved the new meaning of {term}." if changed else f"Added {term} to the glossary."
    return f"{head} Its meaning: {written.reading.describe()}."


def controls_view(number: int) -> discord.ui.View:
    """**Add a term**, **Change**, **Remove**: for a facilitator's own private reply only."""
    view = discord.ui.View(timeout=None)
    view.add_item(AddButton(0))
    view.add_item(ChangeButton(number))
    view.add_item(RemoveButton(number))
    view.stop()
    return view


def offer_view(question_number: int) -> discord.ui.View:
    """**Add to the glossary**, under a facilitator's answer to an ``/explain`` question: one press."""
    view = discord.ui.View(timeout=None)
    view.add_item(FromAnswerButton(question_number))
    view.stop()
    return view


def glossary_form(kind: str, number: int, term: str = "", meaning: str = "") -> discord.ui.Modal:
    """The form behind a button: ``term`` (and ``meaning``, except to remove), filled in when a word was chosen."""
    modal = discord.ui.Modal(title=FORM_TITLES[kind], timeout=None, custom_id=f"{FORM_PREFIX}{kind}:{number}")
    modal.add_item(
        discord.ui.TextInput(
            label="The word or phrase" if kind != "remove" else "The word to remove",
            custom_id="term",
            default=term or None,
            placeholder="For example: commissioner",
            min_length=1,
            max_length=TERM_INPUT_MAX,
        )
    )
    if kind != "remove":
        modal.add_item(
            discord.ui.TextInput(
                label="What it means, in plain words",
                custom_id="meaning",
                style=discord.TextStyle.paragraph,
                default=meaning or None,
                placeholder="Short sentences and everyday words help everyone.",
                min_length=1,
                max_length=MEANING_MAX,
            )
        )
    modal.stop()
    return modal


def parse_form(custom_id: str) -> tuple[str, int] | None:
    """``(kind, entry id)`` of a submitted glossary form, or ``None`` if it is not one."""
    if not custom_id.startswith(FORM_PREFIX):
        return None
    kind, _, rest = custom_id[len(FORM_PREFIX) :].partition(":")
    if kind not in FORM_TITLES or not rest.isdigit():
        return None
    return kind, int(rest)


# --------------------------------------------------------------------------------------- buttons


class _GlossaryButton(IdButton):
    prefix = PREFIX


async def _open_form(interaction: discord.Interaction, kind: str, number: int) -> None:
    """A facilitator pressed a button (checked by :func:`for_facilitators`): the form, filled in with the
    chosen word if there is one."""
    bot: CopBot = interaction.client  # type: ignore[assignment]
    term = meaning = ""
    if number and interaction.guild is not None:
        entry = await bot.glossary.repo.get(interaction.guild.id, number)
        term, meaning = entry.term, entry.meaning
    await interaction.response.send_modal(glossary_form(kind, number, term, meaning))


class AddButton(_GlossaryButton, action="add"):
    label = "Add a term"
    style = discord.ButtonStyle.success

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> Any:
        await _open_form(interaction, "add", 0)


class ChangeButton(_GlossaryButton, action="change"):
    label = "Change"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> Any:
        await _open_form(interaction, "change", self.target_id)


class RemoveButton(_GlossaryButton, action="remove"):
    label = "Remove"
    style = discord.ButtonStyle.danger

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> Any:
        await _open_form(interaction, "remove", self.target_id)


class FromAnswerButton(_GlossaryButton, action="fromq"):
    """The word asked about with ``/explain`` (question ``#target_id``), with its written answer."""

    label = "Add to the glossary"
    style = discord.ButtonStyle.success

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> Any:
        if interaction.guild is None:
            return
        bot: CopBot = interaction.client  # type: ignore[assignment]
        written = await bot.glossary.add_from_answer(interaction.guild.id, self.target_id, interaction.user.id)
        await interaction.response.edit_message(view=None)
        await interaction.followup.send(written_sentence(written), ephemeral=True)


DYNAMIC_ITEMS = (AddButton, ChangeButton, RemoveButton, FromAnswerButton)
