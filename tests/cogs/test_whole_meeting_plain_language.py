"""A whole CoP fortnight through the real bot, every text it shows measured as its reader sees it.

Issue 25's "plain language, measured": set-up, a task and its reminders, a meeting (icebreaker, a
speaking round, questions by the form and by DM, ``/explain``, breakouts with a timer, *Make a task*,
``/meeting end`` and its recap), the check-in and its results, ``/help`` and ``/mydata``, tried as a lay
member (Lee), a clinician (Cleo) and a facilitator (Fran). ``tests/textlog.py`` records every text and
who can see it; the budgets below hold for what members see. The worst texts are printed and written
beside the test (``plain-language.md`` in its tmp folder) so a developer sees what to fix.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from conftest import Community

from cogs._shared import FACILITATOR_ONLY
from tests.notices import Clocks
from tests.textlog import ButtonProbe, Summary, TextRecorder, full_report, option_names, summarise, worst_table

#: The budgets (issue 25): median and 90th-percentile Flesch–Kincaid grade of member-facing texts,
#: and the most words one member-facing text may have. The recap and the reference texts a member asks
#: for (/help, and /glossary's list of every word) may be longer.
MEDIAN_GRADE = 5.0
P90_GRADE = 7.0
MAX_WORDS = 80
LONG_STEPS = {"/help", "/glossary"}


def may_be_long(shown) -> bool:
    """The recap (its thread, and the DM to those who missed the meeting), /help and the glossary."""
    return shown.step in LONG_STEPS or (shown.step == "meeting end" and (shown.kind == "dm" or "thread" in shown.where))


#: The bot's own work in one action (opening rooms, a round) may take a few seconds of real time on a
#: busy machine; every timer this test sets is minutes away, so 20 s of settling waits for none of them.
pytestmark = [pytest.mark.timeout(60), pytest.mark.simcord(settle_timeout=20)]


def is_refusal(text: str) -> bool:
    """copbot's answer to a member pressing a facilitator's button."""
    lowered = text.lower()
    return text.strip() == FACILITATOR_ONLY or "people running the meeting" in lowered or "only facilitators" in lowered


def dms(member) -> list:
    return list(member.user.dm_channel.history()) if member.user.dm_channel else []


def with_button(messages, label: str):
    found = [m for m in messages if any(getattr(c, "label", None) == label for r in m.components for c in r.children)]
    assert found, f"no message with a {label!r} button in {[(m.content, labels_of(m)) for m in messages]}"
    return found[-1]


async def press(actor, message, label: str):
    """Click the button whose label starts with ``label`` ("Me too" is "Me too (2)" on some versions)."""
    for row in message.components:
        for child in row.get("components", []) if isinstance(row, dict) else row.children:
            found = child.get("label") if isinstance(child, dict) else getattr(child, "label", None)
            if (found or "").startswith(label):
                custom_id = child.get("custom_id") if isinstance(child, dict) else child.custom_id
                return await actor.click(message, custom_id=custom_id)
    raise AssertionError(f"no {label!r} button on {message.content!r}: {labels_of(message)}")


def fresh(channel, message):
    """The message as it is now (after edits)."""
    return next(m for m in channel.history() if m.id == message.id)


def question_controls(community: Community, words: str):
    """The facilitators' copy of the question containing ``words`` (with its controls)."""
    for message in reversed(community.facilitators.history()):
        text = message.content + " ".join(str(e.description) + str(e.title) for e in message.embeds)
        if words in text and any((x or "").startswith("Answering now") for x in labels_of(message)):
            return message
    raise AssertionError(f"no question with {words!r} and facilitator controls")


def labels_of(message) -> list[str]:
    """Button labels of a channel message (discord.py rows) or an interaction result (payload dicts)."""
    out = []
    for row in message.components:
        children = row.get("components", []) if isinstance(row, dict) else row.children
        out += [c.get("label") if isinstance(c, dict) else getattr(c, "label", None) for c in children]
    return out


