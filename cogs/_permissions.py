"""Checks of what copbot may do in Discord, against the one list in :mod:`bot.permissions`."""

from __future__ import annotations

from collections.abc import Callable

import discord


def holds(perms: discord.Permissions) -> Callable[[str], bool]:
    """``has(flag)`` for :func:`bot.permissions.missing`, read from a resolved ``discord.Permissions``."""
    return lambda flag: bool(getattr(perms, flag))


def in_server(guild: discord.Guild) -> Callable[[str], bool]:
    """What the bot's roles allow it in the whole server."""
    return holds(guild.me.guild_permissions)


def in_channel(guild: discord.Guild, channel: discord.abc.GuildChannel) -> Callable[[str], bool]:
    """What the bot may do in ``channel``, after the channel's own overrides."""
    return holds(channel.permissions_for(guild.me))
