"""The confirm buttons of ``/forget-me`` and ``/members forget`` (shared by both cogs).

A private helper module (its name starts with ``_``), so both cogs import the same classes: discord.py
loads each extension as a fresh module, which would otherwise give two copies of every button class.
The buttons carry the member's id in their ``custom_id``, so they keep working after a restart.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.errors import UserError
from bot.storage.privacy import ErasureResult
from cogs._shared import IdButton, guild_of, replies_to_user_errors, require_facilitator

log = logging.getLogger(__name__)

PREFIX = "copbot:privacy"
NOT_YOURS = "This button is for the person who asked to be forgotten. Nothing was changed."
UNAVAILABLE = "Sorry, the privacy tools are not available right now. Nothing was changed."
FORGOTTEN_SELF = (
    "Done. copbot has forgotten you in this server: your role, breakout history, keep-apart rules and "
    "reminders are deleted. Tasks you were given stay for the group with no name on them, and whoever set them "
    "has been told. If you use copbot again, it will start afresh."
)
KEPT = "Nothing was deleted."


def _cog(interaction: discord.Interaction) -> Any:
    """The loaded privacy cog (it owns the service and the notices)."""
    cog = interaction.client.get_cog("PrivacyCog")  # type: ignore[attr-defined]
    if cog is None:
        raise UserError(UNAVAILABLE)
    return cog


class _PrivacyButton(IdButton):
    prefix = PREFIX


class ForgetMeButton(_PrivacyButton, action="forgetme"):
    label = "Delete everything about me"
    style = discord.ButtonStyle.danger

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.target_id:
            raise UserError(NOT_YOURS)
        guild = guild_of(interaction)
        cog = _cog(interaction)
        result = await cog.service.forget(self.target_id, guild.id)
        log.info("A member asked to be forgotten in server %s: %d rows changed", guild.id, result.total)
        await interaction.response.edit_message(content=FORGOTTEN_SELF, view=None)
        await cog.deliver_notices()


class ForgetMemberButton(_PrivacyButton, action="forgetmember"):
    label = "Delete everything about them"
    style = discord.ButtonStyle.danger

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await require_facilitator(interaction)
        guild = guild_of(interaction)
        cog = _cog(interaction)
        result = await cog.service.forget(self.target_id, guild.id)
        log.info("A facilitator had a member forgotten in server %s: %d rows changed", guild.id, result.total)
        await interaction.response.edit_message(content=forgotten_other(self.target_id, result), view=None)
        await cog.deliver_notices()


class KeepButton(_PrivacyButton, action="keep"):
    label = "Keep my data"
    style = discord.ButtonStyle.secondary

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=KEPT, view=None)


DYNAMIC_ITEMS = (ForgetMeButton, ForgetMemberButton, KeepButton)


def confirm_view(user_id: int, *, self_service: bool) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetMeButton(user_id) if self_service else ForgetMemberButton(user_id))
    view.add_item(KeepButton(user_id, label="Keep my data" if self_service else "Cancel"))
    return view


def forgotten_other(user_id: int, result: ErasureResult) -> str:
    if not result.total:
        return f"copbot kept nothing about <@{user_id}> in this server, so there was nothing to delete."
    told = len(result.orphaned_tasks)
    extra = (
        f" {told} open task{'s' if told != 1 else ''} now {'have' if told != 1 else 'has'} nobody doing it; "
        "whoever set them has been told."
        if told
        else ""
    )
    return f"Done. copbot has forgotten <@{user_id}> in this server.{extra}"