async def fortnight(env, community: Community, recorder: TextRecorder) -> tuple[dict, ButtonProbe]:
    """Runs the fortnight; returns figures the budgets do not cover (posts, commands) and the probe."""
    figures: dict = {}
    fran = community.facilitator
    with time_machine.travel(env.now(), tick=False) as traveller:
        clocks = Clocks(env, traveller)
        with recorder.during("set-up"):
            await community.configure()
            await fran.slash(community.meeting, "profile", role="facilitator")
        with recorder.during("meeting schedule"):
            await fran.slash(community.meeting, "meeting schedule", when="2026-01-08 18:00", title="January meeting")
        with recorder.during("welcome"):
            # Members join the configured server: each gets the welcome. Lee walks it and picks a role
            # there; the others choose theirs with /profile.
            people = {
                name: community.add_member(f"{name}_{ROLES[name]}", global_name=name.title())
                for name in ("lee", "cleo", "gina", "rob", "cam", "abe")
            }
            probe = ButtonProbe(community.add_member("pat_probe", global_name="Pat"), recorder, is_refusal)
            await env.settle()
            lee, cleo = people["lee"], people["cleo"]
            await walk_the_welcome(lee)
            for name, member in people.items():
                if member is not lee:
                    await member.slash(community.meeting, "profile", role=ROLES[name])
        with recorder.during("task add"):
            await fran.slash(
                community.meeting, "task add", description="Read the new leaflet", assignee=lee, due="2026-01-06"
            )
        with recorder.during("member commands"):
            for name in ("task list", "next-meeting", "calendar", "aims"):
                await lee.slash(community.meeting, name)
            await lee.slash(community.meeting, "glossary", term="CoP")
        with recorder.during("/glossary"):
            await lee.slash(community.meeting, "glossary")
        with recorder.during("reminders"):
            await clocks.run_until(datetime(2026, 1, 6, 10, tzinfo=UTC))
            due = [m for m in dms(lee) if "Need more time" in labels_of(m)]
            offer = await lee.user.click(due[-1], label="Need more time")
            await lee.user.click(offer.response, label="One more week")
        with recorder.during("digest"):
            await clocks.run_until(datetime(2026, 1, 8, 17, 50, tzinfo=UTC))

        # The meeting: Fran opens it two minutes early with six people in the voice channel.
        for member in (fran, lee, cleo, people["gina"], people["rob"], people["cam"]):
            await member.join_voice(community.voice)
        meeting_steps = []

        def during(step: str):
            meeting_steps.append(step)
            return recorder.during(step)

        with during("meeting start"):
            await clocks.run_until(datetime(2026, 1, 8, 17, 58, tzinfo=UTC))
            await fran.slash(community.meeting, "meeting start")
        await probe.sweep([community.meeting, community.questions])
        with during("icebreaker"):
            await fran.slash(community.meeting, "icebreaker ask")
            await fran.click(panel(community, "Icebreaker round"), label="Icebreaker round")
        await probe.sweep([community.meeting])
        with during("icebreaker"):
            await finish_round(community, people)
        with during("ask"):
            start = next(m for m in community.meeting.history() if "Ask without your name" in labels_of(m))
            shown = await lee.click(start, label="Ask without your name")
            await lee.submit_modal(shown, {"question": "What does shared decision making mean for me?"})
            shown = await people["gina"].slash(community.meeting, "ask")
            await people["gina"].submit_modal(shown, {"question": "Can we hear from a carer next time?"})
            post = next(m for m in community.questions.history() if "shared decision" in str(m.embeds[0].description))
            await press(cleo, post, "Me too")
            await press(cleo, fresh(community.questions, post), "Me too")  # and takes it back
            await press(cleo, fresh(community.questions, post), "Me too")
        await probe.sweep([community.questions])
        with during("answer"):
            await press(fran, question_controls(community, "shared decision"), "Answering now")
            form = await press(fran, question_controls(community, "shared decision"), "Write an answer")
            await fran.submit_modal(form, {"answer": "You and your clinician choose together, using the evidence."})
        with during("explain"):
            await cleo.slash(community.meeting, "explain", term="PROMs")
        with during("DM"):
            await lee.user.send_dm("I want to ask something")
            reply = with_button(dms(lee), DM_ASK)
            form = await lee.user.click(reply, label=DM_ASK)
            await lee.user.submit_modal(form, {"question": "Will the slides be shared after the meeting?"})
        with during("breakouts"):
            await breakouts(community, people, clocks)
        with during("make a task"):
            said = await cleo.send(community.meeting, "I will bring the leaflet to the next clinic meeting")
            form = await fran.context_menu(community.meeting, "Make a task", said)
            task = {"description": "Bring the leaflet to the clinic meeting", "due": "in 7 days", "assignee": [cleo]}
            await fran.submit_modal(form, task)
        with during("meeting end"):
            await fran.slash(community.meeting, "meeting end")
        await probe.sweep([community.meeting])
        posts = recorder.posts(community.meeting.id, meeting_steps)
        figures["posts in the meeting channel during the meeting"] = len(posts)
        figures["posts in the questions channel during the meeting"] = len(
            recorder.posts(community.questions.id, meeting_steps)
        )
        figures["meeting channel posts"] = [f"{p.step}: {p.body.splitlines()[0][:70]}" for p in posts]

        with recorder.during("check-in"):
            await fran.click(panel(community, "Send the check-in"), label="Send the check-in")
            for member, scores in ((lee, ("3", "4", "5")), (cleo, ("5", "5", "4"))):
                invitation = with_button(dms(member), CHECK_IN_ANSWER)
                form = await member.user.click(invitation, label=CHECK_IN_ANSWER)
                values = {"felt_able": [scores[0]], "understood": [scores[1]], "good_use": [scores[2]]}
                await member.user.submit_modal(form, {**values, "comment": "Good to hear everyone."})
            await fran.slash(community.facilitators, "pulse close")
            await fran.slash(community.facilitators, "pulse results")
        with recorder.during("/help"):
            await lee.slash(community.meeting, "help")
            await fran.slash(community.facilitators, "help", topic="facilitators")
        with recorder.during("/mydata"):
            await lee.slash(community.meeting, "mydata")
    visible = lee.available_commands(community.meeting)
    figures["member-visible commands"] = len(visible)
    figures["member-visible commands that refuse them"] = sorted(c for c in visible if c in facilitator_commands(env))
    return figures, probe


