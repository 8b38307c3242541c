"""End to end: the anonymous check-in after a meeting (/pulse), driven through the real bot."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
import time_machine
from conftest import Community

from bot.privacy import promise
from bot.storage.pulses import PulseRepository
from tests.pgcluster import snapshot_elsewhere
from tests.shown import replies

ANSWER = "Answer anonymously"


def invitation(member):
    """The check-in DM in ``member``'s chat (the one with the button)."""
    found = [
        m
        for m in member.user.dm_channel.history()
        if any(getattr(c, "label", None) == ANSWER for row in m.components for c in row.children)
    ]
    assert found, f"{member.user.name} got no check-in message"
    return found[-1]


async def answer(member, scores=("4", "4", "4"), *, comment: str | None = None, share: str | None = None, message=None):
    """Press "Answer anonymously" and submit the form; returns the submit's result (or the refusal)."""
    actor = member if message is not None else member.user  # a DM is clicked as the user, a post as the member
    shown = await actor.click(message or invitation(member), label=ANSWER)
    if shown.modal is None:
        return shown
    values: dict = {"felt_able": [scores[0]], "understood": [scores[1]], "good_use": [scores[2]]}
    if comment is not None:
        values["comment"] = comment
    if share is not None:
        values["share_role"] = [share]
    return await actor.submit_modal(shown, values)


async def crowd(community: Community, roles: list[str | None], *, prefix: str = "m") -> list:
    """Members with the given roles (``None``: no role), all in the main voice channel."""
    people = []
    for index, role in enumerate(roles):
        member = community.add_member(f"{prefix}{index}_{role or 'none'}")
        if role:
            await member.slash(community.meeting, "profile", role=role)
        await member.join_voice(community.voice)
        people.append(member)
    return people


def last_reply(result):
    return replies(result)[-1]


def results_text(result) -> str:
    return "\n".join(m.content for m in replies(result))


async def test_six_answers_show_totals_no_role_line_and_comments_out_of_order(simcord_env, community: Community):
    await community.configure()
    people = await crowd(community, ["lay", "lay", "lay", "clinician", "clinician", "gp"])
    started = await community.facilitator.slash(community.meeting, "pulse start")
    text = last_reply(started).content
    assert "to 6 people who were there" in text, text
    # One DM each, with the button; the DM says nothing about answers.
    for member in people:
        assert promise.ANSWER_KEPT in invitation(member).content
    comments = [f"Comment number {i} from the meeting" for i in range(5)] + ["Comment number 5 @here <@&1>"]
    shares = ["yes", "yes", "yes", "yes", "yes", "no"]
    scores = [("5", "4", "3"), ("4", "4", "4"), ("3", "5", "5"), ("2", "3", "4"), ("4", "2", "5"), ("5", "5", "5")]
    for member, comment, share, score in zip(people, comments, shares, scores, strict=True):
        done = await answer(member, score, comment=comment, share=share)
        assert done.response.ephemeral and "Thank you" in done.response.content
    # Everyone asked has answered, so it closed by itself and the facilitators were told.
    assert "has closed: 6 of 6 people answered" in community.facilitators.last_message.content

    orders = []
    for _ in range(3):
        result = await community.facilitator.slash(community.meeting, "pulse results")
        shown = results_text(result)
        assert "6 of 6 people answered" in shown
        assert "• Everyone (6): average **3.8**" in shown, shown  # felt_able: (5+4+3+2+4+5)/6
        assert "Patient" not in shown and "Clinician" not in shown and "Other roles" not in shown
        assert "merged into “other roles”" in shown
        assert last_reply(result).attachments, "the trend chart should be attached"
        assert "@\u200bhere" in shown and "<@&1>" not in shown  # shown, never a ping
        orders.append([c for c in re.findall(r"Comment number (\d)", shown)])
    assert all(sorted(o) == list("012345") for o in orders)
    assert any(o != list("012345") for o in orders), "comments must not come in the order of answering"


async def test_twelve_answers_with_five_lay_show_the_lay_line_and_other_roles(simcord_env, community: Community):
    await community.configure()
    roles = ["lay"] * 5 + ["clinician"] * 3 + ["gp"] * 2 + ["researcher", None]
    people = await crowd(community, roles)
    started = await community.facilitator.slash(community.meeting, "pulse start")
    assert "sending the check-in to 12 people now" in replies(started)[0].content
    assert "to 12 people who were there" in last_reply(started).content
    assert "pulse results" not in people[0].available_commands(community.meeting)  # facilitators' command
    lay = [("5", "4", "4"), ("5", "3", "5"), ("5", "4", "4"), ("4", "4", "5"), ("4", "3", "4")]
    for index, member in enumerate(people):
        await answer(
            member, lay[index] if index < 5 else ("3", "3", "3") if index < 9 else ("2", "2", "2"), share="yes"
        )
    result = await community.facilitator.slash(community.meeting, "pulse results")
    shown = results_text(result)
    assert "12 of 12 people answered" in shown
    assert "• Patient, carer or member of the public (5): average **4.6**" in shown, shown
    assert "• Other roles, or role not shared (7): average **2.6**" in shown, shown
    assert "Clinician (" not in shown and "GP (" not in shown


