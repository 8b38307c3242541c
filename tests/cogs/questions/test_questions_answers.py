"""End to end: "Write an answer" and "Answering now" on the facilitators' copy of a question (issues #17, 25).

The buttons are on the copy in the facilitator channel; the answer and the "being answered now" mark
show on the public post (and on the copy), kept in step.
"""

from __future__ import annotations

import csv
import io

import discord
import pytest
from simcord.results import to_discord_message

from bot.questions.text import ZWSP
from cogs._shared import BUTTON_FOR_FACILITATORS

pytestmark = pytest.mark.timeout(120)

ANSWER = "Patient reported outcome measure, a short survey about how you feel"


async def ask(member, community, text: str):
    shown = await member.slash(community.meeting, "ask")
    return await member.submit_modal(shown, {"question": text})


def _find(channel, number: int):
    return next(
        m
        for m in channel.history()
        if m.embeds and m.embeds[0].title in (f"Question {number}", f"Question {number} (answered)")
    )


def post(community, number: int):
    """The public post members see."""
    return _find(community.questions, number)


def copy(community, number: int):
    """The facilitators' copy, with their buttons."""
    return _find(community.facilitators, number)


def fields(message) -> dict[str, str]:
    return {f.name: f.value for f in message.embeds[0].fields}


def marked(message) -> bool:
    return "Being answered now." in fields(message) or "Being answered now" in (message.embeds[0].footer.text or "")


async def write_answer(who, community, number: int, text: str):
    shown = await who.click(copy(community, number), custom_id=f"copbot:questions:write:n{number}")
    assert shown.modal is not None, shown
    return shown, await who.submit_modal(shown, {"answer": text})


async def export_rows(community) -> list[list[str]]:
    exported = await community.facilitator.slash(community.meeting, "questions export")
    [attachment] = exported.response.attachments
    return list(csv.reader(io.StringIO((await attachment.read()).decode("utf-8-sig"))))


async def test_a_written_answer_is_shown_exported_replaced_and_in_the_recap(simcord_env, community):
    await community.configure()
    started = await community.facilitator.slash(community.meeting, "meeting start")
    assert "has started" in started.response.content
    await ask(community.add_member("sam"), community, "What is a PROM?")
    shown, saved = await write_answer(community.facilitator, community, 1, "First try")
    assert shown.modal["custom_id"] == "copbot:questions:answerform:n1"
    assert saved.acknowledged and saved.response.ephemeral and "Question 1" in saved.response.content
    assert fields(post(community, 1)) == {"Answer": "First try"}
    assert fields(copy(community, 1))["Answer"] == "First try"

    # Writing again replaces the answer; the form shows the one written so far.
    shown, _ = await write_answer(community.facilitator, community, 1, ANSWER)
    assert "First try" in str(shown.modal)
    assert fields(post(community, 1))["Answer"].startswith("Patient reported outcome measure")
    assert "First try" not in str(fields(post(community, 1)))

    # Markdown and mentions in an answer are shown as typed, never as formatting or pings.
    await ask(community.add_member("kim"), community, "And a PREM?")
    await write_answer(community.facilitator, community, 2, "**Patient** experience @everyone")
    assert fields(post(community, 2))["Answer"] == f"\\*\\*Patient\\*\\* experience @{ZWSP}everyone"

    rows = await export_rows(community)
    assert rows[0][-1] == "answer"
    assert rows[1][0] == "1" and rows[1][-1] == ANSWER
    assert rows[2][-1] == "**Patient** experience @everyone"

    # A vote redraws the post and keeps the answer.
    await community.add_member("ann").click(post(community, 1), custom_id="copbot:questions:vote:n1")
    assert post(community, 1).components[0].children[0].label == "Me too (1)"
    assert fields(post(community, 1))["Answer"].startswith("Patient reported")

    ended = await community.facilitator.slash(community.meeting, "meeting end")
    assert "has ended" in ended.response.content
    head = next(m for m in community.meeting.history() if m.content.startswith("Recap of **"))
    shown = [to_discord_message(simcord_env, m) for ms in simcord_env.backend.messages.values() for m in ms.values()]
    recap = "\n".join(
        "\n".join([m.content or "", *(e.description or "" for e in m.embeds)]) for m in shown if m.channel.id == head.id
    )  # the thread's id is its first message's
    assert "Answer:" in recap and "Patient reported outcome measure" in recap, recap
    # Answered in writing, not yet marked *Answered*: carried forward, but not called "still open".
    assert "• What is a PROM? (answered below, and kept for next time, 1 “me too”)" in recap, recap


