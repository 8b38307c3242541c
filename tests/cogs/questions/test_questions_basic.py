"""End-to-end: /ask, /explain, Me too, the facilitators' copy and its buttons, moderation, list and export.

Members see each question with **Me too** only; facilitators work on a copy in the facilitator channel
(or, without one, privately from ``/questions list``), kept in step with the public post (issue 25).
"""

from __future__ import annotations

import csv
import io

from cogs._shared import BUTTON_FOR_FACILITATORS

LONG = "x" * 1001
FACILITATOR_BUTTONS = [
    "Answered",
    "Answering now",
    "Write an answer",
    "Remove",
    "Mute this asker for the rest of the meeting",
]


async def ask(member, community, text: str):
    shown = await member.slash(community.meeting, "ask")
    assert shown.modal is not None
    return await member.submit_modal(shown, {"question": text})


def posts(channel):
    return [
        m for m in channel.history() if m.embeds and m.embeds[0].title and m.embeds[0].title.startswith("Question ")
    ]


def labels(message) -> list[str]:
    return [c.label for row in message.components for c in row.children]


def fields(message) -> dict[str, str]:
    return {f.name: f.value for f in message.embeds[0].fields}


async def test_ask_posts_me_too_only_and_a_copy_with_the_facilitators_buttons(simcord_env, community):
    await community.configure()
    sam = community.add_member("sam")
    result = await ask(sam, community, "What does **PROM** mean?")
    assert result.response.ephemeral
    reply = result.response.content
    assert "without your name" in reply and community.questions.mention in reply
    assert "Me too" in reply and "next meeting" in reply and "Question" not in reply
    [post] = posts(community.questions)
    assert post.embeds[0].title == "Question 1"
    assert "PROM" in post.embeds[0].description
    assert post.author.id == simcord_env.bot.user.id
    assert post.interaction_metadata is None
    assert labels(post) == ["Me too (0)"]
    [copy] = posts(community.facilitators)
    assert copy.embeds[0].title == "Question 1" and "PROM" in copy.embeds[0].description
    assert labels(copy) == FACILITATOR_BUTTONS
    assert len(copy.components) == 2  # the long Mute label has a row of its own with Remove
    assert fields(copy)["Me too"] == "0" and post.jump_url in fields(copy)["Members see it here"]
    await ask(community.add_member("kim"), community, "And what is a PREM?")
    assert [p.embeds[0].title for p in posts(community.questions)] == ["Question 1", "Question 2"]


async def test_asking_during_a_meeting_says_it_may_be_answered_out_loud(simcord_env, community):
    await community.configure()
    await community.facilitator.slash(community.meeting, "meeting start")
    result = await ask(community.add_member("sam"), community, "Is it too late to ask?")
    assert "can see it now, and may answer it out loud" in result.response.content


async def test_ask_without_questions_channel_explains_and_stores_nothing(simcord_env, community):
    sam = community.add_member("sam")
    result = await sam.slash(community.meeting, "ask")
    assert result.modal is None
    assert result.response.ephemeral
    assert "facilitator needs to choose a questions channel" in result.response.content
    await community.configure()
    listed = await community.admin.slash(community.meeting, "questions list")
    assert listed.response.content == "There are no open questions."


async def test_empty_and_too_long_refused_with_limit(simcord_env, community):
    await community.configure()
    sam = community.add_member("sam")
    result = await ask(sam, community, " \u200b\u200f \n")
    assert "can't be empty" in result.response.content
    result = await sam.slash(community.meeting, "explain", term=LONG)
    assert "1,000" in result.response.content
    assert posts(community.questions) == []


async def test_explain_posts_plain_language_request(simcord_env, community):
    await community.configure()
    sam = community.add_member("sam")
    result = await sam.slash(community.meeting, "explain", term="QALY")
    assert result.response.ephemeral and "without your name" in result.response.content
    [post] = posts(community.questions)
    assert post.embeds[0].description == "Someone would like a plain-language explanation of: QALY"


