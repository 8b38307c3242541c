"""The confirm buttons of ``/forget-me`` and ``/members forget`` (shared by both cogs).

A private helper module (its name starts with ``_``), so both cogs import the same classes: discord.py
loads each extension as a fresh module, which would otherwise give two copies of every button class.
The buttons carry the member's id in their ``custom_id``, so they keep working after a restart.
"""

from __future__ import annotations

import logging

import discord
from discord.utils import escape_markdown

from bot.app import CopBot
from bot.errors import UserError
from bot.reminders.nonces import message_nonce
from bot.storage.privacy import ErasureResult, Notice
from bot.text_limits import MESSAGE, escape_then_fit, fit_lines
from cogs._shared import NO_PINGS, IdButton, for_facilitators, guild_of, replies_to_user_errors

log = logging.getLogger(__name__)

PREFIX = "copbot:privacy"
NOT_YOURS = "This button is for the person who asked to be forgotten. Nothing was changed."
FORGOTTEN_SELF = (
    "Done. copbot has forgotten you in this server: your role, breakout history, keep-apart rules and "
    "reminders are deleted. Tasks you were given stay for the group with no name on them, and whoever set them "
    "has been told. If you use copbot again, it will start afresh."
)
KEPT = "Nothing was deleted."


def _bot(interaction: discord.Interaction) -> CopBot:
    return interaction.client  # type: ignore[return-value]


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
        bot = _bot(interaction)
        result = await bot.privacy.forget(self.target_id, guild.id)
        log.info("A member asked to be forgotten in server %s: %d rows changed", guild.id, result.total)
        await interaction.response.edit_message(content=FORGOTTEN_SELF, view=None)
        await deliver_notices(bot)


class ForgetMemberButton(_PrivacyButton, action="forgetmember"):
    label = "Delete everything about them"
    style = discord.ButtonStyle.danger

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        bot = _bot(interaction)
        result = await bot.privacy.forget(self.target_id, guild.id)
        log.info("A facilitator had a member forgotten in server %s: %d rows changed", guild.id, result.total)
        await interaction.response.edit_message(content=forgotten_other(self.target_id, result), view=None)
        await deliver_notices(bot)


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
        f" {told} open task{'s' if told != 1 else ''} now {'have' if told != 1 else 'has'} nobody doing "
        f"{'them' if told != 1 else 'it'}; whoever set {'them' if told != 1 else 'it'} has been told."
        if told
        else ""
    )
    return f"Done. copbot has forgotten <@{user_id}> in this server.{extra}"


async def deliver_notices(bot: CopBot) -> None:
    """Tell whoever set tasks that their person was forgotten: one message per person and server, by
    DM, else in the facilitators' channel. Each notice row is deleted once told (or undeliverable)."""
    grouped: dict[tuple[int, int], list[Notice]] = {}
    for notice in await bot.privacy.repo.pending_notices():
        grouped.setdefault((notice.guild_id, notice.user_id), []).append(notice)
    for (guild_id, user_id), notices in grouped.items():
        guild = bot.get_guild(guild_id)
        if guild is None:
            continue
        tasks = await bot.tasks.still_open(guild_id, (n.task_number for n in notices))
        text = notice_text(guild.name, [t.description for t in tasks]) if tasks else None
        # Told first, deleted after: a crash in between tells again at the next run (the daily job
        # also runs a minute after start-up), with the same nonce (from the notice rows), so if that
        # is within Discord's few minutes it returns the first message instead of a second one; later
        # than that, a second message is the price of never losing a notice.
        nonce = message_nonce("copbot:notice", guild_id, user_id, *sorted(n.id for n in notices))
        if text is not None and not await _tell(bot, guild, user_id, text, nonce=nonce):
            continue
        for notice in notices:
            await bot.privacy.repo.delete_notice(notice.id)


def notice_text(guild_name: str, described: list[str]) -> str:
    """The message to whoever set tasks whose person was forgotten: the tasks by their words (as
    ``/task edit`` and ``/task remove`` list them), and nothing about that person."""
    where = f"in **{escape_markdown(guild_name)}**"
    why = "(they asked to be forgotten, or left the server)"
    pick = "Start typing its words and choose it from the list."
    if len(described) == 1:
        words = escape_then_fit(described[0], 200, escape_markdown)
        return (
            f"Hello! A task you set {where} has nobody doing it now: “{words}”. "
            f"copbot no longer keeps anything about the person who was doing it {why}. You can give it to "
            f"someone else with `/task edit`, or remove it with `/task remove`. {pick}"
        )
    return fit_lines(
        [f"• “{escape_then_fit(d, 200, escape_markdown)}”" for d in described],
        MESSAGE,
        head=(
            f"Hello! These tasks you set {where} have nobody doing them now. copbot no longer keeps anything "
            f"about the person who was doing them {why}."
        ),
        foot=(f"You can give each one to someone else with `/task edit`, or remove it with `/task remove`. {pick}"),
        more=lambda n: f"…and {n} more. To see them all, use `/task list` and choose “Everyone's open tasks”.",
    )


async def _tell(bot: CopBot, guild: discord.Guild, user_id: int, text: str, *, nonce: str) -> bool:
    """True once told or when telling is impossible for good; False to try again tomorrow."""
    try:
        user = bot.get_user(user_id) or await bot.fetch_user(user_id)
        await user.send(text, allowed_mentions=NO_PINGS, nonce=nonce)
        return True
    except discord.NotFound:
        return True
    except discord.HTTPException:
        pass
    settings = await bot.settings.get(guild.id)
    channel = guild.get_channel(settings.facilitator_channel_id) if settings.facilitator_channel_id else None
    if not isinstance(channel, discord.TextChannel):
        return True
    try:
        await channel.send(f"<@{user_id}>: {text}", allowed_mentions=NO_PINGS, nonce=nonce)
    except discord.HTTPException:
        return False
    return True
