"""``/help``: a short guide for members under the community's current aims (``/aims``), and one for
facilitators, built from the ``help_section`` each feature's cog declares, so help grows by itself as
features are added. (The welcome new members get by direct message is :mod:`cogs.welcome`.)
"""

from __future__ import annotations

import logging
import re
from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.community_text import shown
from bot.text_limits import (
    EMBED_DESCRIPTION,
    EMBED_FIELD_NAME,
    EMBED_FIELD_VALUE,
    EMBED_TITLE,
    EMBED_TOTAL,
    fit,
)
from cogs._shared import HelpSection, is_facilitator

log = logging.getLogger(__name__)


COLOUR = discord.Colour.blurple()
GUIDE_FOOTER = "If anything is unclear, ask: there are no silly questions here."
FACILITATOR_HINT = "You help run this community: choose the facilitators topic in /help for your guide."
TOPICS = [app_commands.Choice(name="The facilitators' guide", value="facilitators")]
#: How a section that needs more than one field goes on (each field holds whole lines).
CONTINUED = " (continued)"


def _pieces(line: str, limit: int) -> list[str]:
    """A help line as pieces of at most ``limit`` characters, cut only between sentences.

    No line written for copbot comes near the limit; this keeps the promise that nothing is ever cut
    mid-sentence even if one did (only a single sentence longer than a whole field would be shortened).
    """
    if len(line) <= limit:
        return [line]
    pieces: list[str] = []
    current = ""
    for sentence in re.split(r"(?<=[.!?]) ", line):
        joined = f"{current} {sentence}" if current else sentence
        if len(joined) <= limit:
            current = joined
            continue
        if current:
            pieces.append(current)
        current = fit(sentence, limit)
    if current:
        pieces.append(current)
    return pieces


def section_fields(title: str, lines: tuple[str, ...]) -> list[tuple[str, str]]:
    """One section as embed fields (name, value): whole lines, "• " each, as many fields as it needs."""
    fields: list[tuple[str, str]] = []
    current: list[str] = []
    for line in lines:
        for piece in _pieces(f"• {line}", EMBED_FIELD_VALUE):
            if current and len("\n".join([*current, piece])) > EMBED_FIELD_VALUE:
                fields.append(("", "\n".join(current)))
                current = []
            current.append(piece)
    if current:
        fields.append(("", "\n".join(current)))
    name = fit(title, EMBED_FIELD_NAME - len(CONTINUED))
    return [(name if i == 0 else name + CONTINUED, value) for i, (_, value) in enumerate(fields)]


def guide_embeds(title: str, description: str, fields: list[tuple[str, str]], footer: str) -> list[discord.Embed]:
    """The guide as embeds, one per message: each within Discord's 6,000 characters and 25 fields,
    every field whole, so nothing is ever cut short."""
    first = discord.Embed(
        title=fit(title, EMBED_TITLE), description=fit(description, EMBED_DESCRIPTION) or None, colour=COLOUR
    )
    embeds = [first]
    for name, value in fields:
        current = embeds[-1]
        if len(current) + len(name) + len(value) + len(footer) > EMBED_TOTAL or len(current.fields) >= 25:
            current = discord.Embed(title=fit(f"{title} (continued)", EMBED_TITLE), colour=COLOUR)
            embeds.append(current)
        current.add_field(name=name, value=value, inline=False)
    embeds[-1].set_footer(text=footer)
    return embeds


class HelpCog(commands.Cog):
    """Explains copbot in plain language: a short guide for members, and one for facilitators."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=0,
        title="Getting started",
        lines=("Type / to see what copbot can do. Replies marked “Only you can see this” are just for you.",),
        facilitator_lines=(
            "Members see only their own commands and buttons. Yours are in the facilitator channel, in the "
            "meeting panel, and in replies only you can see.",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    def sections(self) -> list[HelpSection]:
        """Every loaded feature's help section, in their chosen order."""
        found = [getattr(cog, "help_section", None) for cog in self.bot.cogs.values()]
        return sorted((s for s in found if isinstance(s, HelpSection)), key=lambda s: s.order)

    def member_guide(self, aims: str, *, for_facilitator: bool = False) -> list[discord.Embed]:
        """The members' guide: what copbot does for them, under the community's current aims (``/aims``),
        shown as the facilitators wrote them."""
        community = self.bot.config.community
        fields = [f for s in self.sections() if s.lines for f in section_fields(s.title, s.lines)]
        footer = f"{GUIDE_FOOTER} {FACILITATOR_HINT}" if for_facilitator else GUIDE_FOOTER
        return guide_embeds(f"How copbot helps {community.name}", shown(aims), fields, footer)

    def facilitator_guide(self) -> list[discord.Embed]:
        """The facilitators' guide: every feature's facilitator lines."""
        fields = [
            f for s in self.sections() if s.facilitator_lines for f in section_fields(s.title, s.facilitator_lines)
        ]
        return guide_embeds(
            "Running meetings with copbot",
            "Only facilitators can use these commands and buttons. Replies to them are private unless they post "
            "for everyone.",
            fields,
            GUIDE_FOOTER,
        )

    @app_commands.command(name="help", description="A plain-language guide to what copbot does for you")
    @app_commands.describe(topic="Leave empty for the members' guide")
    @app_commands.choices(topic=TOPICS)
    async def help(self, interaction: discord.Interaction, topic: app_commands.Choice[str] | None = None) -> None:
        if topic is not None and topic.value == "facilitators":
            embeds = self.facilitator_guide()
        else:
            aims = await self.bot.aims.current(interaction.guild.id if interaction.guild else None)
            embeds = self.member_guide(aims.text, for_facilitator=await is_facilitator(self.bot, interaction.user))
        first, *rest = embeds
        await interaction.response.send_message(embed=first, ephemeral=True)
        for embed in rest:
            await interaction.followup.send(embed=embed, ephemeral=True)


async def setup(bot: CopBot) -> None:
    await bot.add_cog(HelpCog(bot))
