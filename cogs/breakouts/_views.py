"""The breakout buttons: the plan's "Open rooms", "Reshuffle", "Cancel"; each room's "Ask for help";
the facilitator's "Add 5 minutes".

They are :class:`discord.ui.DynamicItem`s keyed by the session id, because the plan lives in the
database: a facilitator can still open the rooms after the bot restarted, and each click re-reads the
plan instead of trusting a view object held in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from cogs._shared import IdButton, replies_to_user_errors, require_facilitator

if TYPE_CHECKING:
    from cogs.breakouts._cog import BreakoutsCog

PREFIX = "copbot:breakouts"


def _cog(interaction: discord.Interaction) -> BreakoutsCog:
    """The breakouts cog that owns these buttons (looked up by the cog's own name, never another feature's)."""
    from cogs.breakouts._cog import BreakoutsCog

    cog = interaction.client.get_cog(BreakoutsCog.__cog_name__)  # type: ignore[attr-defined]
    assert isinstance(cog, BreakoutsCog)
    return cog


class _SessionButton(IdButton):
    """``copbot:breakouts:<action>:<session id>``."""

    prefix = PREFIX


class OpenRoomsButton(_SessionButton, action="open"):
    label = "Open rooms"
    style = discord.ButtonStyle.success

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await require_facilitator(interaction)
        await _cog(interaction).open_from_button(interaction, self.target_id)


class ReshuffleButton(_SessionButton, action="reshuffle"):
    label = "Reshuffle"
    style = discord.ButtonStyle.primary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await require_facilitator(interaction)
        await _cog(interaction).reshuffle(interaction, self.target_id)


class CancelButton(_SessionButton, action="cancel"):
    label = "Cancel"
    style = discord.ButtonStyle.danger

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await require_facilitator(interaction)
        await _cog(interaction).cancel(interaction, self.target_id)


class HelpButton(_SessionButton, action="help"):
    """In each room's welcome note: anyone in the room may call a facilitator (once per room per few minutes)."""

    label = "Ask for help"
    style = discord.ButtonStyle.primary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).ask_for_help(interaction, self.target_id)


class AddTimeButton(_SessionButton, action="extend"):
    """Under the facilitator's "rooms are open" reply when the rooms have a timer."""

    label = "Add 5 minutes"
    style = discord.ButtonStyle.secondary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await require_facilitator(interaction)
        await _cog(interaction).add_time(interaction, self.target_id)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    OpenRoomsButton,
    ReshuffleButton,
    CancelButton,
    HelpButton,
    AddTimeButton,
)


def plan_view(session_id: int) -> discord.ui.View:
    """The buttons under a plan. ``timeout=None``: the dynamic items answer clicks even after a restart."""
    view = discord.ui.View(timeout=None)
    view.add_item(OpenRoomsButton(session_id))
    view.add_item(ReshuffleButton(session_id))
    view.add_item(CancelButton(session_id))
    return view


def room_view(session_id: int) -> discord.ui.View:
    """The button under each room's welcome note."""
    view = discord.ui.View(timeout=None)
    view.add_item(HelpButton(session_id))
    return view


def timer_view(session_id: int) -> discord.ui.View:
    """The button under the facilitator's reply once timed rooms are open."""
    view = discord.ui.View(timeout=None)
    view.add_item(AddTimeButton(session_id))
    return view
