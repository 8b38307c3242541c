"""``/glossary``: look up the words used at meetings; facilitators write them from their own private reply.

Thin: :class:`bot.glossary.service.GlossaryService` (``bot.glossary``) decides what may be written and
says why not; :mod:`cogs.glossary._views` draws words, lists, buttons and forms. A submitted form is
checked again here (is the sender still a facilitator?) before anything is saved, since a role can be
taken away while a form is open.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import SOMETHING_WENT_WRONG, CopBot, send_ephemeral
from bot.community_text import shown
from bot.errors import UserError
from cogs._shared import NO_PINGS, HelpSection, guild_of, is_facilitator, require_facilitator
from cogs.glossary._views import (
    DYNAMIC_ITEMS,
    controls_view,
    entry_embed,
    list_messages,
    offer_view,
    parse_form,
    written_sentence,
)
from cogs.questions._render import form_value

log = logging.getLogger(__name__)

STALE_FORM = "Sorry, I can't tell which word that form was for. Nothing was saved; please press the button again."


class GlossaryCog(commands.Cog):
    """``/glossary`` and the facilitators' glossary buttons and forms."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=35,
        title="Words we use",
        lines=(),  # members find /glossary in the welcome's section of /help
        facilitator_lines=(
            "Your own `/glossary` reply has **Add a term**, **Change** and **Remove**. When you write an answer to "
            "an `/explain` question, **Add to the glossary** puts it in with one press. Words explained during a "
            "meeting are listed in its recap.",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.glossary_offer = offer_view

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.glossary_offer = None

    @app_commands.command(name="glossary", description="What the words used at our meetings mean, in plain language")
    @app_commands.describe(term="The word to look up (leave empty to see them all)")
    @app_commands.guild_only()
    async def glossary(self, interaction: discord.Interaction, term: str | None = None) -> None:
        guild = guild_of(interaction)
        facilitator = await is_facilitator(self.bot, interaction.user)
        extra: dict[str, Any] = {}
        if term is not None and term.strip():
            entry = await self.bot.glossary.look_up(guild.id, term)
            if facilitator:
                extra["view"] = controls_view(entry.number if entry else 0)
            if entry is None:
                await interaction.response.send_message(
                    f"“{shown(' '.join(term.split())[:100])}” is not in the glossary yet. You can ask what it means "
                    "with /explain, without your name.",
                    ephemeral=True,
                    allowed_mentions=NO_PINGS,
                    **extra,
                )
                return
            embed = entry_embed(entry, for_facilitator=facilitator)
            await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS, **extra)
            return
        first, *rest = list_messages(await self.bot.glossary.entries(guild.id))
        if facilitator:
            extra["view"] = controls_view(0)
        await interaction.response.send_message(embeds=first, ephemeral=True, allowed_mentions=NO_PINGS, **extra)
        for embeds in rest:
            await interaction.followup.send(embeds=embeds, ephemeral=True, allowed_mentions=NO_PINGS)

    @glossary.autocomplete("term")
    async def term_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """At most 25 words: those starting with what was typed, then those containing it."""
        if interaction.guild is None:
            return []
        found = await self.bot.glossary.suggest(interaction.guild.id, current)
        return [app_commands.Choice(name=t[:100], value=t[:100]) for t in found]

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A submitted glossary form (also one opened before a restart)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        parsed = parse_form(str(data.get("custom_id", "")))
        if parsed is None:
            return
        kind, number = parsed
        try:
            if interaction.guild is None:
                await send_ephemeral(interaction, STALE_FORM)
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            components = list(data.get("components") or [])
            term = form_value(components, "term") or ""
            meaning = form_value(components, "meaning") or ""
            try:
                await require_facilitator(interaction)  # again: the role may have gone while the form was open
                sentence = await self._save(interaction.guild.id, interaction.user.id, kind, number, term, meaning)
            except UserError as error:
                await send_ephemeral(interaction, error.message)
                return
            await send_ephemeral(interaction, sentence)
        except Exception:
            log.exception("Could not handle a glossary form in server %s", getattr(interaction.guild, "id", None))
            await send_ephemeral(interaction, SOMETHING_WENT_WRONG)

    async def _save(self, guild_id: int, writer: int, kind: str, number: int, term: str, meaning: str) -> str:
        glossary = self.bot.glossary
        if kind == "add":
            return written_sentence(await glossary.add(guild_id, term, meaning, writer))
        if kind == "change":
            changed = await glossary.change(guild_id, number or None, term, meaning, writer)
            return written_sentence(changed, changed=True)
        removed = await glossary.remove(guild_id, term)
        log.info("A glossary word was removed in server %s", guild_id)
        return f"Removed **{shown(removed.term)}** from the glossary."
