"""Runtime permission checks name the missing permission from the one list in ``bot.permissions``.

Discord rules SimCord does not enforce (Create Events for scheduled events since February 2026,
Connect to move someone into a voice room) are set up as the world: the server admin edits the
bot's role, and the bot must notice before it acts.
"""

from __future__ import annotations

import discord
import time_machine


def _take_from_bot(env, community, *flags: str) -> None:
    """World set-up: the server admin switches ``flags`` off on the bot's own role and on @everyone."""
    bot_role = community.guild.roles[env.bot.user.name]
    for role_id in (bot_role.id, community.guild.id):  # @everyone's role id is the server's id
        backend_role = env.backend.get_role(community.guild.id, role_id)
        perms = discord.Permissions(backend_role.permissions)
        for flag in flags:
            setattr(perms, flag, False)
        env.backend.edit_role(community.guild.id, role_id, {"permissions": perms.value})
    assert not any(getattr(env.bot.get_guild(community.guild.id).me.guild_permissions, f) for f in flags)


async def test_breakouts_without_connect_are_refused_naming_connect(simcord_env, community):
    await community.configure()
    people = [community.add_member(f"m{i}", facilitator=i < 2) for i in range(6)]
    for member in people:
        await member.join_voice(community.voice)
    plan = await community.facilitator.slash(community.meeting, "breakout plan", size=3)
    _take_from_bot(simcord_env, community, "connect")

    opened = await community.facilitator.slash(community.meeting, "breakout open")
    assert opened.response.content.startswith("I need the Connect permission to make breakout rooms"), opened
    assert opened.response.content.endswith("Nothing was created.")
    names = {c.name for c in simcord_env.bot.get_guild(community.guild.id).channels}
    assert "Breakouts" not in names and "Group 1" not in names
    assert plan.response is not None


async def test_a_meeting_without_create_events_is_saved_and_the_reply_names_create_events(simcord_env, community):
    await community.configure()
    _take_from_bot(simcord_env, community, "create_events")
    with time_machine.travel(simcord_env.now(), tick=False):
        result = await community.facilitator.slash(
            community.meeting, "meeting schedule", when="2026-01-09 18:00", title="January catch-up"
        )
        content = result.response.content
        assert "#1" in content
        assert "I need the Create Events permission to add meetings to the server's Events list" in content
        guild = simcord_env.bot.get_guild(community.guild.id)
        assert await guild.fetch_scheduled_events() == []
        following = await community.facilitator.slash(community.meeting, "next-meeting")
        assert "January catch-up" in following.response.content
