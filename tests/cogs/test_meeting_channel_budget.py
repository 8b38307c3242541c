"""End to end: how much copbot posts in the meeting channel during one meeting of 15 people.

The budget (see ``bot/meeting_session.py``, ``MEETING_CHANNEL_POSTS``): a meeting costs the meeting
channel a fixed number of new posts whatever the number of people (the start post, the speaking
round's one message, the recap's head), plus one per anonymous question members ask there. A
speaking round is one message edited in place for each turn: edits do not notify anyone.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import Community

from bot.meeting_session import meeting_channel_posts
from tests.notices import PingWatch, channel_activity, notices_for

pytestmark = pytest.mark.timeout(180)

_SPEAKER = re.compile(r"<@(\d+)>, your turn")


def current_turn(channel):
    """The message showing whose turn it is now (the latest with a Next button), and that person's id."""
    for message in reversed(channel.history()):
        labels = [c.label for row in message.components for c in row.children]
        found = _SPEAKER.search(message.content)
        if "Next" in labels and found:
            return message, int(found.group(1))
    return None, None


async def test_a_fifteen_person_meeting_with_a_full_round_stays_within_the_budget(
    simcord_env, community: Community
) -> None:
    watch = PingWatch(simcord_env)
    await community.configure()
    people = [community.add_member(f"member{i}", global_name=f"Member {i}") for i in range(14)]
    by_id = {p.id: p for p in people} | {community.facilitator.id: community.facilitator}
    for person in (*people, community.facilitator):
        await person.join_voice(community.voice)
    assert len(by_id) == 15

    since = simcord_env.now()  # members' welcome DMs went before: only the meeting's notices count
    started = await community.facilitator.slash(community.meeting, "meeting start")
    assert started.response is not None
    result = await community.facilitator.slash(community.meeting, "icebreaker round")
    assert result.response is not None
    spoke: list[int] = []
    for _ in range(len(by_id)):
        message, speaker = current_turn(community.meeting)
        assert message is not None, [m.content for m in community.meeting.history()]
        spoke.append(speaker)
        await by_id[speaker].click(message, label="Next")
    assert sorted(spoke) == sorted(by_id)
    assert current_turn(community.meeting) == (None, None)
    await community.facilitator.slash(community.meeting, "meeting end")

    posts, edits = channel_activity(simcord_env, community.meeting.id)
    pings = {
        person.id: len([n for n in notices_for(simcord_env, person, since, watch=watch) if n.how == "ping"])
        for person in people
    }
    print(json.dumps({"meeting_channel": {"people": 15, "posts": posts, "edits": edits, "pings": pings}}))
    assert posts <= meeting_channel_posts(people=15, questions=0), [m.content for m in community.meeting.history()]
    # Each speaker is pinged once in the whole meeting: when the round begins.
    assert set(pings.values()) == {1}, pings
    # The thank-you is the round message itself, with no buttons left.
    last_round = [m for m in community.meeting.history() if "Speaking round" in m.content]
    assert len(last_round) == 1 and "Thank you, everyone!" in last_round[0].content
    assert last_round[0].components == []
