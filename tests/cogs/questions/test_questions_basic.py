"""End-to-end: /ask, /explain, votes, facilitator buttons, moderation, list and export."""

from __future__ import annotations

import csv
import io

LONG = "x" * 1001


async def ask(member, community, text: str):
    shown = await member.slash(community.meeting, "ask")
    assert shown.modal is not None
    return await member.submit_modal(shown, {"question": text})


def posts(channel):
    return [
        m for m in channel.history() if m.embeds and m.embeds[0].title and m.embeds[0].title.startswith("Question #")
    ]


async def test_ask_posts_question_with_buttons_and_private_confirmation(simcord_env, community):
    await community.configure()
    sam = community.add_member("sam")
    result = await ask(sam, community, "What does **PROM** mean?")
    assert result.response.ephemeral
    assert "Question #1" in result.response.content and "posted" in result.response.content
    [post] = posts(community.questions)
    assert post.embeds[0].title == "Question #1"
    assert "PROM" in post.embeds[0].description
    assert post.author.id == simcord_env.bot.user.id
    assert post.interaction_metadata is None
    labels = [c.label for row in post.components for c in row.children]
    assert labels == [
        "Me too (0)",
        "Answered",
        "Remove",
        "Mute this asker for the rest of the meeting",
        "Write an answer",
        "Answering now",
    ]
    assert len(post.components) == 2  # Discord allows 5 buttons a row: the answer buttons have their own
    second = await ask(community.add_member("kim"), community, "And what is a PREM?")
    assert "Question #2" in second.response.content


async def test_ask_without_questions_channel_explains_and_stores_nothing(simcord_env, community):
    sam = community.add_member("sam")
    result = await sam.slash(community.meeting, "ask")
    assert result.modal is None
    assert result.response.ephemeral
    assert "facilitator needs to choose a questions channel" in result.response.content
    await community.configure()
    await community.admin.slash(community.meeting, "questions list")


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
    assert result.response.ephemeral and "Question #1" in result.response.content
    [post] = posts(community.questions)
    assert post.embeds[0].description == "Someone would like a plain-language explanation of: QALY"


async def test_votes_count_once_per_member_and_toggle(simcord_env, community):
    await community.configure()
    await ask(community.add_member("sam"), community, "Why?")
    a, b = community.add_member("ann"), community.add_member("bob")
    [post] = posts(community.questions)
    await a.click(post, custom_id="copbot:questions:vote:n1")
    await b.click(community.questions.last_message, label="Me too (1)")
    assert community.questions.last_message.components[0].children[0].label == "Me too (2)"
    await a.click(community.questions.last_message, custom_id="copbot:questions:vote:n1")
    await b.click(community.questions.last_message, custom_id="copbot:questions:vote:n1")
    assert community.questions.last_message.components[0].children[0].label == "Me too (0)"


async def test_facilitator_buttons_refuse_others_and_work_for_facilitators(simcord_env, community):
    await community.configure()
    await ask(community.add_member("sam"), community, "Why?")
    await ask(community.add_member("kim"), community, "How?")
    eve = community.add_member("eve")
    first, second = posts(community.questions)
    for custom_id in ("answered:n1", "remove:n1", "mute:n1"):
        refused = await eve.click(first, custom_id=f"copbot:questions:{custom_id}")
        assert refused.response.ephemeral and "only facilitators" in refused.response.content
    assert len(posts(community.questions)) == 2
    await community.facilitator.click(first, custom_id="copbot:questions:answered:n1")
    first = posts(community.questions)[0]
    assert first.embeds[0].title == "Question #1 (answered)"
    assert [c.label for c in first.components[0].children] == ["Me too (0)", "Remove"]
    removed = await community.facilitator.click(second, custom_id="copbot:questions:remove:n2")
    assert removed.response.ephemeral and "#2" in removed.response.content
    assert [p.embeds[0].title for p in posts(community.questions)] == ["Question #1 (answered)"]
    listed = await community.facilitator.slash(community.meeting, "questions list")
    assert "no open questions" in listed.response.content
    refused = await eve.slash(community.meeting, "questions list")
    assert "only facilitators" in refused.response.content


async def test_moderation_approve_and_reject(simcord_env, community):
    # Observers can see the facilitator channel without being facilitators.
    observers = community.guild.create_role("Observers")
    review = community.private_channel("review", viewers=[observers])
    await community.configure(moderation=True, facilitator_channel=review)
    result = await ask(community.add_member("sam"), community, "First?")
    assert "waiting for a facilitator" in result.response.content
    await ask(community.add_member("kim"), community, "Second?")
    assert posts(community.questions) == []
    first, second = review.history()[-2:]
    # Someone who can see the facilitator channel but is not a facilitator.
    eve = community.guild.add_member(simcord_env.create_user("eve"), roles=[observers])
    refused = await eve.click(first, label="Approve")
    assert "only facilitators" in refused.response.content
    refused = await eve.click(second, label="Reject")
    assert "only facilitators" in refused.response.content
    await community.facilitator.click(first, label="Approve")
    await community.facilitator.click(second, label="Reject")
    [post] = posts(community.questions)
    assert post.embeds[0].title == "Question #1" and post.embeds[0].description == "First?"
    titles = [m.embeds[0].title for m in review.history() if m.embeds]
    assert titles[-2:] == ["Approved: posted as Question #1", "Rejected: not posted"]
    assert all(not m.components for m in review.history()[-2:])


async def test_list_and_export(simcord_env, community):
    await community.configure()
    await ask(community.add_member("sam"), community, "=SUM(A1) is it safe?")
    await community.add_member("kim").slash(community.meeting, "explain", term="PROM")
    await ask(community.add_member("lee"), community, "Third, answered")
    voter = community.add_member("ann")
    await voter.click(posts(community.questions)[1], custom_id="copbot:questions:vote:n2")
    await community.facilitator.click(posts(community.questions)[2], custom_id="copbot:questions:answered:n3")
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
    await ann.click(post, custom_id="copbot:questions:vote:n1")
    assert community.questions.last_message.components[0].children[0].label == "Me too (1)"
    refused = await community.facilitator.click(
        community.questions.last_message, label="Mute this asker for the rest of the meeting"
    )
    assert "before copbot last restarted" in refused.response.content
    await community.facilitator.click(community.questions.last_message, label="Answered")
    assert posts(community.questions)[0].embeds[0].title == "Question #1 (answered)"


async def test_help_describes_anonymous_questions(simcord_env, community):
    result = await community.add_member("sam").slash(community.meeting, "help")
    text = (
        " ".join(f"{f.name} {f.value}" for f in result.response.embeds[0].fields)
        + result.response.embeds[0].description
    )
    assert "Ask without giving your name" in text and "/ask" in text
    assert '"Ask anonymously" button' in text and "I never post what you type in a direct message" in text
    assert "stays in the chat until you delete it" in text
