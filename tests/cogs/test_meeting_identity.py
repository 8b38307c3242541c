"""End to end: a meeting started early or late is the meeting members were told about.

The reminder sweep runs throughout (both clocks step through every wake-up), as in production: it
used to roll a repeating meeting to next week at its start time, so a ``/meeting start`` two minutes
later found nothing and held an untitled "Meeting on …" instead. Now the planned occurrence waits
``LATE_START`` (an hour) for its start, and is named by its title and planned date everywhere members
read it: the start post, the recap, the check-in, and the recap sent to those who missed it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from conftest import Community

from bot.meeting_session import LATE_START
from tests.notices import Clocks, utc

# Time travel settles each step within settle_timeout of real time; 5 s (the default) can be short on a busy
# machine, and no timer here is shorter than 20 s.
pytestmark = [pytest.mark.timeout(120), pytest.mark.simcord(settle_timeout=20.0)]

PLANNED = utc(2026, 1, 6, 18)  # Tuesday 6 January 2026, 18:00 UK time
NAME = f"**Knee pain CoP** on <t:{int(PLANNED.timestamp())}:D>"


def texts(channel) -> list[str]:
    return [m.content for m in channel.history()]


async def hold(simcord_env, community: Community, t, offset: timedelta, repeat: str):
    """Plan the meeting, then run it ``offset`` from its planned start with the sweep running; return
    (start reply, the members' DMs, the meeting repository)."""
    await community.configure()
    here, away = community.add_member("pat"), community.add_member("abe")
    for member in (here, away):
        await member.slash(community.meeting, "profile", role="lay")
    clocks = Clocks(simcord_env, t)
    await community.facilitator.slash(
        community.meeting, "meeting schedule", when="2026-01-06 18:00", title="Knee pain CoP", repeat=repeat
    )
    await here.join_voice(community.voice)
    await clocks.run_until(PLANNED + offset)
    started = await community.facilitator.slash(community.meeting, "meeting start")
    await clocks.run_until(PLANNED + offset + timedelta(minutes=40))
    await community.facilitator.slash(community.meeting, "meeting end")
    offer = next(m for m in community.facilitators.history() if m.content.startswith("**Facilitator panel"))
    sent = await community.facilitator.click(offer, label="Send the check-in")
    assert sent.response is not None
    await clocks.run_until(PLANNED + offset + LATE_START + timedelta(hours=1))
    return started, here, away


@pytest.mark.parametrize(
    ("offset", "repeat"),
    [
        (timedelta(minutes=2), "weekly"),
        (timedelta(minutes=50), "weekly"),
        (timedelta(minutes=-10), "weekly"),
        (timedelta(minutes=50), "none"),
    ],
    ids=["2-late", "50-late", "10-early", "one-off-50-late"],
)
async def test_a_meeting_started_near_its_time_keeps_its_title_and_date(
    simcord_env, community: Community, offset: timedelta, repeat: str
) -> None:
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        started, here, away = await hold(simcord_env, community, t, offset, repeat)

    # The start post, the recap's head, the check-in and the absentee's recap all name it the same way
    # (and so do the facilitator's private reply and panel).
    welcome = [c for c in texts(community.meeting) if "has started" in c]
    assert len(welcome) == 1 and welcome[0].startswith(f"{NAME} has started. Welcome, everyone!"), welcome
    assert started.response.content.startswith(f"{NAME} has started"), started.response.content
    panel = [m.content for m in community.facilitators.history() if m.content.startswith("**Facilitator panel")]
    assert len(panel) == 1 and panel[0].startswith(f"**Facilitator panel:** {NAME} has ended"), panel
    recap = [c for c in texts(community.meeting) if c.startswith("Recap of **")]
    assert len(recap) == 1 and recap[0].startswith(f"Recap of {NAME}"), recap
    check_in = [m.content for m in here.user.dm_channel.history() if "Thank you for coming" in m.content]
    assert len(check_in) == 1 and "**Knee pain CoP**" in check_in[0]
    missed = [m.content for m in away.user.dm_channel.history() if "You missed" in m.content]
    assert len(missed) == 1 and missed[0].startswith(f"Hello! You missed {NAME} in "), missed
    everything = "\n".join(texts(community.meeting) + check_in + missed)
    assert "Meeting on" not in everything and "meeting #" not in everything.lower()

    session = await simcord_env.bot.meeting_sessions.sessions.last_closed(community.guild.id)
    assert session.title == "Knee pain CoP" and session.planned_at == PLANNED and session.meeting_id is not None
    upcoming = await simcord_env.bot.tasks.upcoming(community.guild.id)
    if repeat == "weekly":
        # Held, and rolled on to next week once the hour was over: the same meeting, #1.
        assert [(m.number, m.starts_at) for m in upcoming] == [(1, PLANNED + timedelta(days=7))]
        assert upcoming[0].id == session.meeting_id
    else:
        assert upcoming == []


async def test_a_meeting_started_three_hours_late_is_a_new_one_and_the_planned_one_still_rolls(
    simcord_env, community: Community
) -> None:
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        started, _here, away = await hold(simcord_env, community, t, timedelta(hours=3), "weekly")
    # Titled by its date, so named by its title alone: the date is given once.
    assert started.response.content.startswith("**Meeting on 6 January 2026** has started."), started.response.content
    welcome = [c for c in texts(community.meeting) if "has started" in c]
    assert len(welcome) == 1 and welcome[0].startswith("**The meeting has started.** Welcome, everyone!")
    session = await simcord_env.bot.meeting_sessions.sessions.last_closed(community.guild.id)
    assert session.meeting_id is None and session.planned_at is None
    missed = [m.content for m in away.user.dm_channel.history() if "You missed" in m.content]
    assert len(missed) == 1 and "Knee pain CoP" not in missed[0]
    upcoming = await simcord_env.bot.tasks.upcoming(community.guild.id)
    assert [(m.number, m.title, m.starts_at) for m in upcoming] == [(1, "Knee pain CoP", PLANNED + timedelta(days=7))]
