"""``/help``: a plain-language guide, built from the community's current aims (``/aims``) and the
``help_section`` each feature's cog declares, so help grows by itself as features are added. (The
welcome new members get by direct message is :mod:`cogs.welcome`.)
"""

from __future__ import annotations

import logging
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
from cogs._shared import HelpSection

log = logging.getLogger(__name__)


class HelpCog(commands.Cog):
    """Explains copbot in plain language."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=0,
        title="Getting started",
        lines=(
            "Type `/` in a channel to see copbot's commands. Replies that are only for you are marked "
            "“Only you can see this”.",
            'You can also send copbot a direct message: it answers with an "Ask anonymously" button that '
            "opens the question form (what you type in the message itself is never posted).",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    def sections(self) -> list[HelpSection]:
        """Every loaded feature's help section, in their chosen order."""
        found = [getattr(cog, "help_section", None) for cog in self.bot.cogs.values()]
        return sorted((s for s in found if isinstance(s, HelpSection)), key=lambda s: s.order)

    def build_embeds(self, aims: str) -> list[discord.Embed]:
        """The guide as one embed, or more when the community's long aims and every feature's section
        would pass Discord's 6,000 characters for one message: each embed holds whole sections and is
        sent as a message of its own, so nothing is cut mid-sentence."""
        community = self.bot.config.community
        footer = "If anything is unclear, ask: there are no silly questions here."
        first = discord.Embed(
            title=fit(f"How copbot helps {community.name}", EMBED_TITLE),
            description=fit(shown(aims), EMBED_DESCRIPTION),
            colour=discord.Colour.blurple(),
        )
        embeds = [first]
        for section in self.sections():
            text = "\n".join(f"• {line}" for line in section.lines)
            if section.facilitator_lines:
                text += "\n*For facilitators:*\n" + "\n".join(f"• {line}" for line in section.facilitator_lines)
            name, value = fit(section.title, EMBED_FIELD_NAME), fit(text, EMBED_FIELD_VALUE)
            current = embeds[-1]
            if len(current) + len(name) + len(value) + len(footer) > EMBED_TOTAL or len(current.fields) >= 25:
                current = discord.Embed(title="How copbot helps (continued)", colour=discord.Colour.blurple())
                embeds.append(current)
            current.add_field(name=name, value=value, inline=False)
        embeds[-1].set_footer(text=footer)
        return embeds

    @app_commands.command(name="help", description="A plain-language guide to everything copbot does")
    async def help(self, interaction: discord.Interaction) -> None:
        aims = await self.bot.aims.current(interaction.guild.id if interaction.guild else None)
        first, *rest = self.build_embeds(aims.text)
        await interaction.response.send_message(embed=first, ephemeral=True)
        for embed in rest:
            await interaction.followup.send(embed=embed, ephemeral=True)


async def setup(bot: CopBot) -> None:
    await bot.add_cog(HelpCog(bot))
