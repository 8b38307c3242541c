"""End to end: a whole meeting under SimCord, from /meeting start to the recap and its DMs."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import Community
from simcord.results import to_discord_message

from tests.operator_view import stored_bytes

pytestmark = pytest.mark.timeout(90)


def dms(member) -> list:
    return [m for m in member.user.dm_channel.history() if not m.content.startswith("Welcome to")]


def recaps_in(member) -> list:
    return [m for m in dms(member) if "Hello! You missed" in m.content]


def all_messages(env) -> list:
    out = []
    for messages in env.backend.messages.values():
        for stored in messages.values():
            out.append(to_discord_message(env, stored))
    return out


def thread_texts(env, head_id: int) -> str:
    """Every message in the recap thread opened from ``head_id`` (a thread's id is its first message's),
    with each embed as its bold title and its text."""
    return "\n".join(message_text(m) for m in all_messages(env) if m.channel.id == head_id)


def message_text(message) -> str:
    parts = [message.content or ""]
    parts += [f"**{e.title}**\n{e.description or ''}" for e in message.embeds]
    return "\n".join(p for p in parts if p)


async def ask(member, community: Community, text: str):
    shown = await member.slash(community.meeting, "ask")
    return await member.submit_modal(shown, {"question": text})


async def start(community: Community, **options):
    return await community.facilitator.slash(community.meeting, "meeting start", **options)


async def test_a_whole_meeting_ends_with_a_recap_that_holds_each_part(simcord_env, community: Community, db_path: Path):
    await community.configure()
    names = ["pat_lay", "gina_gp", "cleo_clin", "rita_res"]
    roles = ["lay", "gp", "clinician", "researcher"]
    people = [community.add_member(n) for n in names]
    for member, role in zip(people, roles, strict=True):
        await member.slash(community.meeting, "profile", role=role)
    await community.facilitator.slash(community.meeting, "profile", role="facilitator")
    absent = community.add_member("abe_absent")
    await absent.slash(community.meeting, "profile", role="lay")
    quiet = community.add_member("quinn_quiet")
    await quiet.slash(community.meeting, "profile", role="manager", recaps=False)
    asker_user = simcord_env.create_user("zq_quietasker", global_name="Quentin Zephyrine")
    asker = community.guild.add_member(asker_user, nick="Zephy Nightingale")

    await community.facilitator.join_voice(community.voice)
    await people[0].join_voice(community.voice)
    started = await start(community)
    assert "has started" in started.response.content and "(2 now)" in started.response.content
    panel = community.facilitators.last_message
    assert panel.content.startswith("**Facilitator panel:** **Meeting on ")

    # Members join (and one leaves) during the meeting.
    for member in people[1:]:
        await member.join_voice(community.voice)
    await people[3].leave_voice()

    ice = await community.facilitator.slash(community.meeting, "icebreaker ask")
    assert ice.response is not None

    await ask(asker, community, "What does *evidence-based* mean here?")
    await ask(asker, community, "Could we hear more from carers next time?")
    # The facilitators' copy of the second question (the newest message in their channel).
    answered = await community.facilitator.click(
        community.facilitators.last_message, custom_id="copbot:questions:answered:n2"
    )
    assert answered.acknowledged

    # "Make a task" on a member's message: prefilled form, the author does it.
    said = await people[1].send(community.meeting, "I will write to the practice managers about the leaflet")
    form = await community.facilitator.context_menu(community.meeting, "Make a task", said)
    assert form.modal is not None
    shown_text = [c for row in form.modal["components"] for c in row.get("components", [row.get("component", {})])]
    assert any("practice managers" in str(c.get("value", "")) for c in shown_text), form.modal
    made = await community.facilitator.submit_modal(
        form,
        {
            "description": "Write to the practice managers about the leaflet",
            "due": "in 7 days",
            "assignee": [people[1]],
        },
    )
    assert "is set for" in made.response.content and people[1].mention in made.response.content

    plan = await community.facilitator.slash(community.meeting, "breakout plan", size=2)
    form = await community.facilitator.click(plan.response, label="Open rooms")
    await community.facilitator.submit_modal(form, {"minutes": ["0"]})
    closed = await community.facilitator.slash(community.meeting, "breakout close")
    assert closed.response is not None
    # Going to a breakout room and back is still being at the meeting: one stay, not two.
    session = await simcord_env.bot.meeting_sessions.current(community.guild.id)
    stays = await simcord_env.bot.meeting_sessions.sessions.stays(session.id)
    assert [s.left_at for s in stays if s.user_id == people[0].id] == [None]

    ended = await community.facilitator.slash(community.meeting, "meeting end")
    assert "has ended" in ended.response.content and not ended.response.components
    assert ended.response.ephemeral, "a note for the facilitator, not a post in the meeting channel"
    # "Send the check-in" is on the closed panel, where only facilitators see it.
    closed_panel = next(m for m in community.facilitators.history() if m.id == panel.id)
    assert [c.label for row in closed_panel.components for c in row.children] == ["Send the check-in"]
    # The link is words a screen reader can say, not an address with three long numbers.
    assert re.search(r"\[Read the recap\]\(https://discord\.com/channels/\d+/\d+/\d+\)\.", ended.response.content)
    assert not re.search(r"(?<!\()https://", ended.response.content)
    head = next(m for m in community.meeting.history() if m.content.startswith("Recap of **Meeting on "))
    # An unplanned meeting is titled by its date, so only its times follow: the date is given once.
    assert re.fullmatch(
        r"Recap of \*\*Meeting on \d+ \w+ \d{4}\*\* \(<t:\d+:t> to <t:\d+:t>\): 5 people came\. "
        r"The recap is in the thread below\.",
        head.content,
    ), head.content
    recap = thread_texts(simcord_env, head.id)
    # Attendance: the facilitator, Pat, Gina, Cleo and Rita (who left) came: five, one per role.
    assert "**Who came: 5 people**" in recap
    for role_label in ("Facilitator", "GP"):
        assert any(role_label.lower() in line.lower() and line.endswith(": 1") for line in recap.splitlines()), recap
    # Each question by its words and status (no number: nobody types it).
    assert "What does \\*evidence-based\\* mean here? (still open)" in recap
    assert "Could we hear more from carers next time? (answered)" in recap and "Question #" not in recap
    assert "Write to the practice managers about the leaflet" in recap and people[1].mention in recap
    assert "**Breakout groups**" in recap and "Group 1" in recap
    assert "**Carried to the next meeting**\n1 question is kept for next time (above). It will be listed" in recap
    assert "<@" not in recap.split("**Who came")[1].split("**Questions asked")[0], "names only if recap_names"

    # The absent member with a role gets the recap by DM; the one with recaps off does not.
    got = recaps_in(absent)
    assert len(got) == 1 and "“Write to the practice managers about the leaflet”" in got[0].content
    assert "#" not in got[0].content and "evidence" not in got[0].content  # no number, no question's text
    assert "[Read the full recap](https://discord.com/channels/" in got[0].content
    assert not re.search(r"(?<!\()https://", got[0].content) and "recaps: False" not in got[0].content
    assert "<t:" not in got[0].content.splitlines()[0]  # the date once: an unplanned meeting's title is its date
    assert recaps_in(quiet) == []
    assert all(recaps_in(p) == [] for p in people[:3])

    # Nothing ties the anonymous questions to their asker: not the recap, not the database.
    identity = [str(asker_user.id), asker_user.name, "Quentin Zephyrine", "Zephy Nightingale"]
    shown = "\n".join(m.content for m in all_messages(simcord_env))
    stored = await stored_bytes(db_path)  # the SQLite file and -wal, or PostgreSQL's files and log
    for needle in identity:
        assert needle not in shown
        assert needle.encode() not in stored.database
    for name in identity[1:]:  # the log is shared with other tests, whose rows may hold the same id
        assert name.encode() not in stored.shared_log
    assert asker_user.id.to_bytes(8, "big") not in stored.database
    assert asker_user.id.to_bytes(8, "little") not in stored.database

    # The panel is closed, and a second end is refused politely.
    again = await community.facilitator.slash(community.meeting, "meeting end")
    assert again.response.ephemeral and "No meeting is open" in again.response.content


async def test_one_open_meeting_per_server_and_the_panel_survives_a_restart(simcord_env, community: Community, restart):
    await community.configure()
    sam = community.add_member("sam")
    await sam.slash(community.meeting, "profile", role="lay")
    await sam.join_voice(community.voice)
    await start(community)
    second = await start(community)
    assert second.response.ephemeral and "already open" in second.response.content
    assert "meeting start" not in sam.available_commands(community.meeting)  # members do not see /meeting
    panel = community.facilitators.last_message

    await restart()
    # Sam left while copbot was away; Gina joined. Start-up counts what it sees.
    await sam.leave_voice()
    gina = community.add_member("gina")
    await gina.join_voice(community.voice)

    questions = await community.facilitator.click(panel, custom_id="copbot:meeting:questions:1")
    assert questions.acknowledged
    ended = await community.facilitator.click(panel, custom_id="copbot:meeting:end:1")
    said = ended.followups[-1]
    assert said.ephemeral and "has ended" in said.content
    assert "2 people came" in said.content  # Sam (before the restart) and Gina (after)
    ended_panel = next(m for m in community.facilitators.history() if m.id == panel.id)
    assert "has ended" in ended_panel.content
    assert [c.label for row in ended_panel.components for c in row.children] == ["Send the check-in"]
    assert not said.components  # the offer is on the panel, not repeated in the reply


async def test_the_next_digest_lists_the_questions_carried_forward(simcord_env, community: Community):
    import time_machine

    await community.configure()
    asker = community.add_member("asker")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        await community.facilitator.slash(community.meeting, "meeting schedule", when="in 3 days", title="Knee CoP")
        await start(community)
        await ask(asker, community, "How do we measure pain at home?")
        await ask(asker, community, "Who runs the next session?")
        await community.facilitator.click(community.facilitators.last_message, custom_id="copbot:questions:answered:n2")
        await community.facilitator.slash(
            community.meeting, "task add", description="Find a pain diary", assignee=asker, due="in 10 days"
        )
        await community.facilitator.slash(community.meeting, "meeting end")
        t.shift(60)
        await simcord_env.advance_time(60)
        await community.facilitator.slash(
            community.meeting, "task add", description="Set after the meeting", assignee=asker, due="in 10 days"
        )
        for _ in range(3 * 24):
            t.shift(3600)
            await simcord_env.advance_time(3600)
            if any("Coming up: Knee CoP" in m.content for m in community.meeting.history()):
                break
    digest = "\n".join(m.content for m in community.meeting.history() if "Coming up" in m.content)
    assert "Questions still open from last time:\n• How do we measure pain at home?" in digest
    assert "Who runs the next session?" not in digest  # answered, so not carried
    # Each task once, the one agreed at the last meeting marked as such in the same list.
    lines = digest.splitlines()
    assert len([line for line in lines if "Find a pain diary" in line]) == 1
    assert next(line for line in lines if "Find a pain diary" in line).endswith("(agreed at the last meeting)")
    assert "agreed" not in next(line for line in lines if "Set after the meeting" in line)


async def test_start_by_id_runs_that_planned_meeting_and_an_unknown_id_is_refused(simcord_env, community: Community):
    import time_machine

    await community.configure()
    with time_machine.travel(simcord_env.now(), tick=False):
        await community.facilitator.slash(community.meeting, "meeting schedule", when="in 5 days", title="Spring CoP")
        unknown = await start(community, id=7)
        assert unknown.response.ephemeral and "no upcoming meeting #7" in unknown.response.content
        started = await start(community, id=1)
    assert started.response.content.startswith("**Spring CoP** on <t:")
    assert "has started" in started.response.content


async def test_a_meeting_left_open_closes_itself_with_its_recap(simcord_env, community: Community):
    import time_machine

    await community.configure()
    pat = community.add_member("pat")
    await pat.slash(community.meeting, "profile", role="lay")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        await pat.join_voice(community.voice)
        await start(community)
        for _ in range(5):  # an hour at a time, past meetings.max_hours (4)
            t.shift(3600)
            await simcord_env.advance_time(3600)
    heads = [m for m in community.meeting.history() if m.content.startswith("Recap of **Meeting on ")]
    assert len(heads) == 1 and "1 person came" in heads[0].content
    assert simcord_env.bot.meeting_sessions.is_open(community.guild.id) is False
    again = await start(community)
    assert "has started" in again.response.content


async def test_attendance_is_in_mydata_and_forget_me_deletes_it(simcord_env, community: Community):
    import json

    await community.configure()
    sam = community.add_member("sam")
    await sam.join_voice(community.voice)
    await start(community)
    await sam.slash(community.meeting, "profile", recaps=False)
    await community.facilitator.slash(community.meeting, "meeting end")
    mine = await sam.slash(community.meeting, "mydata")
    [attachment] = mine.response.attachments
    tables = json.loads(await attachment.read())["tables"]
    assert tables["meeting_attendance"]["rows"] and tables["recap_opt_outs"]["rows"]
    asked = await sam.slash(community.meeting, "forget-me")
    await sam.click(asked.response, label="Delete everything about me")
    after = await sam.slash(community.meeting, "mydata")
    assert (
        not after.response.attachments
        or not json.loads(await after.response.attachments[0].read())["tables"].get("meeting_attendance", {"rows": []})[
            "rows"
        ]
    )


async def test_the_calendar_file_parses_and_has_the_repeats_and_my_tasks(simcord_env, community: Community):
    import icalendar
    import time_machine

    traveller = time_machine.travel(simcord_env.now(), tick=False)
    traveller.start()
    await community.configure()
    sam = community.add_member("sam")
    await community.facilitator.slash(
        community.meeting, "meeting schedule", when="2026-01-06 19:00", title="Knee CoP, monthly", repeat="weekly"
    )
    await community.facilitator.slash(
        community.meeting, "meeting schedule", when="2026-01-31 18:00", title="Review", repeat="monthly"
    )
    await community.facilitator.slash(
        community.meeting, "task add", description="Read the leaflet", assignee=sam, due="2026-01-20"
    )
    await community.facilitator.slash(
        community.meeting, "task add", description="Not Sam's", assignee=community.facilitator, due="2026-01-21"
    )
    result = await sam.slash(community.meeting, "calendar")
    traveller.stop()
    assert result.response.ephemeral
    [attachment] = result.response.attachments
    assert attachment.filename.endswith(".ics")
    calendar = icalendar.Calendar.from_ical(await attachment.read())
    events = list(calendar.walk("VEVENT"))
    summaries = [str(e["SUMMARY"]) for e in events]
    assert "Knee CoP, monthly" in summaries and "Task due: Read the leaflet" in summaries
    assert not any("Not Sam's" in s for s in summaries)
    weekly = next(e for e in events if str(e["SUMMARY"]) == "Knee CoP, monthly")
    assert weekly["RRULE"]["FREQ"] == ["WEEKLY"]
    start = weekly["DTSTART"].dt
    assert start.tzinfo is not None and "London" in str(start.tzinfo)
    assert (start.hour, start.minute) == (19, 0)
    monthly = next(e for e in events if str(e["SUMMARY"]) == "Review")
    assert monthly["RRULE"]["FREQ"] == ["MONTHLY"] and monthly["RRULE"]["BYSETPOS"] == [-1]
    zones = list(calendar.walk("VTIMEZONE"))
    assert [str(z["TZID"]) for z in zones] == ["Europe/London"]
    # A summer occurrence of the weekly meeting is still at 19:00 London time (the zone says BST).
    summer = [c for c in zones[0].walk() if c.name == "DAYLIGHT"]
    assert summer and summer[0]["TZOFFSETTO"].td == timedelta(hours=1)


async def test_attendance_by_role_as_a_list_and_a_described_chart(simcord_env, community: Community):
    await community.configure()
    pat, gina = community.add_member("pat"), community.add_member("gina")
    await pat.slash(community.meeting, "profile", role="lay")
    await gina.slash(community.meeting, "profile", role="gp")
    nothing = await community.facilitator.slash(community.meeting, "meeting attendance")
    assert nothing.response.ephemeral and "No meeting has been held" in nothing.response.content
    await pat.join_voice(community.voice)
    await start(community)
    await gina.join_voice(community.voice)
    await community.facilitator.slash(community.meeting, "meeting end")
    await gina.leave_voice()
    await start(community)
    await community.facilitator.slash(community.meeting, "meeting end")
    assert "meeting attendance" not in pat.available_commands(community.meeting)
    result = await community.facilitator.slash(community.meeting, "meeting attendance")
    reply = result.response
    assert reply.ephemeral
    # A list a screen reader reads in order (no code block of bare numbers), each date a timestamp, once.
    assert "```" not in reply.content
    head, first, second = reply.content.splitlines()
    assert head == "**Attendance by role, last 2 meetings**"
    assert re.fullmatch(r"• Meeting 1, <t:\d+:D>: 2 people \(Patient or public 1, GP 1\)\.", first), first
    assert re.fullmatch(r"• Meeting 2, <t:\d+:D>: 1 person \(Patient or public 1\)\.", second), second
    # The chart says what it shows to whoever cannot see it (its description is the alternative text).
    [chart] = reply.attachments
    png = await chart.read()
    assert chart.filename == "attendance.png" and png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    assert chart.description.startswith("Bar chart of who came to the last 2 meetings, by role.")
    assert re.search(r"meeting 1 \(\d+ \w+\) 2, meeting 2 \(\d+ \w+\) 1\.", chart.description), chart.description


async def test_the_panel_buttons_run_the_features(simcord_env, community: Community):
    await community.configure()
    people = [community.add_member(n) for n in ("pat", "gina", "cleo", "rita")]
    for member, role in zip(people, ("lay", "gp", "clinician", "researcher"), strict=True):
        await member.slash(community.meeting, "profile", role=role)
        await member.join_voice(community.voice)
    await start(community)
    panel = community.facilitators.last_message
    labels = [c.label for row in panel.components for c in row.children]
    assert labels == [
        "Icebreaker round",
        "Plan breakouts",
        "Close breakouts",
        "Open questions",
        "Add an action",
        "End the meeting",
    ]
    form = await community.facilitator.click(panel, label="Plan breakouts")
    bad = await community.facilitator.submit_modal(form, {"size": "99"})
    assert bad.response.ephemeral and "from 2 to 25" in bad.response.content
    form = await community.facilitator.click(panel, label="Plan breakouts")
    planned = await community.facilitator.submit_modal(form, {"size": "2"})
    assert planned.response.ephemeral and any(
        c.label == "Open rooms" for row in planned.response.message.components for c in row.children
    )
    action = await community.facilitator.click(panel, label="Add an action")
    # The form lets the facilitator choose who does it (starting from themselves).
    [picker] = [
        row["component"]
        for row in action.modal["components"]
        if row.get("component", {}).get("custom_id") == "assignee"
    ]
    assert [int(v["id"]) for v in picker["default_values"]] == [community.facilitator.id]
    added = await community.facilitator.submit_modal(
        action, {"description": "Book the room", "due": "in 3 days", "assignee": [people[1]]}
    )
    assert "“Book the room” is set for" in added.response.content in added.response.content
    assert people[1].mention in added.response.content
    assert any("Book the room" in dm.content for dm in people[1].user.dm_channel.history())
    questions = await community.facilitator.click(panel, label="Open questions")
    assert questions.response.ephemeral
    closing = await community.facilitator.click(panel, label="Close breakouts")
    assert closing.response is not None and closing.response.ephemeral


@pytest.mark.discord(latency=0.3)
async def test_start_and_end_are_acknowledged_in_time_with_slow_discord(simcord_env, community: Community):
    await community.configure()
    members = [community.add_member(f"m{i}") for i in range(4)]
    for member in members:
        await member.slash(community.meeting, "profile", role="lay")
    await members[0].join_voice(community.voice)
    started = await start(community)
    assert started.acknowledged and "has started" in started.response.content
    ended = await community.facilitator.slash(community.meeting, "meeting end")
    assert ended.acknowledged and "has ended" in ended.response.content
    await simcord_env.advance_time(30)  # the DMs go out after the reply, each taking its latency
    assert [len(recaps_in(m)) for m in members] == [0] + [1] * 3


async def test_make_a_task_from_a_long_message_is_cut_to_the_task_limit(simcord_env, community: Community):
    await community.configure()
    pat = community.add_member("pat")
    said = await pat.send(community.meeting, "Let's ask the GP surgeries about their waiting lists. " * 20)
    form = await community.facilitator.context_menu(community.meeting, "Make a task", said)
    inputs = [c for row in form.modal["components"] for c in row.get("components", [row.get("component", {})])]
    prefilled = next(c for c in inputs if c.get("custom_id") == "description")
    assert 0 < len(prefilled["value"]) <= 300 and prefilled["value"].startswith("Let's ask the GP surgeries")
    bad = await community.facilitator.submit_modal(
        form, {"description": prefilled["value"], "due": "yesterday", "assignee": [pat]}
    )
    assert bad.response.ephemeral
    task_list = await pat.slash(community.meeting, "task list")
    assert "no open tasks" in task_list.response.content
    form = await community.facilitator.context_menu(community.meeting, "Make a task", said)
    made = await community.facilitator.submit_modal(
        form, {"description": prefilled["value"], "due": "in 2 days", "assignee": [pat]}
    )
    assert "is set for" in made.response.content and pat.mention in made.response.content
    assert any("gave you a task" in m.content for m in dms(pat))


async def test_a_mute_for_the_rest_of_the_meeting_ends_with_the_meeting(simcord_env, community: Community):
    await community.configure()
    asker = community.add_member("asker")
    await start(community)
    await ask(asker, community, "First question?")
    muted = await community.facilitator.click(community.facilitators.last_message, custom_id="copbot:questions:mute:n1")
    assert "Done" in muted.response.content
    assert "paused" in (await ask(asker, community, "Second?")).response.content
    await community.facilitator.slash(community.meeting, "meeting end")
    after = await ask(asker, community, "After the meeting?")
    assert "without your name" in after.response.content
    assert community.questions.last_message.embeds[0].title == "Question 2"


async def test_a_member_whose_dms_are_closed_is_mentioned_under_the_recap(simcord_env, community: Community):
    await community.configure()
    came, open_dms, closed = (community.add_member(n) for n in ("pat", "gina", "cleo"))
    for member in (came, open_dms, closed):
        await member.slash(community.meeting, "profile", role="lay")
    await came.join_voice(community.voice)
    simcord_env.inject_error(
        "POST",
        f"/channels/{closed.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    await start(community)
    await community.facilitator.slash(community.meeting, "meeting end")
    await simcord_env.advance_time(30)  # the DMs go out after the reply
    assert len(recaps_in(open_dms)) == 1 and recaps_in(closed) == []
    head = next(m for m in community.meeting.history() if m.content.startswith("Recap of **Meeting on "))
    [note] = [m for m in all_messages(simcord_env) if m.channel.id == head.id and "couldn't send you" in m.content]
    assert closed.mention in note.content and open_dms.mention not in note.content and came.mention not in note.content
    assert [u.id for u in note.mentions] == [closed.id], "only the member who missed it is pinged"


def _reply(result):
    """A click's private answer, whether it came as the response or (after deferring) a follow-up."""
    return result.followups[-1] if result.followups else result.response


