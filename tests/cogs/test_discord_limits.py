"""Posts that used to overflow Discord's limits, under the realistic-Discord layer (issue #15).

SimCord checks message sizes but not ``allowed_mentions`` lists; the layer adds that check, so each
test here failed on main: a reply over 2,000 characters ("Sorry, something went wrong"), or a post
refused for naming more than 100 people.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from conftest import Community
from test_tasks_reminders import Clocks, utc

from bot.storage.tasks import TaskRepository

MENTION_LIMIT = 100


@pytest.mark.discord(latency=0.3)
async def test_questions_list_with_many_open_questions_and_one_waiting_fits(simcord_env, community: Community):
    await community.configure()
    cog = simcord_env.bot.questions
    for i in range(150):
        # World set-up (150 /ask posts would take minutes under the buckets): the list is under test.
        # Each row is marked as posted, as /ask leaves it: rows without their post are never listed.
        made = await cog.repo.create(
            community.guild.id, "question", f"Question {i}: " + "why is the sky blue " * 8, pending=False
        )
        await cog.repo.set_message(made.id, community.questions.id, 10_000 + i)
    waiting = await cog.repo.create(community.guild.id, "question", "waiting for approval", pending=True)
    await cog.repo.set_review_message(waiting.id, community.facilitators.id, 20_000)
    listed = await community.facilitator.slash(community.meeting, "questions list")
    text = listed.response.content
    assert text.startswith("**Open questions** (150)"), text
    assert len(text) <= 2000
    assert "more. `/questions export` has them all." in text
    assert "1 more is waiting for a facilitator to approve it in the facilitator channel." in text
    # The menu that opens any question's buttons privately offers the 25 with most Me too (Discord's limit).
    [menu] = [c for row in listed.response.components for c in row["components"]]
    assert len(menu["options"]) == 25


@pytest.mark.discord(latency=0.3)
async def test_next_meeting_with_markdown_heavy_titles_fits(simcord_env, community: Community):
    await community.configure()
    with time_machine.travel(simcord_env.now(), tick=False):
        for day in range(2, 14):
            title = "*_" * 50  # 100 characters that escaping doubles
            made = await community.facilitator.slash(
                community.meeting, "meeting schedule", when=f"2026-01-{day:02d} 18:00", title=title
            )
            assert made.response is not None and "is planned" in made.response.content, made.response
        shown = await community.add_member("sam").slash(community.meeting, "next-meeting")
    text = shown.response.content
    assert text.startswith("Our next meeting is **\\*\\_") and len(text) <= 2000, len(text)
    assert "#1" not in text  # nobody types a meeting's number to come to it
    assert "Also planned:" in text and "\\*\\_" in text


async def test_digest_for_101_owners_pings_at_most_100_per_post_and_every_owner_is_told_once(
    simcord_env, community: Community
):
    """101 owners whose DMs are closed: the public digest pings each of them instead of a DM, at most
    100 people a post. (With DMs open it pings nobody: see ``test_notice_budget.py``.)"""
    await community.configure()
    owners = [community.add_member(f"owner{i}") for i in range(101)]
    for owner in owners:
        simcord_env.inject_error(
            "POST",
            f"/channels/{owner.user.dm_channel.id}/messages",
            status=403,
            code=50007,
            message="Cannot send messages to this user",
            times=None,
        )
    tasks = TaskRepository(simcord_env.bot.db)
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        for i, owner in enumerate(owners):
            # World set-up: 101 /task add would each DM the assignee; the digest is under test.
            await tasks.add(
                community.guild.id, f"Task {i}", owner.id, community.facilitator.id, utc(2026, 2, 1, 17), []
            )
        made = await community.facilitator.slash(
            community.meeting, "meeting schedule", when="2026-01-03 18:00", title="Big meeting"
        )
        assert "is planned" in made.response.content
        await Clocks(simcord_env, t).run_until(datetime(2026, 1, 2, 19, tzinfo=UTC))

    posts = [m for m in community.meeting.history() if "Coming up" in m.content or "<@" in m.content]
    named = [int(x) for m in posts for x in _mentions(m.content)]
    assert sorted(named) == sorted(o.id for o in owners)
    # The layer refuses a post naming more than 100 people; every digest post went through, so the
    # digest was split by people as well as by length, and each owner was pinged exactly once.
    assert len(posts) >= 2 and not simcord_env.errors
    pinged = [uid for m in posts for uid in simcord_env.backend.get_message(m.channel.id, m.id).ping_user_ids]
    assert sorted(pinged) == sorted(o.id for o in owners)


def _mentions(text: str) -> list[str]:
    return re.findall(r"<@(\d+)>", text)


async def test_events_entry_fits_when_the_meeting_channel_name_is_100_characters(simcord_env, community: Community):
    """Without a main voice channel the Events entry is "external", its location "#" and the meeting
    channel's name: 101 characters for a 100-character name, which Discord refuses. It is fitted."""
    long_name = "a" * 100
    channel = community.guild.create_text_channel(long_name)
    await community.configure(meeting_channel=channel, main_voice=None)
    with time_machine.travel(simcord_env.now(), tick=False):
        made = await community.facilitator.slash(
            channel, "meeting schedule", when="2026-01-09 18:00", title="T" * 100, repeat="weekly"
        )
    assert "is planned" in made.response.content and "couldn't add it" not in made.response.content
    guild = simcord_env.bot.get_guild(community.guild.id)
    events = await guild.fetch_scheduled_events()
    assert len(events) == 1 and events[0].name == "T" * 100
    assert len(events[0].location) == 100 and events[0].location.startswith("#aaa")
    assert not simcord_env.errors
