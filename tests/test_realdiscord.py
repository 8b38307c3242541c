"""The realistic-Discord layer itself (``tests/realdiscord.py``): each piece does what it claims.

If the layer silently stopped delaying, limiting or checking, every other test would pass for the
wrong reason, so each piece is proven here against SimCord with the real bot.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import discord
import pytest
import time_machine

from bot.clock import utcnow
from tests.realdiscord import BUCKET_RULES, NONCE_MAX, NONCE_WINDOW, check_limits


def _channel(env, community):
    return env.bot.get_channel(community.meeting.id)


def _seconds_since(env, started) -> float:
    """Seconds on SimCord's clock, the one the bot, Discord's deadlines and the layer's waits run on."""
    return (env.now() - started).total_seconds()


@pytest.mark.discord(latency=0.25, rate_limits=False)
async def test_every_call_takes_the_latency_on_simcords_clock(simcord_env, community, discord_layer):
    channel = _channel(simcord_env, community)
    started = simcord_env.now()
    await channel.send("hello")
    assert _seconds_since(simcord_env, started) >= 0.25
    (call,) = discord_layer.calls_to("POST", rf"/channels/{community.meeting.id}/messages")
    assert call.end - call.start >= 0.25


@pytest.mark.discord(latency=600.0, rate_limits=False)
async def test_the_latency_does_not_wait_on_the_wall_clock(simcord_env, community):
    """Ten minutes per call: only a wait on SimCord's clock ends before the test's time limit (120 s)."""
    started = simcord_env.now()
    await _channel(simcord_env, community).send("hello")
    assert _seconds_since(simcord_env, started) >= 600
    assert [m.content for m in community.meeting.history()] == ["hello"]


@pytest.mark.discord(latency=1.0, rate_limits=False)
async def test_calls_made_at_once_overlap_on_simcords_clock(simcord_env, community, discord_layer):
    """Two channels, two calls at the same moment: they take one latency between them, not two."""
    started = simcord_env.now()
    await asyncio.gather(
        _channel(simcord_env, community).send("one"),
        simcord_env.bot.get_channel(community.questions.id).send("two"),
    )
    assert 1.0 <= _seconds_since(simcord_env, started) < 1.5
    assert len(discord_layer.calls_to("POST", r"/channels/\d+/messages")) == 2


@pytest.mark.discord(latency=10.0, rate_limits=False)
async def test_a_settle_ends_only_when_no_call_is_waiting(simcord_env, community):
    """SimCord's settle leaves a wait longer than its ``settle_timeout`` (5 s) running; the layer's waits
    run on SimCord's clock and a settle ends only once none is left, so the bot's answer to a DM,
    10 s of latency away, is there when ``send_dm`` returns."""
    stranger = simcord_env.create_user("stranger")
    started = simcord_env.now()
    await stranger.send_dm("Hello?")
    (reply,) = [m for m in stranger.dm_channel.history() if m.author.id == simcord_env.bot.user.id]
    assert "can't find one" in reply.content
    assert _seconds_since(simcord_env, started) >= 10.0


@pytest.mark.discord(latency=2.0, rate_limits=False)
async def test_a_test_travelling_with_time_machine_keeps_the_bots_clock_in_step(simcord_env, community):
    """The bot reads time-machine's clock (``bot.clock.utcnow``); each wait the layer drives moves it
    with SimCord's, so the two agree as the wall clock does in production. An offset the test makes
    itself is kept."""
    stranger = simcord_env.create_user("stranger")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        started = simcord_env.now()
        await stranger.send_dm("Hello?")
        assert _seconds_since(simcord_env, started) >= 2.0
        assert abs(utcnow() - simcord_env.now()) < timedelta(milliseconds=1)
        t.shift(3600)  # the wall clock jumps, as across a time the bot was not running
        await stranger.send_dm("Anyone?")
        assert abs(utcnow() - simcord_env.now() - timedelta(hours=1)) < timedelta(milliseconds=1)
    replies = [m for m in stranger.dm_channel.history() if m.author.id == simcord_env.bot.user.id]
    assert len(replies) == 2


@pytest.mark.discord(latency=3.1, rate_limits=False)
async def test_a_reply_slower_than_three_seconds_is_unknown_interaction(simcord_env, community):
    """``/help`` answers with one REST call; at 3.1 s per call it misses Discord's deadline."""
    result = await community.admin.slash(community.meeting, "help")
    assert result.response is None  # Discord never showed a reply
    errors = simcord_env.errors  # reading them acknowledges them, so teardown does not re-raise
    assert any(isinstance(e, discord.NotFound) and e.code == 10062 for e in _flatten(errors)), errors


def _flatten(errors):
    for error in errors:
        yield error
        while error.__cause__ is not None or error.__context__ is not None:
            error = error.__cause__ or error.__context__
            yield error


@pytest.mark.discord(latency=0.0, rate_limits=False)
async def test_more_than_100_allowed_mention_ids_are_refused_and_100_pass(simcord_env, community):
    channel = _channel(simcord_env, community)
    hundred = discord.AllowedMentions(users=[discord.Object(i) for i in range(1, 101)])
    await channel.send("fine", allowed_mentions=hundred)
    too_many = discord.AllowedMentions(users=[discord.Object(i) for i in range(1, 102)])
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("too many", allowed_mentions=too_many)
    assert refused.value.status == 400 and refused.value.code == 50035
    assert [m.content for m in community.meeting.history()] == ["fine"]


