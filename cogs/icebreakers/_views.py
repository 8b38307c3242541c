"""Persistent buttons for icebreakers: custom ids carry everything needed, so they survive restarts.

Each button only parses its ``custom_id`` and hands over to the cog, which owns the rules.
Round buttons carry the round's random token and the turn they were made for
(``copbot:icebreakers:next:t<token>:<turn>``), so an old button can never move a later speaker on. The
token, not the row id: row ids count across every server, so they would show other servers' activity.
Buttons made before tokens carry the row id (``copbot:icebreakers:next:<round>:<turn>``) and still work.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.icebreakers.round import RoundState
from cogs._shared import for_facilitators, replies_to_user_errors

if TYPE_CHECKING:
    from cogs.icebreakers._cog import IcebreakersCog

PREFIX = "copbot:icebreakers"
#: A round named in a custom_id: ``t<token>``, or the row id on buttons made before tokens.
ROUND = r"(?P<round>t?[0-9]+)"


def round_ref(state: RoundState) -> str:
    """What the round's buttons carry: its token (or, for a round made before tokens, its row id)."""
    return f"t{state.token}" if state.token is not None else str(state.round_id)


async def _round_id(interaction: discord.Interaction, ref: str) -> int:
    """The round a button names: by token through the round service, or the row id on older buttons."""
    if not ref.startswith("t"):
        return int(ref)
    return await interaction.client.rounds.round_id_for_token(int(ref[1:]))  # type: ignore[attr-defined]


def _cog(interaction: discord.Interaction) -> IcebreakersCog:
    cog = interaction.client.get_cog("IcebreakersCog")  # type: ignore[attr-defined]
    assert cog is not None, "the icebreakers cog registers these buttons, so it is loaded"
    return cog


class NextButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:next:{ROUND}:(?P<turn>\d+)"):
    """ "Next": the current speaker has finished (the speaker or a facilitator may press it)."""

    def __init__(self, round_ref: str, turn: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Next", style=discord.ButtonStyle.primary, custom_id=f"{PREFIX}:next:{round_ref}:{turn}"
            )
        )
        self.round_ref, self.turn = round_ref, turn

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> NextButton:
        return cls(match["round"], int(match["turn"]))

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).press_next(interaction, await _round_id(interaction, self.round_ref), self.turn)


class PassButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:pass:{ROUND}:(?P<turn>\d+)"):
    """ "Pass": the current speaker would rather not speak this time; the round simply moves on."""

    def __init__(self, round_ref: str, turn: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Pass", style=discord.ButtonStyle.secondary, custom_id=f"{PREFIX}:pass:{round_ref}:{turn}"
            )
        )
        self.round_ref, self.turn = round_ref, turn

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PassButton:
        return cls(match["round"], int(match["turn"]))

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).press_pass(interaction, await _round_id(interaction, self.round_ref), self.turn)


class EndButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:end:{ROUND}"):
    """ "End round" (facilitators): stop now, with the usual thank-you."""

    def __init__(self, round_ref: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="End round", style=discord.ButtonStyle.danger, custom_id=f"{PREFIX}:end:{round_ref}"
            )
        )
        self.round_ref = round_ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> EndButton:
        return cls(match["round"])

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).press_end(interaction, await _round_id(interaction, self.round_ref))


class JoinButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:join:{ROUND}"):
    """ "Join the round": used when nobody is in the meeting's voice channel."""

    def __init__(self, round_ref: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Join the round", style=discord.ButtonStyle.success, custom_id=f"{PREFIX}:join:{round_ref}"
            )
        )
        self.round_ref = round_ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> JoinButton:
        return cls(match["round"])

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).press_join(interaction, await _round_id(interaction, self.round_ref))


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


def turn_view(state: RoundState) -> discord.ui.View:
    """Under each turn, for the speaker: **Next** and **Pass** (a facilitator may press Next too).
    **End round** is not here: it is the facilitator's, in :func:`end_view`."""
    view = discord.ui.View(timeout=None)
    ref = round_ref(state)
    view.add_item(NextButton(ref, state.turn))
    view.add_item(PassButton(ref, state.turn))
    return view


def join_view(state: RoundState) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(JoinButton(round_ref(state)))
    return view


def end_view(state: RoundState) -> discord.ui.View:
    """**End round**, in the private reply to the facilitator who started the round."""
    view = discord.ui.View(timeout=None)
    view.add_item(EndButton(round_ref(state)))
    return view


def page_view(page: int, pages: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(max(page - 1, 0), "prev", disabled=page <= 0))
    view.add_item(PageButton(min(page + 1, pages - 1), "next", disabled=page >= pages - 1))
    return view


async def offer_end(interaction: discord.Interaction, state: RoundState) -> None:
    """**End round** for the facilitator who started the round (by command or from the panel), privately:
    members see only the buttons that are theirs (Join, and the speaker's Next and Pass)."""
    await interaction.followup.send(
        "The round has started. If you need to stop it early, press **End round**.",
        view=end_view(state),
        ephemeral=True,
    )