async def test_me_too_answers_privately_counts_once_per_member_and_toggles(simcord_env, community):
    await community.configure()
    await ask(community.add_member("sam"), community, "Why?")
    a, b = community.add_member("ann"), community.add_member("bob")
    [post] = posts(community.questions)
    added = await a.click(post, custom_id="copbot:questions:vote:n1")
    assert added.response.ephemeral
    assert added.response.content == "Added your Me too. Press again to take it back."
    await b.click(community.questions.last_message, label="Me too (1)")
    assert labels(community.questions.last_message) == ["Me too (2)"]
    assert fields(community.facilitators.last_message)["Me too"] == "2"  # the copy keeps in step
    taken = await a.click(community.questions.last_message, custom_id="copbot:questions:vote:n1")
    assert taken.response.ephemeral and taken.response.content == "Taken back."
    await b.click(community.questions.last_message, custom_id="copbot:questions:vote:n1")
    assert labels(community.questions.last_message) == ["Me too (0)"]
    assert fields(community.facilitators.last_message)["Me too"] == "0"


async def test_the_facilitators_buttons_work_on_the_copy_and_refuse_everyone_else(simcord_env, community):
    # Observers can see the facilitator channel without being facilitators.
    observers = community.guild.create_role("Observers")
    watched = community.private_channel("watched", viewers=[observers])
    await community.configure(facilitator_channel=watched)
    await ask(community.add_member("sam"), community, "Why?")
    await ask(community.add_member("kim"), community, "How?")
    eve = community.guild.add_member(simcord_env.create_user("eve"), roles=[observers])
    first, second = posts(watched)
    for custom_id in ("answered:n1", "remove:n1", "mute:n1", "now:n1", "write:n1"):
        refused = await eve.click(first, custom_id=f"copbot:questions:{custom_id}")
        assert refused.modal is None
        assert refused.response.ephemeral and refused.response.content == BUTTON_FOR_FACILITATORS
    assert len(posts(community.questions)) == 2
    await community.facilitator.click(first, custom_id="copbot:questions:answered:n1")
    post, copy = posts(community.questions)[0], posts(watched)[0]
    assert post.embeds[0].title == copy.embeds[0].title == "Question 1 (answered)"
    assert labels(post) == ["Me too (0)"] and post.components[0].children[0].disabled
    assert labels(copy) == ["Write an answer", "Remove"]
    await community.facilitator.click(second, custom_id="copbot:questions:remove:n2")
    assert [p.embeds[0].title for p in posts(community.questions)] == ["Question 1 (answered)"]
    removed = posts(watched)[1]
    assert removed.embeds[0].title == "Question 2 was removed" and not removed.components
    listed = await community.facilitator.slash(community.meeting, "questions list")
    assert "no open questions" in listed.response.content


async def test_without_a_facilitator_channel_the_buttons_are_in_questions_list(simcord_env, community):
    await community.configure(facilitator_channel=None)
    await ask(community.add_member("sam"), community, "Where do facilitators answer this?")
    [post] = posts(community.questions)
    assert labels(post) == ["Me too (0)"]
    listed = await community.facilitator.slash(community.meeting, "questions list")
    assert listed.response.ephemeral and "#1" in listed.response.content
    chosen = await community.facilitator.select(listed.response, ["n1"], custom_id="copbot:questions:manage")
    assert chosen.response.ephemeral and chosen.response.embeds[0].title == "Question 1"
    assert labels(chosen.response.message) == FACILITATOR_BUTTONS
    await community.facilitator.click(chosen.response, label="Answering now")
    assert "Being answered now." in fields(posts(community.questions)[0])
    await community.facilitator.click(chosen.response, label="Answered")
    assert posts(community.questions)[0].embeds[0].title == "Question 1 (answered)"


