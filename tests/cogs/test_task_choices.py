"""Members pick a task by its words, not its number: ``/task done``, ``edit`` and ``remove`` offer the
open tasks a member may act on as they type (issue 25: no "#N" where nobody needs to type it)."""

from __future__ import annotations

import time_machine
from conftest import Community


async def add(community: Community, assignee, description: str, due: str = "2026-01-10"):
    return await community.facilitator.slash(
        community.meeting, "task add", description=description, assignee=assignee, due=due
    )


def names(choices) -> list[str]:
    return [choice["name"] for choice in choices]


async def test_a_member_picks_their_task_by_its_words_and_the_number_is_sent(simcord_env, community: Community):
    await community.configure()
    lee, sam = community.add_member("lee"), community.add_member("sam")
    with time_machine.travel(simcord_env.now(), tick=False):
        posted = await add(community, lee, "Read the new leaflet")
        await add(community, sam, "Ring the clinic", due="2026-01-12")
        await add(community, lee, "Bring the leaflet to the clinic meeting", due="2026-01-14")

        assert "#" not in posted.response.content  # the public post names the task by its words
        offered = await lee.autocomplete(community.meeting, "task done", "id", "")
        # Only Lee's own tasks (Sam's is not Lee's to finish), soonest first, each with its day.
        assert names(offered) == [
            "Read the new leaflet, due 10 January",
            "Bring the leaflet to the clinic meeting, due 14 January",
        ]
        typed = await lee.autocomplete(community.meeting, "task edit", "id", "bring")
        assert names(typed) == ["Bring the leaflet to the clinic meeting, due 14 January"]
        # A member may not remove a task someone else set for them: nothing to offer.
        assert await lee.autocomplete(community.meeting, "task remove", "id", "") == []

        done = await lee.slash(community.meeting, "task done", id=typed[0]["value"])
        assert "Bring the leaflet to the clinic meeting" in done.response.content and "is done" in done.response.content
        assert names(await lee.autocomplete(community.meeting, "task done", "id", "")) == [
            "Read the new leaflet, due 10 January"
        ]


async def test_a_facilitator_is_offered_everyones_open_tasks_within_discords_limits(simcord_env, community: Community):
    await community.configure()
    people = [community.add_member(name) for name in ("sam", "kim", "ria", "abe")]
    sam = people[0]
    with time_machine.travel(simcord_env.now(), tick=False):
        long = "Write to every practice in the area about the new knee pain leaflet and ask them to put it up " * 2
        await add(community, sam, long[:200])
        for k in range(30):
            # Members set them for each other: one person may set 20 an hour and 10 open ones for another.
            creator, assignee = people[k % 4], people[(k + 1) % 4]
            await creator.slash(
                community.meeting, "task add", description=f"Small job {k + 1}", assignee=assignee, due="2026-01-10"
            )
        offered = await community.facilitator.autocomplete(community.meeting, "task remove", "id", "")
        assert len(offered) == 25  # Discord's most
        assert all(len(name) <= 100 for name in names(offered))
        assert names(offered)[0].endswith("…, due 10 January")
        assert names(await community.facilitator.autocomplete(community.meeting, "task done", "id", "job 30")) == [
            "Small job 30, due 10 January"
        ]
