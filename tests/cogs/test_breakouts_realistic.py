"""Breakouts as Discord really is (issue #15): latency, rate-limit buckets and the 100-mention limit.

Each test failed on main under the realistic-Discord layer: ``/breakout broadcast`` answered after
posting in every room (Unknown Interaction past 3 s), a timed breakout started its clock before anyone
was moved, and the "go to your room" fallback named more than 100 people in one post.
"""

from __future__ import annotations

import re

import discord
import pytest
import time_machine
from test_breakouts import _crowd, _plan

from bot.storage.breakouts import BreakoutRepository

pytestmark = pytest.mark.simcord(settle_timeout=15)  # as test_breakouts.py


@pytest.mark.discord(latency=0.3, rate_limits=False)
async def test_broadcast_to_ten_rooms_at_300_ms_per_call_is_acknowledged_in_time(simcord_env, community):
    await _crowd(community, 20, facilitators=10)
    await _plan(community, 2)
    opened = await community.facilitator.slash(community.meeting, "breakout open")
    assert "Breakout rooms are open: 10 rooms" in opened.response.content, opened.response.content
    sent = await community.facilitator.slash(community.meeting, "breakout broadcast", message="Five minutes left")
    assert sent.response is not None and sent.response.content == "Sent to 10 of 10 rooms.", sent.response
    assert sent.response.ephemeral


@pytest.mark.discord(latency=0.05, rate_limits=True)
async def test_a_timed_breakout_starts_its_clock_when_the_last_person_is_moved(simcord_env, community, discord_layer):
    await _crowd(community, 15, facilitators=3)  # 15 moves: the 11th waits for the bucket
    await _plan(community, 5)
    with time_machine.travel(simcord_env.now(), tick=False):
        opened = await community.facilitator.slash(community.meeting, "breakout open", minutes=1)
    assert "Breakout rooms are open: 3 rooms, 15 people moved." in opened.response.content, opened.response.content
    moves = discord_layer.calls_to("PATCH", rf"/guilds/{community.guild.id}/members/\d+")
    assert len(moves) == 15 and moves[-1].end - moves[0].start >= 10  # the moves took the bucket's time
    session = await BreakoutRepository(simcord_env.bot.db).live(community.guild.id)
    for channel_id in session.channel_ids:
        room = simcord_env.bot.get_channel(channel_id)
        notes = community.guild.channels[room.name].history()
        (welcome,) = [m for m in notes if m.content.startswith("**Welcome to")]
        # With minutes:1 the one-minute warning is due at once, but only after everyone is in.
        warnings = [m for m in notes if "left" in m.content]
        assert all(w.created_at >= welcome.created_at for w in warnings)
        # The room shows its end as a relative timestamp, one minute after everyone was in.
        (end,) = [int(x) for x in re.findall(r"<t:(\d+):R>", welcome.content)]
        assert 57 <= end - welcome.created_at.timestamp() <= 62, end - welcome.created_at.timestamp()
    # Progress edits: throttled, never one per person.
    edits = discord_layer.calls_to("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")
    assert len(edits) <= (moves[-1].end - moves[0].start) / 2 + 3, len(edits)


@pytest.mark.discord(latency=0.0, rate_limits=False)
async def test_the_meeting_channel_fallback_pings_at_most_100_people_per_post(simcord_env, community):
    people, _ = await _crowd(community, 105, facilitators=5, in_voice=False)
    for member in people:
        simcord_env.inject_error(
            "POST",
            f"/channels/{member.user.dm_channel.id}/messages",
            status=403,
            code=50007,
            message="Cannot send messages to this user",
            times=None,
        )
    await _plan(community, 25)
    opened = await community.facilitator.slash(community.meeting, "breakout open")
    text = opened.response.content
    assert "could not get a direct message, so I named them in the meeting channel" in text, text
    notes = [m for m in community.meeting.history() if m.content.startswith("Breakout groups have started")]
    assert len(notes) >= 2
    assert all(len(m.mentions) <= 100 for m in notes)
    named = sorted(u.id for m in notes for u in m.mentions)
    planned = await BreakoutRepository(simcord_env.bot.db).live(community.guild.id)
    assert named == sorted(p.user_id for g in planned.groups for p in g)
    assert all(isinstance(m, discord.Message) for m in notes)


@pytest.mark.discord(latency=0.05, rate_limits=True)
async def test_a_result_after_the_token_has_expired_is_a_fresh_message_to_the_facilitator(
    simcord_env, community, monkeypatch
):
    """An interaction token lives 15 minutes. Here it "lives" 1.5 s, and opening takes longer (15 moves
    at 10 per 10 s), so the result cannot be an edit: it is posted for the facilitator instead."""
    import cogs.breakouts._progress as progress

    monkeypatch.setattr(progress, "TOKEN_LIFE_SECONDS", progress._TOKEN_MARGIN_SECONDS + 1.5)
    await _crowd(community, 15, facilitators=3)
    await _plan(community, 5)
    opened = await community.facilitator.slash(community.meeting, "breakout open")
    assert "Breakout rooms are open" not in (opened.response.content or "")
    note = community.facilitators.last_message
    assert note.content.startswith(f"<@{community.facilitator.id}> Breakout rooms are open: 3 rooms"), note.content
    assert [u.id for u in note.mentions] == [community.facilitator.id]
