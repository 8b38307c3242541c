"""``/help``, and the welcome message new members get by direct message.

Both are built from the same parts: the community's purpose from config and the ``help_section``
each feature's cog declares, so help grows by itself as features are added.
"""

from __future__ import annotations

import logging
from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.privacy import promise
from bot.text_limits import (
    EMBED_DESCRIPTION,
    EMBED_FIELD_NAME,
    EMBED_FIELD_VALUE,
    EMBED_TITLE,
    EMBED_TOTAL,
    MESSAGE,
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
            f"opens the question form (what you type in the message itself is never posted). {promise.DM_SEEN}",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    def sections(self) -> list[HelpSection]:
        """Every loaded feature's help section, in their chosen order."""
        found = [getattr(cog, "help_section", None) for cog in self.bot.cogs.values()]
        return sorted((s for s in found if isinstance(s, HelpSection)), key=lambda s: s.order)

    def build_embeds(self) -> list[discord.Embed]:
        """The guide as one embed, or more when the community's long purpose and every feature's section
        would pass Discord's 6,000 characters for one message: each embed holds whole sections and is
        sent as a message of its own, so nothing is cut mid-sentence."""
        community = self.bot.config.community
        footer = "If anything is unclear, ask: there are no silly questions here."
        first = discord.Embed(
            title=fit(f"How copbot helps {community.name}", EMBED_TITLE),
            description=fit(community.purpose, EMBED_DESCRIPTION),
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
        first, *rest = self.build_embeds()
        await interaction.response.send_message(embed=first, ephemeral=True)
        for embed in rest:
            await interaction.followup.send(embed=embed, ephemeral=True)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """Welcome new people privately, in servers where copbot has been set up."""
        if member.bot:
            return
        settings = await self.bot.settings.get(member.guild.id)
        if not settings.is_configured:
            return
        community = self.bot.config.community
        text = (
            f"Welcome to **{discord.utils.escape_markdown(member.guild.name)}**!\n\n"
            f"{community.purpose}\n\n"
            "Two things that help:\n"
            "• Tell us which part of the community you come from with `/profile` in the server. "
            "It helps us mix people well in small groups.\n"
            "• If something is unclear, you can ask without giving your name: use `/ask` in the server. "
            f"{' '.join(promise.SHORT)}\n"
            "• You can also send me a message here and press **Ask anonymously** in my answer to open the form. "
            f"{' '.join(promise.DIRECT_MESSAGES)} I never post what you type in this chat, and it stays here "
            "until you delete it.\n\n"
            "Type `/help` in the server any time for a guide, and `/privacy` to see what copbot keeps about you "
            "(and how to see it or have it deleted)."
        )
        try:
            await member.send(fit(text, MESSAGE))
        except discord.HTTPException:
            log.info("Could not send a welcome message in server %s: their direct messages are closed", member.guild.id)


async def setup(bot: CopBot) -> None:
    await bot.add_cog(HelpCog(bot))
