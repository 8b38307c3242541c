"""The plan's buttons: "Open rooms", "Reshuffle", "Cancel".

They are :class:`discord.ui.DynamicItem`s keyed by the session id, because the plan lives in the
database: a facilitator can still open the rooms after the bot restarted, and each click re-reads the
plan instead of trusting a view object held in memory.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from cogs._shared import replies_to_user_errors, require_facilitator

if TYPE_CHECKING:
    from cogs.breakouts._cog import BreakoutsCog

PREFIX = "copbot:breakouts"


def _cog(interaction: discord.Interaction) -> BreakoutsCog:
    """The breakouts cog that owns these buttons (looked up by the cog's own name, never another feature's)."""
    from cogs.breakouts._cog import BreakoutsCog

    cog = interaction.client.get_cog(BreakoutsCog.__cog_name__)  # type: ignore[attr-defined]
    assert isinstance(cog, BreakoutsCog)
    return cog


class _SessionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"copbot:breakouts:(?P<action>[a-z]+):(?P<id>\d+)"
):
    """Base for the three buttons; the template is overridden per action."""

    action = ""
    label = ""
    style = discord.ButtonStyle.secondary

    def __init__(self, session_id: int) -> None:
        super().__init__(
            discord.ui.Button(label=self.label, style=self.style, custom_id=f"{PREFIX}:{self.action}:{session_id}")
        )
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> _SessionButton:
        return cls(int(match["id"]))


class OpenRoomsButton(_SessionButton, template=r"copbot:breakouts:open:(?P<id>\d+)"):
    action = "open"
    label = "Open rooms"
    style = discord.ButtonStyle.success

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await require_facilitator(interaction)
        await _cog(interaction).open_from_button(interaction, self.session_id)


class ReshuffleButton(_SessionButton, template=r"copbot:breakouts:reshuffle:(?P<id>\d+)"):
    action = "reshuffle"
    label = "Reshuffle"
    style = discord.ButtonStyle.primary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await require_facilitator(interaction)
        await _cog(interaction).reshuffle(interaction, self.session_id)


class CancelButton(_SessionButton, template=r"copbot:breakouts:cancel:(?P<id>\d+)"):
    action = "cancel"
    label = "Cancel"
    style = discord.ButtonStyle.danger

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await require_facilitator(interaction)
        await _cog(interaction).cancel(interaction, self.session_id)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (OpenRoomsButton, ReshuffleButton, CancelButton)


def plan_view(session_id: int) -> discord.ui.View:
    """The buttons under a plan. ``timeout=None``: the dynamic items answer clicks even after a restart."""
    view = discord.ui.View(timeout=None)
    view.add_item(OpenRoomsButton(session_id))
    view.add_item(ReshuffleButton(session_id))
    view.add_item(CancelButton(session_id))
    return view