async def test_the_panel_round_runs_in_the_meeting_channel_where_everyone_sees_it(simcord_env, community: Community):
    await community.configure()
    people = [community.add_member(n) for n in ("pat", "gina")]
    for member in [*people, community.facilitator]:
        await member.join_voice(community.voice)
    await start(community)
    panel = community.facilitators.last_message
    # The panel gives the start as a time that stays true ("started 0 seconds ago" did not).
    assert "(it started at <t:" in panel.content and "ago" not in panel.content
    private_before = len(community.facilitators.history())

    clicked = await community.facilitator.click(panel, label="Icebreaker round")
    reply = _reply(clicked)
    assert reply.ephemeral and reply.content.startswith(f"The speaking round has started in <#{community.meeting.id}>.")
    assert "End round" in str(reply.components)  # stopping it early is the facilitator's, privately
    assert len(community.facilitators.history()) == private_before  # nothing in the private channel
    (round_,) = [m for m in community.meeting.history() if m.content.startswith("**Speaking round**")]
    assert f"Everyone in <#{community.voice.id}> gets a turn" in round_.content
    # Everyone in voice is named in the order, where they all see it (members, not only facilitators).
    everyone = {p.id for p in [*people, community.facilitator]}
    assert {u.id for u in round_.mentions} == everyone
    # The first speaker is called there, and can pass there like anyone in the round.
    first = int(re.search(r"\*\*Turn 1 of 3:\*\* <@(\d+)>, your turn!", round_.content).group(1))
    speaker = next(p for p in [*people, community.facilitator] if p.id == first)
    passed = await speaker.click(round_, label="Pass")
    assert "No problem at all" in _reply(passed).content
    (round_,) = [m for m in community.meeting.history() if m.content.startswith("**Speaking round**")]
    assert "**Turn 2 of 3:**" in round_.content

    # A second round cannot start in the meeting channel while this one runs: one clear sentence.
    again = await community.facilitator.click(panel, label="Icebreaker round")
    assert _reply(again).ephemeral and "already" in _reply(again).content