async def test_a_second_answer_is_refused_and_a_non_attendee_is_refused(simcord_env, community: Community):
    await community.configure()
    people = await crowd(community, ["lay"] * 4)
    closed_dms = community.add_member("dora_closed")
    await closed_dms.join_voice(community.voice)
    simcord_env.inject_error(
        "POST",
        f"/channels/{closed_dms.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    outsider = community.add_member("olly_outsider")
    started = await community.facilitator.slash(community.meeting, "pulse start")
    assert "1 could not get a direct message" in last_reply(started).content
    post = community.meeting.last_message
    assert "couldn't send it by direct message to 1 person" in post.content
    first = await answer(people[0], ("4", "4", "4"))
    assert "Thank you" in first.response.content
    again = await answer(people[0], ("1", "1", "1"))
    assert again.response.ephemeral and "already answered" in again.response.content
    refused = await answer(outsider, ("1", "1", "1"), message=post)
    assert refused.response.ephemeral and "only for the people who were at that meeting" in refused.response.content
    via_post = await answer(closed_dms, ("3", "3", "3"), message=post)
    assert "Thank you" in via_post.response.content
    pulse = await PulseRepository(simcord_env.bot.db).latest(community.guild.id)
    assert pulse is not None and pulse.invited == 5
    assert await simcord_env.bot.pulses.answered(pulse) == 2


async def test_results_wait_for_the_close_and_few_answers_show_only_the_count(simcord_env, community: Community):
    await community.configure()
    people = await crowd(community, ["lay"] * 8)
    await community.facilitator.slash(community.meeting, "pulse start")
    for member in people[:3]:
        await answer(member, ("2", "2", "2"), comment="Too short", share="yes")
    waiting = await community.facilitator.slash(community.meeting, "pulse results")
    text = results_text(waiting)
    assert "still open" in text and "So far 3 of 8 people have answered" in text
    assert "average **" not in text
    closed = await community.facilitator.slash(community.meeting, "pulse close")
    assert "has closed: 3 of 8" in last_reply(closed).content
    result = await community.facilitator.slash(community.meeting, "pulse results")
    text = results_text(result)
    assert "3 of 8 people answered" in text and "only the number is shown" in text
    assert "average **" not in text and "Too short" not in text
    late = await answer(people[5])
    assert "has closed" in late.response.content


async def test_meeting_end_offers_the_check_in_to_the_attendees(simcord_env, community: Community):
    await community.configure()
    people = await crowd(community, ["lay", "gp", "clinician"])
    absent = community.add_member("abe_absent")
    await community.facilitator.slash(community.meeting, "meeting start")
    early = await community.facilitator.slash(community.meeting, "pulse start")
    assert "still going on" in last_reply(early).content
    ended = await community.facilitator.slash(community.meeting, "meeting end")
    assert "has ended" in ended.response.content and not ended.response.components  # no button: nothing to press
    # The offer waits on the closed panel, in the facilitator channel members cannot see.
    message = next(m for m in community.facilitators.history() if m.content.startswith("**Facilitator panel"))
    assert "has ended" in message.content and "Send the check-in" in message.content
    sent = await community.facilitator.click(message, label="Send the check-in")
    assert "to 3 people who were there" in last_reply(sent).content
    for member in people:
        invitation(member)
    assert not any(  # no check-in (the welcome has buttons of its own)
        c.label == ANSWER for m in absent.user.dm_channel.history() for row in m.components for c in row.children
    )
    twice = await community.facilitator.slash(community.meeting, "pulse start", meeting=1)
    assert "already sent" in last_reply(twice).content


async def test_the_check_in_closes_after_48_hours_even_after_a_restart(simcord_env, community: Community, restart):
    await community.configure()
    people = await crowd(community, ["lay"] * 6)
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        await community.facilitator.slash(community.meeting, "pulse start")
        for member in people[:5]:
            await answer(member)
        await restart()
        clock.shift(timedelta(hours=47))
        await simcord_env.advance_time(47 * 3600)
        assert "closed" not in (community.facilitators.last_message.content if community.facilitators.history() else "")
        clock.shift(timedelta(hours=2))
        await simcord_env.advance_time(2 * 3600)
    assert "has closed: 5 of 6 people answered" in community.facilitators.last_message.content
    late = await answer(people[5])
    assert "has closed" in late.response.content


@pytest.mark.simcord(settle_timeout=3)  # under the 3.5 s the waits would take on the wall clock
async def test_the_check_in_closes_while_another_postgresql_transaction_holds_its_deleted_rows(
    simcord_env, community: Community, caplog, restart
):
    """Closing a check-in rewrites its invitee table; a transaction open elsewhere on the server keeps
    the deleted rows, so the rewrite waits and tries again. Meanwhile the daily clean-up (due at the
    restart) needs the write lock: the rewrite must not hold it across its waits. The close finishes
    in the same step, says so in the log, and the members' answers are counted."""
    url = os.environ["COPBOT_DB"]
    if not url.startswith("postgresql"):
        pytest.skip("SQLite has one connection: nothing else can hold a deleted row")
    await community.configure()
    people = await crowd(community, ["lay"] * 6)
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        await community.facilitator.slash(community.meeting, "pulse start")
        for member in people[:5]:  # one full batch, written before the restart
            await answer(member)
        await restart()
        other, reading = await snapshot_elsewhere(url)
        try:
            clock.shift(timedelta(hours=49))
            await simcord_env.advance_time(49 * 3600)
        finally:
            await reading.rollback()
            await other.close()
    assert "has closed: 5 of 6 people answered" in community.facilitators.last_message.content
    assert "pulse_invitees still holds" in caplog.text


async def test_the_last_answer_is_thanked_at_once_while_another_postgresql_transaction_holds_rows(
    simcord_env, community: Community
):
    """The last answer closes the check-in, whose rewrite must then try again: the member is thanked
    within Discord's 3 seconds all the same (the tries go on in the background), and it closes."""
    url = os.environ["COPBOT_DB"]
    if not url.startswith("postgresql"):
        pytest.skip("SQLite has one connection: nothing else can hold a deleted row")
    await community.configure()
    people = await crowd(community, ["lay"] * 5)
    await community.facilitator.slash(community.meeting, "pulse start")
    for member in people[:4]:
        await answer(member)
    other, reading = await snapshot_elsewhere(url)
    try:
        last = await answer(people[4])
    finally:
        await reading.rollback()
        await other.close()
    assert last.response.ephemeral and "Thank you" in last.response.content
    assert "has closed: 5 of 5 people answered" in community.facilitators.last_message.content


async def test_a_form_opened_before_a_restart_is_taken_after_it(simcord_env, community: Community, restart):
    await community.configure()
    people = await crowd(community, ["lay"] * 3)
    await community.facilitator.slash(community.meeting, "pulse start")
    shown = await people[0].user.click(invitation(people[0]), label=ANSWER)
    assert shown.modal is not None
    await restart()
    done = await people[0].user.submit_modal(
        shown, {"felt_able": ["5"], "understood": ["4"], "good_use": ["3"], "comment": "Lovely @everyone"}
    )
    assert done.response.ephemeral and "Thank you" in done.response.content
    refused = await people[1].user.submit_modal(
        await people[1].user.click(invitation(people[1]), label=ANSWER),
        {"felt_able": ["5"], "understood": ["4"], "good_use": ["3"], "comment": "email me at pat@example.org"},
    )
    assert "email" in refused.response.content and "Thank you" not in refused.response.content
    assert (
        await simcord_env.bot.pulses.answered(await PulseRepository(simcord_env.bot.db).latest(community.guild.id)) == 1
    )


async def test_the_trend_chart_has_a_description_and_its_numbers_as_text_in_the_same_reply(
    simcord_env, community: Community
):
    await community.configure()
    people = await crowd(community, ["lay"] * 5)
    # Answers differ within the group each time (a statement everyone scored alike is held back).
    first = [("5", "4", "3"), ("3", "2", "1"), ("4", "3", "2"), ("5", "4", "3"), ("3", "2", "1")]
    second = [("3", "3", "3"), ("2", "2", "2"), ("4", "4", "4"), ("3", "3", "3"), ("3", "3", "3")]
    for round_, answers in enumerate([first, second]):
        if round_:
            await community.facilitator.slash(community.meeting, "meeting start")
            await community.facilitator.slash(community.meeting, "meeting end")
        await community.facilitator.slash(community.meeting, "pulse start")
        for member, scores in zip(people, answers, strict=True):
            await answer(member, scores)
    result = await community.facilitator.slash(community.meeting, "pulse results")
    shown = results_text(result)
    # The text equivalent: each check-in's three averages, the numbers the chart draws.
    assert "**Averages at the last 2 check-ins** (the chart shows the same)" in shown, shown
    assert re.search(r"• Check-in #\d+: felt able to speak 4\.0, understood 3\.0, good use of time 2\.0\.", shown)
    assert re.search(r"• Check-in #\d+: felt able to speak 3\.0, understood 3\.0, good use of time 3\.0\.", shown)
    # The image's own description (alternative text) says what it is and gives the same numbers.
    (chart,) = [a for a in last_reply(result).attachments if a.filename == "check-in-trend.png"]
    assert chart.description.startswith("Line chart of the three average scores, from 1 to 5, at the last 2 check-ins.")
    assert "felt able to speak 4.0, understood 3.0, good use of time 2.0" in chart.description
