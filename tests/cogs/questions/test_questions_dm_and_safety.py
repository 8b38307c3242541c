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


def bot_reply(env, user):
    """The bot's latest answer in ``user``'s DM chat. The welcome message a new member gets is left
    out: with latency it can arrive after the answer to a first DM."""
    return next(
        m
        for m in reversed(user.dm_channel.history())
        if m.author.id == env.bot.user.id and not m.content.startswith("Welcome to")
    )


def assert_inert(message: discord.Message) -> None:
    assert message.mention_everyone is False
    assert message.mentions == [] and message.role_mentions == []
    assert message.raw_mentions == [] and message.raw_role_mentions == []


async def test_dm_with_two_shared_servers_offers_a_choice_and_posts_only_from_the_form(simcord_env, community):
    await community.configure()
    guild2, channel2 = await second_server(simcord_env)
    user = simcord_env.create_user("dual")
    community.guild.add_member(user)
    guild2.add_member(user)
    await user.send_dm("What is shared decision making?")
    reply = bot_reply(simcord_env, user)
    labels = [c.label for row in reply.components for c in row.children]
    assert labels == ["Ask in Hip Pain CoP", "Ask in Knee Pain CoP"]
    assert "choose the one your question is for" in reply.content
    assert "shared decision" not in reply.content and not reply.embeds
    assert not community.questions.history() and not channel2.history()
    shown = await user.click(reply, label="Ask in Hip Pain CoP")
    assert shown.modal is not None and shown.modal["custom_id"] == f"copbot:questions:form:{guild2.id}"
    done = await user.submit_modal(shown, {"question": "What does shared decision making mean?"})
    post = channel2.last_message
    assert post.embeds[0].title == "Question 1"
    assert post.embeds[0].description == "What does shared decision making mean?"
    assert not community.questions.history()
    assert "without your name" in done.response.content and "Hip Pain CoP" in done.response.content
    assert "Question" not in done.response.content and "shared decision" not in done.response.content
    assert bot_reply(simcord_env, user).id == reply.id  # nothing new was written into the DM chat


async def test_dm_text_is_never_used_bots_and_strangers(simcord_env, community):
    await community.configure()
    user = simcord_env.create_user("member")
    community.guild.add_member(user)
    await user.send_dm("y" * 1001)  # however long, a DM is never read as a question
    reply = bot_reply(simcord_env, user)
    assert reply.author.id == simcord_env.bot.user.id and "Ask anonymously" in reply.content
    shown = await user.click(reply, label="Ask anonymously")
    too_long = await user.submit_modal(shown, {"question": " \u200b "})
    assert "can't be empty" in too_long.response.content
    stranger = simcord_env.create_user("stranger")
    await stranger.send_dm("Hello?")
    reply = bot_reply(simcord_env, stranger)
    assert reply.author.id == simcord_env.bot.user.id and "can't find one" in reply.content
    robot = simcord_env.create_user("robot", bot=True)
    community.guild.add_member(robot)
    await robot.send_dm("beep")
    assert [m.author.id for m in robot.dm_channel.history()] == [robot.id]
    assert not community.questions.history()


async def test_old_dm_preview_buttons_post_nothing(simcord_env, community, discord_layer):
    """A preview left in a DM chat by the old flow: "Post anonymously" now opens the form (the text
    in the preview is never posted) and "Don't post" removes the buttons and the preview text."""
    await community.configure()
    user = simcord_env.create_user("member")
    community.guild.add_member(user)
    await user.send_dm("hello")
    channel = user.dm_channel
    old = await simcord_env.bot.get_channel(channel.id).send(
        "Here is how your question will look.",
        embed=discord.Embed(description="old preview text"),
        view=_old_preview_view(community.guild.id),
    )
    shown = await user.click(channel.last_message, label="Post anonymously")
    assert shown.modal is not None and not community.questions.history()
    await user.click(channel.last_message, label="Don't post")
    edited = next(m for m in channel.history() if m.id == old.id)
    assert not edited.embeds and not edited.components and "nothing was posted" in edited.content


