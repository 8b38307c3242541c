"""The welcome end to end under SimCord: a newcomer walks it by buttons only, it survives a restart, it is
never sent twice, closed direct messages get one Start here post naming nobody, and facilitators can
turn it off. Every step is measured as the member reads it (at most 60 words, textstat grade 5 or below)."""

from __future__ import annotations

import json
import logging

import pytest
import textstat
from simcord.results import to_discord_message

from bot.readability import plain_text
from cogs.questions._render import ANONYMOUS_FOOTER
from tests.operator_view import stored_bytes
from tests.shown import labels, replies

pytestmark = pytest.mark.timeout(90)

PRACTICE = "Zorbleflax question: why does my knee click on the stairs?"
MARKER = "Zorbleflax"


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("discord", "simcord", "aiosqlite", "apscheduler", "bot", "cogs"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def bot_dms(member, env) -> list:
    return [m for m in member.user.dm_channel.history() if m.author.id == env.bot.user.id]


def budget(text: str, community) -> tuple[int, float]:
    """Words and textstat grade of a message as the member reads it."""
    read = plain_text(text, {community.meeting.id: "meeting"})
    return textstat.lexicon_count(read), textstat.flesch_kincaid_grade(read)


def within_budget(message, community) -> None:
    words, grade = budget(message.content, community)
    assert words <= 60 and grade <= 5, (words, grade, message.content)


async def schedule_meeting(community) -> None:
    result = await community.facilitator.slash(
        community.meeting, "meeting schedule", when="in 10 days", title="Knee health and you"
    )
    assert result.response is not None and "is planned" in result.response.content


async def test_a_newcomer_walks_the_welcome_by_buttons_only(simcord_env, community, db_path, all_logs) -> None:
    await community.configure()
    await schedule_meeting(community)
    pat = community.add_member("pat_newcomer", global_name="Pat")
    await simcord_env.settle()
    [message] = bot_dms(pat, simcord_env)
    assert message.content.startswith("Welcome to **Knee Pain CoP**! (1 of 5)")
    assert "put good research into everyday care" in message.content and "voice call" in message.content
    assert labels(message) == ["Next"]
    within_budget(message, community)

    step = await pat.user.click(message, label="Next")
    message = step.response
    assert message.content.startswith("**Which of these fits you best?** (2 of 5)")
    assert labels(message)[:2] == ["Patient or public", "Clinician"] and labels(message)[-2:] == ["Back", "Next"]
    within_budget(message, community)
    chosen = await pat.user.click(message, label="Patient or public")
    message = chosen.response
    assert "Saved: **Patient or public**" in message.content
    within_budget(message, community)
    assert await simcord_env.bot.members.get_role(community.guild.id, pat.id) == "lay"  # as /profile saves it
    profile = await pat.slash(community.meeting, "profile")
    assert "Patient, carer or member of the public" in profile.response.content

    message = (await pat.user.click(message, label="Next")).response
    assert message.content.startswith("**Ask without your name** (3 of 5)") and "Practice" in labels(message)
    within_budget(message, community)
    form = await pat.user.click(message, label="Practice")
    assert form.modal is not None and form.modal["title"] == "Practice: ask without your name"
    shown = await pat.user.submit_modal(form, {"question": PRACTICE})
    preview = shown.response
    assert preview.ephemeral and "not posted anywhere" in preview.content and "did not keep it" in preview.content
    [embed] = preview.embeds
    assert MARKER in embed.description and embed.footer.text == ANONYMOUS_FOOTER  # drawn as a real post is

    message = (await pat.user.click(message, label="Next")).response
    assert message.content.startswith("**Words you will hear** (4 of 5)")
    within_budget(message, community)
    assert labels(message)[0] == "CoP"
    meaning = await pat.user.click(message, label="CoP")
    assert meaning.response.ephemeral and meaning.response.embeds[0].title == "CoP"
    assert "Community of Practice" in meaning.response.embeds[0].description

    message = (await pat.user.click(message, label="Next")).response
    assert message.content.startswith("**Our next meeting** (5 of 5)") and "**Knee health and you**" in message.content
    assert ":F>" in message.content and ":R>" in message.content  # a Discord timestamp: each reader's own time
    within_budget(message, community)
    calendar = await pat.user.click(message, label="Add to my calendar")
    [ics] = calendar.response.attachments
    assert ics.filename == "copbot-calendar.ics" and b"Knee health and you" in await ics.read()
    done = await pat.user.click(message, label="Done")
    assert done.response.content.startswith("You are all set.") and labels(done.response) == ["Start again"]
    again = await pat.user.click(done.response, label="Start again")
    assert again.response.content.startswith("Welcome to **Knee Pain CoP**!")

    # One message all along: each step replaced the last, nothing was sent twice.
    assert len(bot_dms(pat, simcord_env)) == 1

    # The practice question was shown to Pat alone, privately, and is nowhere else: not in any channel or
    # chat, not in the database file, not in any log line.
    for messages in simcord_env.backend.messages.values():
        for stored in messages.values():
            seen = to_discord_message(simcord_env, stored)
            text = seen.content + json.dumps([e.to_dict() for e in seen.embeds])
            if MARKER in text:
                assert seen.flags.ephemeral and seen.id == preview.id, seen
    stored = await stored_bytes(db_path)
    assert MARKER.encode() not in stored.database and MARKER.encode() not in stored.shared_log
    assert MARKER.encode("utf-16-le") not in stored.database
    logging.getLogger("cogs.welcome").debug("the capture is listening")  # so an empty search can't pass by mistake
    records = [r.getMessage() + repr(r.args) + (r.exc_text or "") for r in all_logs.records]
    assert any(line.startswith("the capture is listening") for line in records)
    assert not any(MARKER in line for line in records)


async def test_copbot_keeps_nothing_about_who_it_welcomed(simcord_env, community, db_path) -> None:
    """Any member may ask without their name, so being welcomed must leave no trace of them in the database:
    the welcome message in their own direct messages is the only record (it is how copbot knows not to send
    it twice)."""
    await community.configure()
    pat = community.add_member("pat_quietly", global_name="Patricia")
    await simcord_env.settle()
    [message] = bot_dms(pat, simcord_env)
    for _ in range(4):
        message = (await pat.user.click(message, label="Next")).response
    await pat.user.click(message, label="Done")
    stored = await stored_bytes(db_path)
    for needle in (str(pat.id).encode(), pat.id.to_bytes(8, "big"), pat.id.to_bytes(8, "little"), b"Patricia"):
        assert needle not in stored.database
    summary = (await pat.slash(community.meeting, "mydata")).response.content
    assert summary == "copbot keeps nothing about you in this server."


async def test_a_practice_with_a_phone_number_gets_the_kind_refusal_and_is_kept_nowhere(simcord_env, community):
    await community.configure()
    pat = community.add_member("pat")
    await simcord_env.settle()
    [message] = bot_dms(pat, simcord_env)
    message = (await pat.user.click(message, label="Next")).response
    message = (await pat.user.click(message, label="Next")).response
    form = await pat.user.click(message, label="Practice")
    refused = await pat.user.submit_modal(form, {"question": "Call me on 07700 900123 about it"})
    assert (
        refused.response.ephemeral and "It was only practice: nothing was posted or kept." in refused.response.content
    )
    assert not community.questions.history() and not community.meeting.history()


async def test_the_welcome_carries_on_after_a_restart_and_is_never_sent_twice(simcord_env, community, restart):
    await community.configure()
    pat = community.add_member("pat")
    await simcord_env.settle()
    [message] = bot_dms(pat, simcord_env)
    step_two = (await pat.user.click(message, label="Next")).response
    await restart()
    # The same message's buttons still work, from where Pat stopped.
    chosen = await pat.user.click(step_two, label="GP")
    assert "Saved: **GP**" in chosen.response.content
    assert await simcord_env.bot.members.get_role(community.guild.id, pat.id) == "gp"
    step_three = (await pat.user.click(chosen.response, label="Next")).response
    assert step_three.content.startswith("**Ask without your name**")
    back = (await pat.user.click(step_three, label="Back")).response
    assert back.content.startswith("**Which of these fits you best?**")
    # Leaving and coming back (or a second join event) does not send it again.
    community.guild.remove_member(pat)
    await simcord_env.settle()
    again = community.guild.add_member(pat.user)
    await simcord_env.settle()
    assert len(bot_dms(again, simcord_env)) == 1


def with_closed_dms(env, community, name: str, global_name: str):
    """A newcomer whose direct messages are closed (Discord refuses the bot's DM with 50007)."""
    user = env.create_user(name, global_name=global_name)
    env.inject_error(
        "POST", f"/channels/{user.dm_channel.id}/messages", status=403, code=50007, message="Cannot send", times=None
    )
    return community.guild.add_member(user)


async def test_closed_direct_messages_get_one_start_here_post_that_names_nobody(simcord_env, community):
    await community.configure()
    people = [
        with_closed_dms(simcord_env, community, "quiet_one", "Quietina"),
        with_closed_dms(simcord_env, community, "quiet_two", "Hushley"),
    ]
    await simcord_env.settle()
    posts = [m for m in community.meeting.history() if m.author.id == simcord_env.bot.user.id]
    assert len(posts) == 1, [p.content for p in posts]  # two newcomers, one post
    [post] = posts
    assert "Start here" in post.content and labels(post) == ["Start here"]
    for person in people:
        for needle in (str(person.id), person.user.name, person.user.global_name):
            assert needle not in post.content
    words, grade = budget(post.content, community)
    assert words <= 60 and grade <= 5
    opened = await people[0].click(post, label="Start here")
    step = opened.response
    assert step.ephemeral and step.content.startswith("Welcome to **Knee Pain CoP**!")
    step = (await people[0].click(step, label="Next")).response
    assert step.ephemeral and step.content.startswith("**Which of these fits you best?**")


async def test_a_later_start_here_post_replaces_the_old_one(simcord_env, community):
    import time_machine

    await community.configure()
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        with_closed_dms(simcord_env, community, "quiet_one", "Quietina")
        await simcord_env.settle()
        clock.shift(2 * 3600)
        await simcord_env.advance_time(2 * 3600)
        with_closed_dms(simcord_env, community, "quiet_two", "Hushley")
        await simcord_env.settle()
    posts = [m for m in community.meeting.history() if m.author.id == simcord_env.bot.user.id]
    assert len(posts) == 1 and "Start here" in posts[0].content


async def test_facilitators_can_turn_the_welcome_off_and_welcome_still_shows_it(simcord_env, community):
    await community.configure(welcome=False)
    shown = await community.admin.slash(community.meeting, "settings show")
    assert "Welcome for new members by direct message: off" in shown.response.content
    pat = community.add_member("pat")
    await simcord_env.settle()
    assert bot_dms(pat, simcord_env) == [] and not community.meeting.history()
    asked = await pat.slash(community.meeting, "welcome")
    assert asked.response.ephemeral and asked.response.content == "I have sent you the welcome in a direct message."
    [message] = bot_dms(pat, simcord_env)
    assert message.content.startswith("Welcome to **Knee Pain CoP**!")
    await community.configure(welcome=True)
    late = community.add_member("late")
    await simcord_env.settle()
    assert len(bot_dms(late, simcord_env)) == 1


async def test_welcome_starts_again_and_shows_it_here_when_direct_messages_are_closed(simcord_env, community):
    await community.configure()
    pat = community.add_member("pat")
    await simcord_env.settle()
    again = await pat.slash(community.meeting, "welcome")
    assert again.response.content == "I have sent you the welcome in a direct message."
    assert len(bot_dms(pat, simcord_env)) == 2  # asked for: a fresh start at step 1
    assert bot_dms(pat, simcord_env)[-1].content.startswith("Welcome to")
    simcord_env.inject_error(
        "POST", f"/channels/{pat.user.dm_channel.id}/messages", status=403, code=50007, message="Cannot", times=None
    )
    here = await pat.slash(community.meeting, "welcome")
    [note, step] = replies(here)
    assert note.ephemeral and note.content.startswith("I couldn't send you a direct message")
    assert step.ephemeral and step.content.startswith("Welcome to") and "Next" in labels(step)


async def test_no_welcome_before_the_server_is_set_up(simcord_env, community):
    newcomer = community.add_member("early_bird")
    await simcord_env.settle()
    assert bot_dms(newcomer, simcord_env) == []
