"""End to end: the list of open tasks before a meeting (the digest), with the sweep running.

Nothing is posted when there is nothing to say; each task is listed once, those agreed at the last
meeting marked in the same list; a task is called late in public only from the day after its due
date, and kindly; each person's own list comes by DM with buttons, and the public post pings only
those whose DMs are closed.
"""

from __future__ import annotations

import pytest
import time_machine
from conftest import Community

from tests.notices import Clocks, button_labels, notices_for, utc

# Time travel settles each step within settle_timeout of real time; 5 s (the default) can be short on a busy
# machine, and no timer here is shorter than 20 s.
pytestmark = [pytest.mark.timeout(120), pytest.mark.simcord(settle_timeout=20.0)]


def digests(community: Community) -> list:
    return [m for m in community.meeting.history() if "Coming up" in m.content]


async def schedule(community: Community, when: str, title: str = "Knee pain CoP") -> None:
    made = await community.facilitator.slash(community.meeting, "meeting schedule", when=when, title=title)
    assert "is planned" in made.response.content


async def test_no_digest_when_nothing_is_open(simcord_env, community: Community) -> None:
    await community.configure()
    sam = community.add_member("sam")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        await schedule(community, "2026-01-09 18:00")
        await community.facilitator.slash(
            community.meeting, "task add", description="Read the leaflet", assignee=sam, due="2026-01-07"
        )
        await sam.slash(community.meeting, "task done", id=1)
        await Clocks(simcord_env, t).run_until(utc(2026, 1, 9, 12))
    assert digests(community) == []
    assert [n.text for n in notices_for(simcord_env, sam) if "Knee pain CoP" in n.text] == []


async def test_late_only_from_the_day_after_and_each_task_once(simcord_env, community: Community, restart) -> None:
    await community.configure()
    pat, lin = community.add_member("pat"), community.add_member("lin")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        clocks = Clocks(simcord_env, t)
        # Meeting 1 agrees Pat's task; Lin's is set afterwards.
        await clocks.run_until(utc(2026, 1, 2, 18))
        await community.facilitator.slash(community.meeting, "meeting start")
        await community.facilitator.slash(
            community.meeting, "task add", description="Ask the physio", assignee=pat, due="2026-01-05 17:00"
        )
        await community.facilitator.slash(community.meeting, "meeting end")
        await clocks.run_until(utc(2026, 1, 2, 19))
        await community.facilitator.slash(
            community.meeting, "task add", description="Find the survey", assignee=lin, due="2026-01-20 17:00"
        )
        # Two meetings: the first's list goes out on Pat's due day (18:00, after the 17:00 deadline),
        # the second's the day after it.
        await schedule(community, "2026-01-06 18:00", "Knee pain CoP")
        await schedule(community, "2026-01-07 18:00", "Extra session")
        await clocks.run_until(utc(2026, 1, 5, 19))
        await restart()  # the DM's buttons work for a bot that never saw it
        on_the_day = digests(community)
        await clocks.run_until(utc(2026, 1, 6, 19))
        day_after = digests(community)[len(on_the_day) :]

    assert len(on_the_day) == 1 and len(day_after) == 1
    first, second = on_the_day[0].content, day_after[0].content
    for text in (first, second):
        assert text.count("Ask the physio") == 1 and text.count("Find the survey") == 1
        assert "overdue" not in text.lower()
        physio = next(line for line in text.splitlines() if "Ask the physio" in line)
        assert "agreed at the last meeting" in physio
        assert "agreed" not in next(line for line in text.splitlines() if "Find the survey" in line)
    assert "running late" not in first  # on the due day, even after its hour, it is not late in public
    assert "running late, and that's OK" in next(line for line in second.splitlines() if "Ask the physio" in line)
    # Nobody is pinged by the post: each had their own list by DM (or a reminder that morning).
    for post in (*on_the_day, *day_after):
        assert simcord_env.backend.get_message(post.channel.id, post.id).ping_user_ids == []
    # Lin's own list came with each digest (a day apart); Pat's only the day after, not at 18:00 on the
    # day her "due today" reminder came at 09:00.
    own = [m for m in lin.user.dm_channel.history() if "Here are your open tasks" in m.content]
    assert len(own) == 2 and set(button_labels(own[0])) == {"Done", "Need more time"}
    pats = [m for m in pat.user.dm_channel.history() if "Here are your open tasks" in m.content]
    assert len(pats) == 1 and "running late" in pats[0].content
    done = await lin.user.click(own[0], label="Done")
    assert "marked as done" in done.response.content


async def test_the_post_pings_only_those_whose_dms_are_closed(simcord_env, community: Community) -> None:
    await community.configure()
    open_dms, closed = community.add_member("olive"), community.add_member("cleo")
    simcord_env.inject_error(
        "POST",
        f"/channels/{closed.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        for member in (open_dms, closed):
            await community.facilitator.slash(
                community.meeting, "task add", description="Bring a question", assignee=member, due="2026-01-20"
            )
        await schedule(community, "2026-01-09 18:00")
        await Clocks(simcord_env, t).run_until(utc(2026, 1, 9))
    [post] = digests(community)
    assert simcord_env.backend.get_message(post.channel.id, post.id).ping_user_ids == [closed.id]
    # Each was told once that evening: Olive by DM, Cleo by the ping.
    for member in (open_dms, closed):
        evening = [n for n in notices_for(simcord_env, member) if n.at >= utc(2026, 1, 8, 12)]
        assert len(evening) == 1, evening


async def test_a_list_of_several_tasks_is_numbered_as_its_buttons_are(simcord_env, community: Community) -> None:
    """With two tasks in one message, each pair of buttons says which task it is for; no task number
    (which the member never sees anywhere else) appears in the message or on a button."""
    await community.configure()
    sam = community.add_member("sam")
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        for words in ("Read the leaflet", "Ask at the surgery"):
            await community.facilitator.slash(
                community.meeting, "task add", description=words, assignee=sam, due="2026-01-20"
            )
        await schedule(community, "2026-01-09 18:00")
        await Clocks(simcord_env, t).run_until(utc(2026, 1, 9))
    [own] = [m for m in sam.user.dm_channel.history() if "Here are your open tasks" in m.content]
    lines = own.content.splitlines()
    assert any(line.startswith("1. “Read the leaflet”") for line in lines)
    assert any(line.startswith("2. “Ask at the surgery”") for line in lines)
    assert "#" not in own.content
    assert button_labels(own) == ["1. Done", "1. Need more time", "2. Done", "2. Need more time"]
    done = await sam.user.click(own, label="2. Done")
    assert done.response.content == "Thank you! “Ask at the surgery” is marked as done."
    [left] = await simcord_env.bot.get_cog("TasksCog").tasks.open_tasks(community.guild.id)
    assert left.description == "Read the leaflet"
