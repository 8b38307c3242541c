"""Persistent buttons for icebreakers: custom ids carry everything needed, so they survive restarts.

Each button only parses its ``custom_id`` and hands over to the cog, which owns the rules.
Round buttons carry the turn they were made for (``copbot:icebreakers:next:<round>:<turn>``), so an
old button can never move a later speaker on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from cogs._shared import replies_to_user_errors

if TYPE_CHECKING:
    from cogs.icebreakers._cog import IcebreakersCog

PREFIX = "copbot:icebreakers"


def _cog(interaction: discord.Interaction) -> IcebreakersCog:
    cog = interaction.client.get_cog("IcebreakersCog")  # type: ignore[attr-defined]
    assert cog is not None, "the icebreakers cog registers these buttons, so it is loaded"
    return cog


class NextButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:next:(?P<round>\d+):(?P<turn>\d+)"
):
    """ "Next": the current speaker has finished (the speaker or a facilitator may press it)."""

    def __init__(self, round_id: int, turn: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Next", style=discord.ButtonStyle.primary, custom_id=f"{PREFIX}:next:{round_id}:{turn}"
            )
        )
        self.round_id, self.turn = round_id, turn

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> NextButton:
        return cls(int(match["round"]), int(match["turn"]))

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).press_next(interaction, self.round_id, self.turn)


class PassButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:pass:(?P<round>\d+):(?P<turn>\d+)"
):
    """ "Pass": the current speaker would rather not speak this time; the round simply moves on."""

    def __init__(self, round_id: int, turn: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Pass", style=discord.ButtonStyle.secondary, custom_id=f"{PREFIX}:pass:{round_id}:{turn}"
            )
        )
        self.round_id, self.turn = round_id, turn

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PassButton:
        return cls(int(match["round"]), int(match["turn"]))

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).press_pass(interaction, self.round_id, self.turn)


class EndButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:end:(?P<round>\d+)"):
    """ "End round" (facilitators): stop now, with the usual thank-you."""

    def __init__(self, round_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="End round", style=discord.ButtonStyle.danger, custom_id=f"{PREFIX}:end:{round_id}")
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> EndButton:
        return cls(int(match["round"]))

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).press_end(interaction, self.round_id)


class JoinButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:join:(?P<round>\d+)"):
    """ "Join the round": used when nobody is in the meeting's voice channel."""

    def __init__(self, round_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Join the round", style=discord.ButtonStyle.success, custom_id=f"{PREFIX}:join:{round_id}"
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> JoinButton:
        return cls(int(match["round"]))

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).press_join(interaction, self.round_id)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:page:(?P<page>\d+):(?P<dir>prev|next)"
):
    """ "Previous" / "Next" in ``/icebreaker list``: the page to show is in the custom id."""

    def __init__(self, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "prev" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:page:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PageButton:
        return cls(int(match["page"]), match["dir"])

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).show_page(interaction, self.page)


DYNAMIC_ITEMS = (NextButton, PassButton, EndButton, JoinButton, PageButton)


def turn_view(round_id: int, turn: int) -> discord.ui.View:
    """Under each turn, for the speaker: **Next** and **Pass** (a facilitator may press Next too).
    **End round** is not here: it is the facilitator's, in :func:`end_view`."""
    view = discord.ui.View(timeout=None)
    view.add_item(NextButton(round_id, turn))
    view.add_item(PassButton(round_id, turn))
    return view


def join_view(round_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(JoinButton(round_id))
    return view


def end_view(round_id: int) -> discord.ui.View:
    """**End round**, in the private reply to the facilitator who started the round."""
    view = discord.ui.View(timeout=None)
    view.add_item(EndButton(round_id))
    return view


def page_view(page: int, pages: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(max(page - 1, 0), "prev", disabled=page <= 0))
    view.add_item(PageButton(min(page + 1, pages - 1), "next", disabled=page >= pages - 1))
    return view
