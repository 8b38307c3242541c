"""The facilitator panel's buttons that run copbot's other features during a meeting.

**Icebreaker round** (in the meeting channel, where everyone sees it), **Plan breakouts**, **Close
breakouts**, **Open questions** and **Add an action**; **End the meeting** and the panel itself are in
:mod:`cogs._meeting`, which ends the meeting. Each button checks that the clicker is a facilitator and
that its meeting is still the open one; its ``custom_id`` carries the meeting's number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserError
from bot.storage.meeting_sessions import MeetingSession
from cogs._shared import IdButton, for_facilitators
from cogs._voice import main_voice_members
from cogs.icebreakers._views import end_view

if TYPE_CHECKING:
    from bot.app import CopBot


class _PanelButton(IdButton):
    """A panel button; ``target_id`` is the meeting's per-server number."""

    prefix = "copbot:meeting"

    async def _session(self, interaction: discord.Interaction) -> MeetingSession:
        """The running meeting this panel is for (the clicker was checked by :func:`for_facilitators`)."""
        assert interaction.guild is not None
        bot: CopBot = interaction.client  # type: ignore[assignment]
        session = await bot.meeting_sessions.current(interaction.guild.id)
        if session is None or session.number != self.target_id:
            raise UserError("That meeting has already ended.")
        return session

    async def _run_command(self, interaction: discord.Interaction, path: str, **options: Any) -> None:
        """Run one of copbot's existing slash commands for the clicker (checks already done)."""
        group_name, name = path.split(" ")
        group = interaction.client.tree.get_command(group_name)  # type: ignore[attr-defined]
        command = group.get_command(name) if isinstance(group, discord.app_commands.Group) else None
        if command is None:
            raise UserError("That feature is not available right now.")
        await command.callback(command.binding, interaction, **options)  # type: ignore[arg-type]


class RoundButton(_PanelButton, action="round"):
    """A speaking round for everyone in the main voice channel, posted in the meeting channel where they
    all see it (the panel itself is in the facilitators' private channel)."""

    label = "Icebreaker round"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        bot: CopBot = interaction.client  # type: ignore[assignment]
        guild = interaction.guild
        assert guild is not None
        settings = await bot.settings.get(guild.id)
        channel = guild.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
        if not isinstance(channel, discord.TextChannel):
            raise UserError("There is no meeting channel for the round to go in. Choose one with `/settings update`.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        present = main_voice_members(guild, settings.main_voice_id)
        state = await bot.rounds.start(
            guild.id, channel.id, None, voice_id=settings.main_voice_id, in_voice=sorted(present)
        )
        await interaction.followup.send(
            f"The speaking round has started in {channel.mention}. If you need to stop it early, press **End round**.",
            view=end_view(state),
            ephemeral=True,
        )


class PlanButton(_PanelButton, action="plan"):
    label = "Plan breakouts"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        session = await self._session(interaction)
        await interaction.response.send_modal(PlanModal(session.number))


class PlanModal(discord.ui.Modal, title="Plan breakout groups"):
    size: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="People per group (2 to 25)", custom_id="size", max_length=2, default="5"
    )

    def __init__(self, number: int) -> None:
        super().__init__(custom_id=f"copbot:meeting:planform:{number}")

    @for_facilitators
    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Re-checked on submit: the form may have been opened before the facilitator role was taken away,
        and the plan shows every member's role."""
        try:
            size = int(str(self.size.value).strip())
        except ValueError:
            raise UserError("Please type a number of people per group, from 2 to 25.") from None
        if not 2 <= size <= 25:
            raise UserError("Please type a number of people per group, from 2 to 25.")
        group = interaction.client.tree.get_command("breakout")  # type: ignore[attr-defined]
        command = group.get_command("plan") if isinstance(group, discord.app_commands.Group) else None
        if command is None:
            raise UserError("That feature is not available right now.")
        await command.callback(command.binding, interaction, size=size)  # type: ignore[arg-type]


class CloseBreakoutsButton(_PanelButton, action="close"):
    label = "Close breakouts"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        await self._run_command(interaction, "breakout close")


class QuestionsButton(_PanelButton, action="questions"):
    label = "Open questions"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        await self._run_command(interaction, "questions list")


class ActionButton(_PanelButton, action="action"):
    label = "Add an action"
    style = discord.ButtonStyle.primary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        bot: CopBot = interaction.client  # type: ignore[assignment]
        make = getattr(bot, "task_form", None)
        if make is None:
            raise UserError("Tasks are not available right now.")
        await interaction.response.send_modal(make("", interaction.user.id, choose_assignee=True))