async def walk_the_welcome(member) -> None:
    """Every step of the welcome by its buttons: a role, the practice question, a word, then Done."""
    message = with_button(dms(member), "Next")
    for _ in range(8):
        here = labels_of(message)
        if "Patient or public" in here:
            message = (await member.user.click(message, label="Patient or public")).response
        if "Practice" in here:
            form = await member.user.click(message, label="Practice")
            await member.user.submit_modal(form, {"question": "What does CoP stand for?"})
        if "CoP" in here:
            await member.user.click(message, label="CoP")
        if "Next" not in labels_of(message):
            await member.user.click(message, label="Done")
            return
        message = (await member.user.click(message, label="Next")).response
    raise AssertionError("the welcome did not end")


def panel(community: Community, label: str):
    """The facilitator panel (in the facilitators' channel) while it carries ``label``."""
    return next(m for m in reversed(community.facilitators.history()) if label in labels_of(m))


async def finish_round(community: Community, people: dict) -> None:
    """Each speaker in turn on the round's one message: Lee passes, the others press Next."""
    by_id = {m.id: m for m in (community.facilitator, *people.values())}
    for _ in range(20):
        live = [m for m in community.meeting.history() if "Next" in labels_of(m)]
        if not live:
            return
        turn = live[-1]
        speaker = by_id[int(re.findall(r"<@(\d+)>, your turn", turn.content)[-1])]
        await speaker.click(turn, label="Pass" if speaker is people["lee"] else "Next")
    raise AssertionError("the round did not end")