def _form_parts(form) -> list[dict]:
    """A form's parts in order, each text input, picker or text unwrapped from its row or label."""
    parts = []
    for row in form.modal["components"]:
        parts += row.get("components") or [row.get("component", row)]
    return parts


async def test_make_a_task_names_the_person_and_a_facilitator_can_choose_someone_else(
    simcord_env, community: Community
):
    await community.configure()
    pat, kim = community.add_member("pat"), community.add_member("kim")
    gina = community.add_member("gina_gp", global_name="Gina")
    said = await gina.send(community.meeting, "I can ask the surgery for the leaflet numbers")

    # A member's form says who will do the task (the message's writer) and offers no other choice.
    form = await kim.context_menu(community.meeting, "Make a task", said)
    parts = _form_parts(form)
    assert [p["content"] for p in parts if p.get("type") == 10] == [
        "**Gina** will do this task. They get a message about it."
    ]
    assert not any(p.get("custom_id") == "assignee" for p in parts)
    made = await kim.submit_modal(form, {"description": "Ask the surgery for the leaflet numbers", "due": "in 5 days"})
    assert gina.mention in made.response.content
    assert any("leaflet numbers" in m.content for m in dms(gina))

    # A facilitator's form has a picker set to the writer, and can give the task to someone else.
    form = await community.facilitator.context_menu(community.meeting, "Make a task", said)
    (picker,) = [p for p in _form_parts(form) if p.get("custom_id") == "assignee"]
    assert [int(v["id"]) for v in picker["default_values"]] == [gina.id]
    given = await community.facilitator.submit_modal(
        form, {"description": "Bring the leaflet numbers to the meeting", "due": "in 6 days", "assignee": [pat]}
    )
    assert pat.mention in given.response.content and gina.mention not in given.response.content
    assert any("Bring the leaflet numbers" in m.content for m in dms(pat))
    assert not any("Bring the leaflet numbers" in m.content for m in dms(gina))
