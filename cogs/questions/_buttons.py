"""The question buttons and menu, as dynamic items: each reads what it needs from its ``custom_id``, so
it works after a restart and on any message that carries it (see :mod:`cogs.questions._render`).

Each item only parses its id and hands over to :mod:`cogs.questions._actions` with the bot; the rules
are in the service on the bot (``bot.questions``). Nothing here needs the cog.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from cogs._shared import for_facilitators, guild_of, replies_to_user_errors
from cogs.questions import _actions, _asking
from cogs.questions._render import ASK, MANAGE, PREFIX

if TYPE_CHECKING:
    from bot.app import CopBot

NOT_A_MEMBER = _asking.NOT_A_MEMBER


def _bot(interaction: discord.Interaction) -> CopBot:
    return interaction.client  # type: ignore[return-value]


class QuestionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"{PREFIX}:(?P<action>vote|answered|remove|mute|write|now|approve|reject):(?P<ref>[nr]?[0-9]+)",
):
    """Every button about one question: ``copbot:questions:<action>:<ref>``.

    ``ref`` is ``n<number>`` (posted question, this server), ``r<token>`` (waiting for a check) or, on
    buttons made before public ids, the bare row id.
    """

    def __init__(self, action: str, ref: str, item: discord.ui.Button[Any]) -> None:
        super().__init__(item)
        self.action = action
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> QuestionButton:
        return cls(match["action"], match["ref"], item)

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _actions.on_button(_bot(interaction), interaction, self.action, self.ref)


class AskButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.escape(ASK)):
    """ "Ask without your name" under the meeting-start post: the same form as ``/ask``."""

    def __init__(self, item: discord.ui.Button[Any]) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> AskButton:
        return cls(item)

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _asking.open_form(_bot(interaction), interaction, guild_of(interaction))


class DmAskButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"{PREFIX}:(?:dmask|dmpost):(?P<guild_id>[0-9]+)",
):
    """In a member's DMs: open the question form for one server. Carries the server id only.

    ``dmpost`` is the id of the old preview's "Post anonymously" button: pressing one now opens the
    form too, so nothing from the old DM preview is ever posted.
    """

    def __init__(self, guild_id: int, item: discord.ui.Button[Any]) -> None:
        super().__init__(item)
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> DmAskButton:
        return cls(int(match["guild_id"]), item)

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        guild = bot.get_guild(self.guild_id)
        if guild is None or not await _asking.is_member(guild, interaction):
            from bot.errors import UserError

            raise UserError(NOT_A_MEMBER)
        await _asking.open_form(bot, interaction, guild)


class OldDmCancelButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:dmcancel"):
    """The old DM preview's "Don't post" button: takes the buttons away, posts nothing."""

    def __init__(self, item: discord.ui.Button[Any]) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> OldDmCancelButton:
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content="All right, nothing was posted.", embed=None, view=None)


class ManageMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=re.escape(MANAGE)):
    """ "Manage a question…" under ``/questions list``: the chosen question's buttons, privately."""

    def __init__(self, item: discord.ui.Select[Any]) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select[Any], match: re.Match[str], /
    ) -> ManageMenu:
        return cls(item)

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        values = list((interaction.data or {}).get("values") or [])  # type: ignore[union-attr]
        if values:
            await _actions.manage(_bot(interaction), interaction, str(values[0]))


DYNAMIC_ITEMS = (QuestionButton, AskButton, DmAskButton, OldDmCancelButton, ManageMenu)