async def breakouts(community: Community, people: dict, clocks: Clocks) -> None:
    """Plan groups of three, open the rooms with a 5-minute timer, Lee asks for help; the warning, then
    everyone back on time."""
    fran = community.facilitator
    plan = await fran.slash(community.meeting, "breakout plan", size=3)
    form = await fran.click(plan.response, label="Open rooms")
    await fran.submit_modal(form, {"minutes": ["5"]})
    lee = people["lee"]
    room_id = community.guild.voice_states()[lee.id].channel_id
    room = next(c for c in community.guild.channels.values() if c.id == room_id)
    note = next(m for m in room.history() if "Ask for help" in labels_of(m))
    await lee.click(note, label="Ask for help")
    await clocks.step(4 * 60)
    await clocks.step(60 + 5)


def facilitator_commands(env) -> set[str]:
    from tests.cogs.test_command_reference import is_for_facilitators

    found = set()
    for command in env.bot.tree.walk_commands():
        if hasattr(command, "parameters") and is_for_facilitators(command):
            found.add(command.qualified_name)
    return found


ROLES = {"lee": "lay", "cleo": "clinician", "gina": "gp", "rob": "researcher", "cam": "commissioner", "abe": "lay"}


DM_ASK = "Ask anonymously"
CHECK_IN_ANSWER = "Answer anonymously"


def report(summary: Summary, figures: dict, probe: ButtonProbe, path: Path, facilitators: Summary) -> str:
    lines = [
        f"member-facing texts: {summary.texts} ({summary.graded} long enough to grade)",
        f"median grade {summary.median_grade}, 90th percentile {summary.p90_grade}, most words {summary.max_words}",
        f"option syntax in {summary.option_syntax}, '#N' in {summary.numbers}, raw links {summary.raw_links}, "
        f"images without a description {summary.images_without_description}, 'anonymous' in {summary.anonymously}",
        f"facilitator-only buttons on member posts: {sorted(probe.refused.values())}",
        *(f"{k}: {v}" for k, v in figures.items()),
        f"(not budgeted) facilitators' own texts: {facilitators.texts}, median grade {facilitators.median_grade}, "
        f"90th percentile {facilitators.p90_grade}",
        "",
        worst_table(summary.rows, limit=15),
    ]
    text = "\n".join(lines)
    path.write_text(text + "\n\n" + full_report(summary.rows), encoding="utf-8")
    return text


async def test_a_whole_fortnight_reads_plainly_to_members(simcord_env, community: Community, discord_layer, tmp_path):
    recorder = TextRecorder(simcord_env, facilitator_role=community.facilitator_role.id).attach(discord_layer)
    figures, probe = await fortnight(simcord_env, community, recorder)

    assert recorder.errors == []
    options = option_names(simcord_env.bot.tree)
    summary = summarise(recorder.texts("member"), options)
    staff = summarise(recorder.texts("facilitators"), options)
    text = report(summary, figures, probe, tmp_path / "plain-language.md", staff)
    print(text)
    print("REST calls:", len(discord_layer.calls))
    print(json.dumps({"figures": figures, "median": summary.median_grade, "p90": summary.p90_grade}, default=str))

    problems = []
    if summary.median_grade > MEDIAN_GRADE:
        problems.append(f"median grade {summary.median_grade} > {MEDIAN_GRADE}")
    if summary.p90_grade > P90_GRADE:
        problems.append(f"90th percentile grade {summary.p90_grade} > {P90_GRADE}")
    long = [(s.step, s.where, m.words) for s, m in summary.rows if m.words > MAX_WORDS and not may_be_long(s)]
    if long:
        problems.append(f"over {MAX_WORDS} words: {long}")
    syntax = [(s.step, m.option_syntax) for s, m in summary.rows if m.option_syntax]
    if syntax:
        problems.append(f"slash-option syntax: {syntax}")
    if probe.refused:
        problems.append(f"facilitator-only buttons on member posts: {probe.refused}")
    if figures["member-visible commands that refuse them"]:
        problems.append(f"members see commands that refuse them: {figures['member-visible commands that refuse them']}")
    assert not problems, "\n".join(problems) + "\n\n" + text