@pytest.mark.discord(latency=0.0, rate_limits=True)
async def test_a_bucket_delays_the_call_after_its_limit(simcord_env, community, discord_layer):
    """Messages: 5 per 5 s per channel (assumed). The sixth waits until the first leaves the window."""
    rule = next(r for r in BUCKET_RULES if r.name == "messages")
    channel = _channel(simcord_env, community)
    for i in range(rule.limit + 1):
        await channel.send(f"message {i}")
    calls = discord_layer.calls_to("POST", rf"/channels/{community.meeting.id}/messages")
    assert len(calls) == rule.limit + 1
    assert calls[rule.limit - 1].end - calls[0].start < 1.0  # the first five go at once
    assert calls[rule.limit].end - calls[0].start >= rule.per  # the sixth waited for the window
    other = simcord_env.bot.get_channel(community.questions.id)
    started = simcord_env.now()
    await other.send("another channel, another bucket")
    assert _seconds_since(simcord_env, started) < 1.0


@pytest.mark.discord(latency=0.0, rate_limits=False)
async def test_injected_failures_raise_then_stop(simcord_env, community, discord_layer):
    channel = _channel(simcord_env, community)
    discord_layer.fail("POST", r"/channels/\d+/messages", "500")
    with pytest.raises(discord.DiscordServerError):
        await channel.send("lost")
    discord_layer.fail("POST", r"/channels/\d+/messages", "403", times=2)
    for _ in range(2):
        with pytest.raises(discord.Forbidden):
            await channel.send("forbidden")
    await channel.send("delivered")
    assert [m.content for m in community.meeting.history()] == ["delivered"]
    with pytest.raises(ValueError):
        discord_layer.fail("POST", r".*", "teapot")


@pytest.mark.discord(latency=0.0, rate_limits=False)
async def test_a_repeated_nonce_returns_the_first_message_and_posts_nothing(simcord_env, community, discord_layer):
    """Discord's ``enforce_nonce``, which SimCord ignores: same bot, same nonce, same channel, a few
    minutes apart, is one message. Without a nonce, or with another one, each send is a message."""
    channel = _channel(simcord_env, community)
    first = await channel.send("Your task is due today", nonce="reminder-1")
    again = await channel.send("Your task is due today", nonce="reminder-1")
    assert again.id == first.id and again.content == first.content
    await channel.send("Another task", nonce="reminder-2")
    await channel.send("no nonce")
    await channel.send("no nonce")
    assert sorted(m.content for m in community.meeting.history()) == [
        "Another task",
        "Your task is due today",
        "no nonce",
        "no nonce",
    ]
    assert discord_layer.nonce_repeats == 1

    elsewhere = simcord_env.bot.get_channel(community.questions.id)
    await elsewhere.send("Your task is due today", nonce="reminder-1")  # another channel: posted
    assert [m.content for m in community.questions.history()] == ["Your task is due today"]

    await simcord_env.advance_time(NONCE_WINDOW + 1)  # Discord has forgotten the nonce by now
    later = await channel.send("Your task is due today", nonce="reminder-1")
    assert later.id != first.id
    assert len(community.meeting.history()) == 5 and discord_layer.nonce_repeats == 1


@pytest.mark.discord(latency=0.0, rate_limits=False)
async def test_a_nonce_is_remembered_across_a_restart_of_the_bot(simcord_env, community, discord_layer, restart):
    """Discord keys the nonce on the author, not the connection: a new process of the same bot that
    sends the same message again gets the first one back."""
    first = await _channel(simcord_env, community).send("Digest, part 1", nonce="digest-7-0")
    await restart()
    again = await _channel(simcord_env, community).send("Digest, part 1", nonce="digest-7-0")
    assert again.id == first.id
    assert [m.content for m in community.meeting.history()] == ["Digest, part 1"]


@pytest.mark.discord(latency=0.0, rate_limits=False)
async def test_a_nonce_over_25_characters_is_refused(simcord_env, community):
    channel = _channel(simcord_env, community)
    await channel.send("fits", nonce="n" * NONCE_MAX)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("too long", nonce="n" * (NONCE_MAX + 1))
    assert refused.value.status == 400 and refused.value.code == 50035
    assert [m.content for m in community.meeting.history()] == ["fits"]


def test_command_descriptions_and_choices_are_checked():
    ok = {"name": "x", "description": "d" * 100, "options": [{"name": "o", "description": "o", "choices": []}]}
    check_limits("PUT", "/applications/1/commands", [ok])
    long = {"name": "x", "description": "d", "options": [{"name": "o", "description": "o" * 101}]}
    with pytest.raises(discord.HTTPException, match="description"):
        check_limits("PUT", "/applications/1/guilds/2/commands", [long])
    many = {"name": "x", "description": "d", "choices": [{"name": str(i), "value": i} for i in range(26)]}
    with pytest.raises(discord.HTTPException, match="choices"):
        check_limits("PUT", "/applications/1/commands", [many])


def test_autocomplete_results_are_checked():
    path = "/interactions/1/token/callback"
    check_limits("POST", path, {"type": 8, "data": {"choices": [{"name": "a", "value": "a"}] * 25}})
    with pytest.raises(discord.HTTPException, match="autocomplete"):
        check_limits("POST", path, {"type": 8, "data": {"choices": [{"name": "a", "value": "a"}] * 26}})


async def test_the_real_bots_commands_pass_the_checks(simcord_env, discord_layer):
    """The bot synced its commands at start-up through the layer, so every description fit."""
    assert discord_layer.calls_to("PUT", r"/applications/\d+(/guilds/\d+)?/commands")
