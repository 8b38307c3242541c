"""``/aims``: the community's aims and purpose now, or how they changed; facilitators update them.

Thin: :class:`bot.aims.AimsService` (``bot.aims``) keeps the versions and checks new aims. The
**Update the aims** button appears only in a facilitator's own private reply; it opens a form
(``copbot:aims:form``, text inputs ``aims`` and ``reason``) answered by this cog's ``on_interaction``
listener, so a form opened before a restart still works. Who sent it is checked again on submit.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from bot.aims import AIMS_MAX, REASON_MAX, Aims
from bot.app import SOMETHING_WENT_WRONG, CopBot, send_ephemeral
from bot.community_text import shown
from bot.errors import UserError
from bot.text_limits import pack_sections
from cogs._shared import (
    NO_PINGS,
    HelpSection,
    IdButton,
    for_facilitators,
    guild_of,
    is_facilitator,
    require_facilitator,
)
from cogs.questions._render import form_value

log = logging.getLogger(__name__)

FORM_ID = "copbot:aims:form"
COLOUR = discord.Colour.dark_teal()
HISTORY_HINT = "To see how they have changed, choose history in /aims."


def _when(aims: Aims) -> str:
    """When and why these aims were set, in one line (the starting text has neither)."""
    if aims.changed_at is None:
        return "These are the aims we started with. They can change as we go."
    at = f", at meeting {aims.meeting_number}" if aims.meeting_number is not None else ""
    return f"Changed {format_dt(aims.changed_at, 'D')}{at}. Why: {shown(aims.reason or '')}"


def current_embed(aims: Aims) -> discord.Embed:
    embed = discord.Embed(title="Our aims", description=shown(aims.text), colour=COLOUR)
    embed.add_field(
        name="Where we started" if aims.changed_at is None else "Last changed", value=_when(aims), inline=False
    )
    if not aims.is_starting_text:
        embed.set_footer(text=HISTORY_HINT)
    return embed


def history_messages(history: list[Aims]) -> list[list[discord.Embed]]:
    """Every version, oldest first, each with its date and reason; as many messages as it needs."""
    lines = []
    for aims in history:
        head = "**Where we started**" if aims.is_starting_text else f"**{_when(aims)}**"
        lines.append(f"{head}\n{shown(aims.text)}\n")
    title = "How our aims have changed" if len(history) > 1 else "Our aims have not changed yet"
    return [
        [discord.Embed(title=t, description=d, colour=COLOUR) for t, d in message]
        for message in pack_sections([(title, lines)])
    ]


def aims_form(current: str) -> discord.ui.Modal:
    modal = discord.ui.Modal(title="Update the aims", timeout=None, custom_id=FORM_ID)
    modal.add_item(
        discord.ui.TextInput(
            label="Our aims and purpose",
            custom_id="aims",
            style=discord.TextStyle.paragraph,
            default=current[:AIMS_MAX],
            placeholder="Short sentences and everyday words help everyone.",
            min_length=1,
            max_length=AIMS_MAX,
        )
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Why they changed, in one line",
            custom_id="reason",
            placeholder="For example: agreed at the meeting of 12 March",
            min_length=1,
            max_length=REASON_MAX,
        )
    )
    modal.stop()
    return modal


class UpdateAimsButton(IdButton, action="update"):
    """In a facilitator's own ``/aims`` reply only; checked again on press and on submit."""

    prefix = "copbot:aims"
    label = "Update the aims"
    style = discord.ButtonStyle.primary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> Any:
        bot: CopBot = interaction.client  # type: ignore[assignment]
        current = await bot.aims.current(guild_of(interaction).id)
        await interaction.response.send_modal(aims_form(current.text))


def update_view() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(UpdateAimsButton(0))
    view.stop()
    return view


class AimsCog(commands.Cog):
    """``/aims`` and the facilitators' **Update the aims** form."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=2,
        title="Our aims",
        lines=(),  # members find /aims in the welcome's section of /help
        facilitator_lines=(
            "Your own `/aims` reply has **Update the aims**: write the new aims and one line on why. Every change "
            "is dated and kept. The welcome, `/help` and the list before each meeting show the current aims.",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(UpdateAimsButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(UpdateAimsButton)

    @app_commands.command(name="aims", description="What our community is for, and how that has changed")
    @app_commands.describe(history="Show every change to the aims, oldest first")
    @app_commands.guild_only()
    async def aims(self, interaction: discord.Interaction, history: bool = False) -> None:
        guild = guild_of(interaction)
        extra: dict[str, Any] = {"view": update_view()} if await is_facilitator(self.bot, interaction.user) else {}
        if history:
            first, *rest = history_messages(await self.bot.aims.history(guild.id))
            await interaction.response.send_message(embeds=first, ephemeral=True, allowed_mentions=NO_PINGS, **extra)
            for embeds in rest:
                await interaction.followup.send(embeds=embeds, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        embed = current_embed(await self.bot.aims.current(guild.id))
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS, **extra)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A submitted **Update the aims** form (also one opened before a restart)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        if data.get("custom_id") != FORM_ID:
            return
        try:
            if interaction.guild is None:
                await send_ephemeral(interaction, "Please update the aims in the community's server.")
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            components = list(data.get("components") or [])
            try:
                await require_facilitator(interaction)  # again: the role may have gone while the form was open
                saved, reading = await self.bot.aims.update(
                    interaction.guild.id,
                    form_value(components, "aims") or "",
                    form_value(components, "reason") or "",
                    interaction.user.id,
                )
            except UserError as error:
                await send_ephemeral(interaction, error.message)
                return
            log.info("The aims were updated in server %s (version %s)", interaction.guild.id, saved.version)
            await send_ephemeral(
                interaction,
                "Saved. These are now our aims: /aims, /help, the welcome and the list before each meeting show "
                f"them, and the old ones stay in the history. They have {reading.describe()}.",
            )
        except Exception:
            log.exception("Could not handle an aims form in server %s", getattr(interaction.guild, "id", None))
            await send_ephemeral(interaction, SOMETHING_WENT_WRONG)


async def setup(bot: CopBot) -> None:
    await bot.add_cog(AimsCog(bot))
