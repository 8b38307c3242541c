"""The breakout buttons: the plan's "Open rooms", "Reshuffle", "Cancel"; each room's "Ask for help";
the facilitator's "Add 5 minutes".

They are :class:`discord.ui.DynamicItem`s keyed by the session, because the plan lives in the
database: a facilitator can still open the rooms after the bot restarted, and each click re-reads the
plan instead of trusting a view object held in memory. They carry the session's random token
(``copbot:breakouts:help:t<token>``), not its row id, which counts across every server and so would
show members in a room how busy other servers are; buttons made before tokens carry the row id and
still work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserError
from bot.storage.breakouts import BreakoutSession
from cogs._shared import PublicRef, RefButton, for_facilitators, replies_to_user_errors

if TYPE_CHECKING:
    from cogs.breakouts._cog import BreakoutsCog

PREFIX = "copbot:breakouts"


def _cog(interaction: discord.Interaction) -> BreakoutsCog:
    """The breakouts cog that owns these buttons (looked up by the cog's own name, never another feature's)."""
    from cogs.breakouts._cog import BreakoutsCog

    cog = interaction.client.get_cog(BreakoutsCog.__cog_name__)  # type: ignore[attr-defined]
    assert isinstance(cog, BreakoutsCog)
    return cog


class _SessionButton(RefButton):
    """``copbot:breakouts:<action>:t<token>`` (or the session id, on buttons made before tokens)."""

    prefix = PREFIX

    async def session_id(self, interaction: discord.Interaction) -> int:
        """The session this button is for."""
        if self.ref.row_id is not None:
            return self.ref.row_id
        found = await _cog(interaction).repo.id_for_token(self.ref.token or 0)
        if found is None:
            raise UserError("That breakout plan no longer exists.")
        return found


def session_ref(session: BreakoutSession) -> PublicRef:
    return PublicRef.tokened(session.token, session.id)


class OpenRoomsButton(_SessionButton, action="open"):
    label = "Open rooms"
    style = discord.ButtonStyle.success

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).open_from_button(interaction, await self.session_id(interaction))


class ReshuffleButton(_SessionButton, action="reshuffle"):
    label = "Reshuffle"
    style = discord.ButtonStyle.primary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).reshuffle(interaction, await self.session_id(interaction))


class CancelButton(_SessionButton, action="cancel"):
    label = "Cancel"
    style = discord.ButtonStyle.danger

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).cancel(interaction, await self.session_id(interaction))


class HelpButton(_SessionButton, action="help"):
    """In each room's welcome note: anyone in the room may call a facilitator (once per room per few minutes)."""

    label = "Ask for help"
    style = discord.ButtonStyle.primary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).ask_for_help(interaction, await self.session_id(interaction))


class AddTimeButton(_SessionButton, action="extend"):
    """Under the facilitator's "rooms are open" reply when the rooms have a timer."""

    label = "Add 5 minutes"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).add_time(interaction, await self.session_id(interaction))


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    OpenRoomsButton,
    ReshuffleButton,
    CancelButton,
    HelpButton,
    AddTimeButton,
)


def plan_view(session: BreakoutSession) -> discord.ui.View:
    """The buttons under a plan. ``timeout=None``: the dynamic items answer clicks even after a restart."""
    view = discord.ui.View(timeout=None)
    ref = session_ref(session)
    view.add_item(OpenRoomsButton(ref))
    view.add_item(ReshuffleButton(ref))
    view.add_item(CancelButton(ref))
    return view


def room_view(session: BreakoutSession) -> discord.ui.View:
    """The button under each room's welcome note."""
    view = discord.ui.View(timeout=None)
    view.add_item(HelpButton(session_ref(session)))
    return view


def timer_view(session: BreakoutSession) -> discord.ui.View:
    """The button under the facilitator's reply once timed rooms are open."""
    view = discord.ui.View(timeout=None)
    view.add_item(AddTimeButton(session_ref(session)))
    return view