async def test_a_long_answer_full_of_markdown_fits_the_embed(simcord_env, community):
    await community.configure()
    await ask(community.add_member("sam"), community, "Why?")
    _, saved = await write_answer(community.facilitator, community, 1, "*" * 1000)
    assert "Question 1" in saved.response.content
    shown = post(community, 1).embeds[0]
    assert all(len(f.value) <= 1024 for f in shown.fields) and len(shown) <= 6000
    assert "".join(f.value for f in shown.fields if f.name.startswith("Answer")) == "\\*" * 1000
    _, refused = await write_answer(community.facilitator, community, 1, " \u200b ")
    assert "can't be empty" in refused.response.content


async def test_members_see_only_me_too_and_an_old_post_refuses_them_plainly(simcord_env, community):
    """New posts carry Me too only. A post made before issue 25 still carries every button: a member
    who presses one is told one plain sentence, and nothing changes."""
    await community.configure()
    await ask(community.add_member("sam"), community, "Why?")
    assert [c.label for row in post(community, 1).components for c in row.children] == ["Me too (0)"]
    view = discord.ui.View()
    for action, label in (("write", "Write an answer"), ("now", "Answering now")):
        view.add_item(discord.ui.Button(label=label, custom_id=f"copbot:questions:{action}:n1"))
    channel = simcord_env.bot.get_channel(community.questions.id)
    await channel.send("An old post", view=view)
    eve = community.add_member("eve")
    for action in ("write", "now"):
        refused = await eve.click(community.questions.last_message, custom_id=f"copbot:questions:{action}:n1")
        assert refused.modal is None
        assert refused.response.ephemeral and refused.response.content == BUTTON_FOR_FACILITATORS
    assert fields(post(community, 1)) == {} and not marked(post(community, 1))
    assert (await export_rows(community))[1][-1] == ""


async def test_write_an_answer_works_after_a_restart(simcord_env, community, restart):
    await community.configure()
    await ask(community.add_member("sam"), community, "What is a PROM?")
    opened = await community.facilitator.click(copy(community, 1), custom_id="copbot:questions:write:n1")
    await restart()
    saved = await community.facilitator.submit_modal(opened, {"answer": "Typed while copbot restarted"})
    assert saved.acknowledged and "Question 1" in saved.response.content
    assert fields(post(community, 1)) == {"Answer": "Typed while copbot restarted"}
    # The button on the copy still opens the form after the restart.
    _, again = await write_answer(community.facilitator, community, 1, ANSWER)
    assert "Question 1" in again.response.content
    assert fields(post(community, 1))["Answer"].startswith("Patient reported")


async def test_answering_now_moves_between_questions_and_only_one_post_shows_it(simcord_env, community):
    await community.configure()
    await community.facilitator.slash(community.meeting, "meeting start")
    await ask(community.add_member("sam"), community, "First question")
    await ask(community.add_member("kim"), community, "Second question")
    pressed = await community.facilitator.click(copy(community, 1), custom_id="copbot:questions:now:n1")
    assert pressed.acknowledged
    assert marked(post(community, 1)) and not marked(post(community, 2))
    assert marked(copy(community, 1))  # the copy shows it too
    await community.facilitator.click(copy(community, 2), custom_id="copbot:questions:now:n2")
    assert marked(post(community, 2)) and not marked(post(community, 1)) and not marked(copy(community, 1))
    # Pressed again on the marked one, the mark goes.
    await community.facilitator.click(copy(community, 2), custom_id="copbot:questions:now:n2")
    assert not marked(post(community, 1)) and not marked(post(community, 2))
    # Answering the marked question takes the mark away; so does /meeting end.
    await community.facilitator.click(copy(community, 1), custom_id="copbot:questions:now:n1")
    await community.facilitator.click(copy(community, 1), custom_id="copbot:questions:answered:n1")
    assert not marked(post(community, 1))
    await community.facilitator.click(copy(community, 2), custom_id="copbot:questions:now:n2")
    assert marked(post(community, 2))
    await community.facilitator.slash(community.meeting, "meeting end")
    assert not marked(post(community, 2)) and not marked(copy(community, 2))
    labels = [c.label for row in copy(community, 1).components for c in row.children]
    assert labels == ["Write an answer", "Remove"]  # answered: no "Answering now"
