"""Who is in the meeting's main voice channel: shared by the meeting, the panel, speaking rounds and the
check-in. A module of its own so that the features importing it never import one another."""

from __future__ import annotations

import discord


def main_voice_members(guild: discord.Guild, main_voice_id: int | None) -> set[int]:
    channel = guild.get_channel(main_voice_id) if main_voice_id else None
    if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
        return set()
    return {m.id for m in channel.members if not m.bot}