async def test_moderation_approve_and_reject(simcord_env, community):
    # Observers can see the facilitator channel without being facilitators.
    observers = community.guild.create_role("Observers")
    review = community.private_channel("review", viewers=[observers])
    await community.configure(moderation=True, facilitator_channel=review)
    result = await ask(community.add_member("sam"), community, "First?")
    assert "A facilitator checks each question first" in result.response.content
    await ask(community.add_member("kim"), community, "Second?")
    assert posts(community.questions) == []
    first, second = review.history()[-2:]
    # Someone who can see the facilitator channel but is not a facilitator.
    eve = community.guild.add_member(simcord_env.create_user("eve"), roles=[observers])
    refused = await eve.click(first, label="Approve")
    assert refused.response.content == BUTTON_FOR_FACILITATORS
    refused = await eve.click(second, label="Reject")
    assert refused.response.content == BUTTON_FOR_FACILITATORS
    await community.facilitator.click(first, label="Approve")
    await community.facilitator.click(second, label="Reject")
    [post] = posts(community.questions)
    assert post.embeds[0].title == "Question 1" and post.embeds[0].description == "First?"
    assert labels(post) == ["Me too (0)"]
    # The check message became the facilitators' copy; the rejected one keeps no text and no buttons.
    approved, rejected = review.history()[-2:]
    assert approved.embeds[0].title == "Question 1" and labels(approved) == FACILITATOR_BUTTONS
    assert rejected.embeds[0].title == "Rejected: not posted" and not rejected.components


async def test_list_and_export(simcord_env, community):
    await community.configure()
    await ask(community.add_member("sam"), community, "=SUM(A1) is it safe?")
    await community.add_member("kim").slash(community.meeting, "explain", term="PROM")
    await ask(community.add_member("lee"), community, "Third, answered")
    voter = community.add_member("ann")
    await voter.click(posts(community.questions)[1], custom_id="copbot:questions:vote:n2")
    await community.facilitator.click(posts(community.facilitators)[2], custom_id="copbot:questions:answered:n3")
    listed = await community.facilitator.slash(community.meeting, "questions list")
    assert listed.response.ephemeral
    content = listed.response.content
    assert content.index("#2") < content.index("#1") and "#3" not in content
    exported = await community.facilitator.slash(community.meeting, "questions export")
    assert exported.response.ephemeral
    [attachment] = exported.response.attachments
    rows = list(csv.reader(io.StringIO((await attachment.read()).decode("utf-8-sig"))))
    assert rows[0] == ["number", "text", "status", "votes", "created_at", "answered_at", "answer"]
    assert [r[:4] for r in rows[1:]] == [
        ["1", "'=SUM(A1) is it safe?", "open", "0"],
        ["2", "Someone would like a plain-language explanation of: PROM", "open", "1"],
        ["3", "Third, answered", "answered", "0"],
    ]
    assert rows[3][5] and not rows[1][5]


async def test_buttons_work_after_restart(simcord_env, community, restart):
    review = community.facilitators
    await community.configure(moderation=True)
    await ask(community.add_member("sam"), community, "Before the restart?")
    await restart()
    await community.facilitator.click(review.last_message, label="Approve")
    [post] = posts(community.questions)
    ann = community.add_member("ann")
    voted = await ann.click(post, custom_id="copbot:questions:vote:n1")
    assert voted.response.content.startswith("Added your Me too")
    assert labels(community.questions.last_message) == ["Me too (1)"]
    assert fields(review.last_message)["Me too"] == "1"
    await restart()
    refused = await community.facilitator.click(
        review.last_message, label="Mute this asker for the rest of the meeting"
    )
    assert "before copbot last restarted" in refused.response.content
    await community.facilitator.click(review.last_message, label="Answered")
    assert posts(community.questions)[0].embeds[0].title == "Question 1 (answered)"
    assert review.last_message.embeds[0].title == "Question 1 (answered)"
