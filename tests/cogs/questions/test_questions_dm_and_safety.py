"""DM path, mention safety, rate limit and mute, and Hypothesis over posted text."""

from __future__ import annotations

import discord
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.questions.text import ZWSP, clean_question, unrender_safe


async def second_server(simcord_env, name: str = "Hip Pain CoP"):
    guild = simcord_env.create_guild(name)
    channel = guild.create_text_channel("general")
    admin_role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(simcord_env.create_user(f"admin_{name[:3].lower()}"), roles=[admin_role])
    result = await admin.slash(channel, "settings update", meeting_channel=channel)
    assert result.response.content.startswith("Saved")
    return guild, channel


def assert_inert(message: discord.Message) -> None:
    assert message.mention_everyone is False
    assert message.mentions == [] and message.role_mentions == []
    assert message.raw_mentions == [] and message.raw_role_mentions == []


async def test_dm_with_two_shared_servers_offers_a_choice_and_posts_only_when_clicked(simcord_env, community):
    await community.configure()
    guild2, channel2 = await second_server(simcord_env)
    user = simcord_env.create_user("dual")
    community.guild.add_member(user)
    guild2.add_member(user)
    await user.send_dm("What is shared decision making?")
    preview = user.dm_channel.last_message
    labels = [c.label for row in preview.components for c in row.children]
    assert labels == ["Post in Hip Pain CoP", "Post in Knee Pain CoP", "Don't post"]
    assert preview.embeds[0].description == "What is shared decision making?"
    assert not community.questions.history() and not channel2.history()
    await user.click(preview, label="Post in Hip Pain CoP")
    post = channel2.last_message
    assert post.embeds[0].title == "Question #1"
    assert post.embeds[0].description == "What is shared decision making?"
    assert not community.questions.history()
    done = user.dm_channel.last_message
    assert "Question #1" in done.content and not done.components


async def test_dm_cancel_too_long_empty_bots_and_strangers(simcord_env, community):
    await community.configure()
    user = simcord_env.create_user("member")
    community.guild.add_member(user)
    await user.send_dm("Never mind")
    await user.click(user.dm_channel.last_message, label="Don't post")
    assert "nothing was posted" in user.dm_channel.last_message.content
    await user.send_dm("y" * 1001)
    assert "the limit is 1,000" in user.dm_channel.last_message.content
    assert not user.dm_channel.last_message.components
    stranger = simcord_env.create_user("stranger")
    await stranger.send_dm("Hello?")
    reply = stranger.dm_channel.last_message
    assert reply.author.id == simcord_env.bot.user.id and "can't find one" in reply.content
    robot = simcord_env.create_user("robot", bot=True)
    community.guild.add_member(robot)
    await robot.send_dm("beep")
    assert [m.author.id for m in robot.dm_channel.history()] == [robot.id]
    assert not community.questions.history()


async def test_mentions_are_shown_but_never_ping(simcord_env, community):
    await community.configure()
    sam = community.add_member("sam")
    role = community.facilitator_role
    text = f"@everyone @here <@{community.admin.id}> <@&{role.id}> [link](https://x.test) # Big\n> quote ||spoiler||"
    shown = await sam.slash(community.meeting, "ask")
    await sam.submit_modal(shown, {"question": text})
    post = community.questions.last_message
    assert_inert(post)
    description = post.embeds[0].description
    assert f"@{ZWSP}everyone" in description and f"@{ZWSP}here" in description
    assert "@everyone" not in description and f"<@{community.admin.id}>" not in description
    assert "\\[link\\]" in description and "\\# Big" in description and "\\|\\|spoiler" in description
    await sam.slash(community.meeting, "explain", term="@everyone")
    assert_inert(community.questions.last_message)


async def test_rate_limit_then_window_passes(simcord_env, community):
    await community.configure()
    sam = community.add_member("sam")
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        for n in range(5):
            result = await sam.slash(community.meeting, "explain", term=f"term {n}")
            assert f"Question #{n + 1}" in result.response.content
        refused = await sam.slash(community.meeting, "explain", term="one too many")
        assert refused.response.ephemeral and "wait about 10 minutes" in refused.response.content
        other = await community.add_member("kim").slash(community.meeting, "explain", term="still fine")
        assert "Question #6" in other.response.content
        clock.shift(10 * 60)
        await simcord_env.advance_time(10 * 60)
        again = await sam.slash(community.meeting, "explain", term="after the wait")
        assert "Question #7" in again.response.content


async def test_mute_stops_only_that_asker_and_ends(simcord_env, community):
    await community.configure()
    sam, kim = community.add_member("sam"), community.add_member("kim")
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        await sam.slash(community.meeting, "explain", term="first")
        done = await community.facilitator.click(community.questions.last_message, custom_id="copbot:questions:mute:1")
        assert done.response.ephemeral and "Whoever asked Question #1" in done.response.content
        refused = await sam.slash(community.meeting, "explain", term="second")
        assert refused.response.ephemeral and "paused" in refused.response.content
        assert "Question #2" in (await kim.slash(community.meeting, "explain", term="x")).response.content
        clock.shift(3 * 3600)
        await simcord_env.advance_time(3 * 3600)
        assert "Question #3" in (await sam.slash(community.meeting, "explain", term="later")).response.content


_PIECES = ["\u200b", "\u200f", "\u202e", "@", "@everyone", "@here", "<@&1>", "<@1>", "**", "`", "||", "\n", "# ", "> "]
NASTY = st.one_of(
    st.lists(st.one_of(st.text(st.characters(codec="utf-8"), max_size=30), st.sampled_from(_PIECES)), max_size=60)
    .map("".join)
    .filter(bool),
    st.text(st.characters(codec="utf-8"), min_size=990, max_size=1000),
).map(lambda s: s[:1000])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=NASTY)
async def test_any_text_never_crashes_and_never_pings(simcord_env, community, text):
    if community.questions.history() == [] and not hasattr(community, "_set"):
        await community.configure()
        community._set = True
    community._n = getattr(community, "_n", 0) + 1
    member = community.add_member(f"h{community._n}")
    shown = await member.slash(community.meeting, "ask")
    result = await member.submit_modal(shown, {"question": text})
    assert result.response.ephemeral
    if "Question #" in result.response.content:
        post = community.questions.last_message
        assert_inert(post)
        assert unrender_safe(post.embeds[0].description) == clean_question(text, 1000)
    else:
        assert "can't be empty" in result.response.content
    assert simcord_env.errors == []