def _old_preview_view(guild_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Post anonymously", custom_id=f"copbot:questions:dmpost:{guild_id}"))
    view.add_item(discord.ui.Button(label="Don't post", custom_id="copbot:questions:dmcancel"))
    return view


async def test_dm_limit_per_member_per_hour(simcord_env, community):
    """Fair use: ``limits.dms_per_hour`` (10) DMs are answered; the 11th gets one sentence; the rest
    get nothing until the hour has passed. Other members are not affected."""
    # Members join before set-up, so the only bot messages in the DM chats are the answers counted here.
    user, other = simcord_env.create_user("chatty"), simcord_env.create_user("other")
    community.guild.add_member(user)
    community.guild.add_member(other)
    await community.configure()
    bot_id = simcord_env.bot.user.id
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        for n in range(10):
            await user.send_dm(f"message {n}")
        assert sum(m.author.id == bot_id for m in user.dm_channel.history()) == 10
        await user.send_dm("one more")
        assert "I'll answer again in about an hour" in bot_reply(simcord_env, user).content
        for n in range(5):
            await user.send_dm(f"flood {n}")
        assert user.dm_channel.last_message.author.id == user.id
        assert sum(m.author.id == bot_id for m in user.dm_channel.history()) == 11
        await other.send_dm("hi")
        assert bot_reply(simcord_env, other).components
        clock.shift(3600)
        await simcord_env.advance_time(3600)
        await user.send_dm("back again")
        assert bot_reply(simcord_env, user).components


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
    sam, kim = community.add_member("sam"), community.add_member("kim")
    await community.configure()
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        for n in range(5):
            result = await sam.slash(community.meeting, "explain", term=f"term {n}")
            assert "without your name" in result.response.content
            assert community.questions.last_message.embeds[0].title == f"Question {n + 1}"
        refused = await sam.slash(community.meeting, "explain", term="one too many")
        assert refused.response.ephemeral and "wait about 10 minutes" in refused.response.content
        other = await kim.slash(community.meeting, "explain", term="still fine")
        assert "without your name" in other.response.content
        assert community.questions.last_message.embeds[0].title == "Question 6"
        clock.shift(10 * 60)
        await simcord_env.advance_time(10 * 60)
        again = await sam.slash(community.meeting, "explain", term="after the wait")
        assert "without your name" in again.response.content
        assert community.questions.last_message.embeds[0].title == "Question 7"


async def test_mute_stops_only_that_asker_and_ends(simcord_env, community):
    await community.configure()
    sam, kim = community.add_member("sam"), community.add_member("kim")
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        await sam.slash(community.meeting, "explain", term="first")
        done = await community.facilitator.click(
            community.facilitators.last_message, custom_id="copbot:questions:mute:n1"
        )
        assert done.response.ephemeral and "Whoever asked Question 1" in done.response.content
        refused = await sam.slash(community.meeting, "explain", term="second")
        assert refused.response.ephemeral and "paused" in refused.response.content
        assert "without your name" in (await kim.slash(community.meeting, "explain", term="x")).response.content
        clock.shift(3 * 3600)
        await simcord_env.advance_time(3 * 3600)
        assert "without your name" in (await sam.slash(community.meeting, "explain", term="later")).response.content
        assert community.questions.last_message.embeds[0].title == "Question 3"


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
    if "without your name" in result.response.content:
        post = community.questions.last_message
        assert_inert(post)
        assert unrender_safe(post.embeds[0].description) == clean_question(text, 1000)
    else:
        assert "can't be empty" in result.response.content
    assert simcord_env.errors == []


async def test_memory_only_state_is_forgotten_when_the_mute_window_passes(simcord_env, community):
    """Rate limit, mutes, DM counts and question → asker links live at most ``mute_hours`` (3): the
    scheduled expiry forgets them by itself (no click needed), then nobody can mute #1's asker."""
    await community.configure()
    sam = community.add_member("sam")
    user = simcord_env.create_user("dm_user")
    community.guild.add_member(user)
    memory = simcord_env.bot.questions.memory
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        await sam.slash(community.meeting, "explain", term="first")
        await sam.slash(community.meeting, "explain", term="second")
        await user.send_dm("hello")
        await community.facilitator.click(community.facilitators.last_message, custom_id="copbot:questions:mute:n2")
        assert len(memory.askers) == 2 and len(memory.mutes) == 1
        assert len(memory.rate_limiter) == 1 and len(memory.dm_limiter) == 1
        clock.shift(2 * 3600)
        await simcord_env.advance_time(2 * 3600)
        assert len(memory.askers) == 2 and len(memory.mutes) == 1  # the rate limit (10 min) and DM count (1 h) went
        assert len(memory.rate_limiter) == 0 and len(memory.dm_limiter) == 0
        clock.shift(3600 + 1)
        await simcord_env.advance_time(3600 + 1)
        assert len(memory) == 0  # everything, with no interaction to trigger it
        first = next(m for m in community.facilitators.history() if m.embeds and m.embeds[0].title == "Question 1")
        refused = await community.facilitator.click(first, custom_id="copbot:questions:mute:n1")
        assert "can't mute whoever asked that one" in refused.response.content
        assert "without your name" in (await sam.slash(community.meeting, "explain", term="later")).response.content


async def test_forget_meeting_state_clears_everything_and_changes_the_asker_secret(simcord_env, community):
    """What ``/meeting end`` will call: after it, no link, mute or count is left, and keys made
    before cannot be made again (a new asker secret)."""
    await community.configure()
    sam = community.add_member("sam")
    questions = simcord_env.bot.questions
    await sam.slash(community.meeting, "explain", term="first")
    await community.facilitator.click(community.facilitators.last_message, custom_id="copbot:questions:mute:n1")
    assert "paused" in (await sam.slash(community.meeting, "explain", term="muted?")).response.content
    before = questions.memory.keys.asker(community.guild.id, sam.id)
    questions.forget_meeting_state()
    assert len(questions.memory) == 0 and questions.memory.keys.asker(community.guild.id, sam.id) != before
    assert "without your name" in (await sam.slash(community.meeting, "explain", term="free again")).response.content
