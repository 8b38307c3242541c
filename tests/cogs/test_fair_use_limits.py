"""Fair-use ceilings (``[limits]``, issue #14): the attempt after the limit gets one plain sentence
and stores nothing. Small limits are set through the environment, as an operator would."""

from __future__ import annotations

import sqlite3

import pytest
import time_machine


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Must come before ``simcord_env`` in a test's arguments: the bot reads its config when built."""
    for key, value in {
        "TASKS_PER_HOUR": 4,
        "OPEN_TASKS_PER_ASSIGNEE": 2,
        "ROUNDS_PER_SERVER": 1,
        "ICEBREAKERS_PER_SERVER": 2,
    }.items():
        monkeypatch.setenv(f"COPBOT__LIMITS__{key}", str(value))


def count(db_path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


async def add_task(member, community, assignee, description="Read the leaflet"):
    return await member.slash(
        community.meeting, "task add", description=description, assignee=assignee, due="in 3 days"
    )


async def test_tasks_one_member_can_set_per_hour(small_limits, simcord_env, community, db_path):
    await community.configure()
    kim = community.add_member("kim")
    people = [community.add_member(f"p{n}") for n in range(6)]
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        for person in people[:4]:
            assert "is set for" in (await add_task(kim, community, person)).response.content
        tasks, reminders = (
            count(db_path, "SELECT COUNT(*) FROM tasks"),
            count(db_path, "SELECT COUNT(*) FROM reminders"),
        )
        refused = await add_task(kim, community, people[4])
        assert refused.response.ephemeral
        assert refused.response.content == (
            "You have set 4 tasks in the last hour, the most one person can set in an hour. "
            "Please wait a little before adding more. Nothing was saved."
        )
        assert count(db_path, "SELECT COUNT(*) FROM tasks") == tasks
        assert count(db_path, "SELECT COUNT(*) FROM reminders") == reminders
        # Someone else is not affected; after an hour, kim can add again.
        assert "is set for" in (await add_task(community.add_member("lee"), community, people[4])).response.content
        clock.shift(3601)
        await simcord_env.advance_time(3601)
        assert "is set for" in (await add_task(kim, community, people[5])).response.content


async def test_open_tasks_from_one_member_for_one_assignee(small_limits, simcord_env, community, db_path):
    await community.configure()
    kim = community.add_member("kim")
    sam_user = simcord_env.create_user("sam")
    sam = community.guild.add_member(sam_user)
    for n in range(2):
        assert "is set for" in (await add_task(kim, community, sam, f"Task {n}")).response.content
    dms = len(sam_user.dm_channel.history())
    refused = await add_task(kim, community, sam, "One too many")
    assert refused.response.content == (
        "That person already has 2 open tasks from you, the most one person can give another. "
        "Once some are done you can add more. Nothing was saved."
    )
    assert count(db_path, "SELECT COUNT(*) FROM tasks") == 2
    assert len(sam_user.dm_channel.history()) == dms  # no DM for the refused one
    assert "is set for" in (await add_task(kim, community, community.add_member("ann"))).response.content
    await sam.slash(community.meeting, "task done", id=1)
    assert "is set for" in (await add_task(kim, community, sam, "Now there is room")).response.content


async def test_speaking_rounds_open_per_server(small_limits, simcord_env, community, db_path):
    await community.configure()
    second = community.guild.create_text_channel("second-room")
    sam = community.add_member("sam", facilitator=True)
    started = await sam.slash(community.meeting, "icebreaker round")
    assert started.acknowledged and "Join the round" in community.meeting.last_message.content
    refused = await sam.slash(second, "icebreaker round")
    assert refused.response.ephemeral and refused.response.content == (
        "There are already 1 speaking rounds going in this server, the most at one time. Please wait for one "
        "to finish (or ask a facilitator to end one) before starting another."
    )
    assert not second.history()
    assert count(db_path, "SELECT COUNT(*) FROM icebreaker_rounds") == 1


async def test_custom_icebreakers_per_server(small_limits, simcord_env, community, db_path):
    await community.configure()
    fac = community.facilitator
    for n in range(2):
        added = await fac.slash(community.meeting, "icebreaker add", text=f"Which tree is best, {n}?", category="light")
        assert "Added icebreaker" in added.response.content
    refused = await fac.slash(community.meeting, "icebreaker add", text="And one more?", category="light")
    assert refused.response.content == (
        "This server already has 2 icebreaker questions of its own, the most it can keep. "
        "Please remove one with `/icebreaker remove` before adding another. Nothing was saved."
    )
    assert count(db_path, "SELECT COUNT(*) FROM icebreaker_custom_prompts") == 2  # nothing stored
    await fac.slash(community.meeting, "icebreaker remove", id=1001)
    assert (
        "Added icebreaker"
        in (await fac.slash(community.meeting, "icebreaker add", text="Room again?", category="light")).response.content
    )
