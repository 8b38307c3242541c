"""End-to-end breakout sessions under SimCord: plan, open, move, time, broadcast, close, failures."""

from __future__ import annotations

import itertools
from collections import Counter

import discord
import pytest
import time_machine

from bot.breakouts import participants_from_plan
from bot.grouping import Constraints, plan_groups
from bot.storage.breakouts import BreakoutRepository
from cogs._shared import BUTTON_FOR_FACILITATORS

# Under Discord's buckets opening rooms takes tens of seconds of SimCord's clock (5 channel creations
# and 10 moves per 10 s); the layer drives those waits whatever the settle's timeout. The timeout is the
# budget for the bot's own work in one action (30 people moved and brought back: up to 5 s of CPU on a
# busy 2-core machine, on PostgreSQL). It is also how far ahead SimCord waits in real time for the bot's
# own timers (a scheduler job coming due): so no more than that budget (at 45 s one settle once waited
# 34 s for the daily privacy job).
pytestmark = pytest.mark.simcord(settle_timeout=15)

ROLES = ["lay", "lay", "clinician", "gp", "commissioner", "researcher", "manager", "lay"]


async def _crowd(community, n: int, facilitators: int = 3, *, in_voice: bool = True, unroled: int = 0):
    """``n`` members with mixed roles (set through /members set), plus facilitators, all in the main voice."""
    await community.configure()
    people = []
    roles = {}
    for i in range(facilitators):
        people.append(community.add_member(f"fac{i}", facilitator=True, global_name=f"Fac {i}"))
    for i, role in zip(range(n - facilitators), itertools.cycle(ROLES), strict=False):
        member = community.add_member(f"member{i}", global_name=f"Member {i}")
        if i >= n - facilitators - unroled:
            role = None
        else:
            result = await community.admin.slash(community.meeting, "members set", member=member, role=role)
            assert "role is now" in result.response.content
        roles[member.id] = role or "other"
        people.append(member)
    if in_voice:
        for member in people:
            await member.join_voice(community.voice)
    return people, roles


def _breakout_channels(env, community):
    guild = env.backend.get_guild(community.guild.id)
    return [env.backend.channels[c] for c in guild.channel_ids if env.backend.channels[c].name in _ROOM_NAMES]


_ROOM_NAMES = {"Breakouts", *(f"Group {i}" for i in range(1, 60))}


async def _plan(community, size: int, **options):
    result = await community.facilitator.slash(community.meeting, "breakout plan", size=size, **options)
    assert result.response is not None
    return result


async def _open(member, plan, minutes: int = 0):
    """Press **Open rooms** under a plan and send its form with a timer (0: none); returns the result."""
    form = await member.click(plan.response, label="Open rooms")
    assert form.modal is not None, form.response
    return await member.submit_modal(form, {"minutes": [str(minutes)]})


def _groups_now(env, community, people):
    """Voice channel id → member ids, from SimCord's voice states."""
    states = community.guild.voice_states()
    by_room: dict[int, list[int]] = {}
    for m in people:
        by_room.setdefault(states[m.id].channel_id, []).append(m.id)
    return by_room


async def test_plan_open_close_mixes_people_and_uses_history(simcord_env, community):
    people, roles = await _crowd(community, 30, facilitators=6, unroled=2)
    fac_ids = {m.id for m in people[:6]}
    a, b = people[8], people[9]
    ok = await community.facilitator.slash(community.meeting, "breakout keep-apart", member_a=a, member_b=b)
    assert "will never be" in ok.response.content

    result = await _plan(community, 5)
    text = result.response.content
    assert result.response.ephemeral
    assert "Group 6" in text and "★" in text
    assert "2 members have not chosen a role yet and counted as Other" in text
    assert "Every group has a facilitator." in text

    opened = await _open(community.facilitator, result)
    final = opened.response.content
    assert "Breakout rooms are open: 6 rooms" in final, final

    rooms = [c for c in _breakout_channels(simcord_env, community) if c.name != "Breakouts"]
    category = [c for c in _breakout_channels(simcord_env, community) if c.name == "Breakouts"]
    assert len(rooms) == 6 and len(category) == 1
    assert all(r.parent_id == category[0].id for r in rooms)
    by_room = _groups_now(simcord_env, community, people)
    assert set(by_room) == {r.id for r in rooms}
    sizes = [len(v) for v in by_room.values()]
    assert max(sizes) - min(sizes) <= 1
    for members in by_room.values():
        assert len(fac_ids & set(members)) == 1  # 6 facilitators, 6 groups: one each
        assert not {a.id, b.id} <= set(members)
        counts = Counter(roles[m] for m in members if m not in fac_ids)
        assert counts["lay"] in (1, 2)  # 9 lay people over 6 groups: 1 or 2 each
    # Each room's chat lists its group and a prompt.
    first = simcord_env.backend.channels[rooms[0].id]
    notes = community.guild.channels[first.name].history()
    assert "To talk about" in notes[-1].content

    closed = await community.facilitator.slash(community.meeting, "breakout close")
    assert "30 people brought back" in closed.response.content
    states = community.guild.voice_states()
    assert all(states[m.id].channel_id == community.voice.id for m in people)
    assert _breakout_channels(simcord_env, community) == []

    # The meeting was recorded, and the next plan knows who met whom: fewer repeats than a plan without it.
    repo = BreakoutRepository(simcord_env.bot.db)
    history = await repo.history(community.guild.id)
    assert history.meeting_count == 1
    met = {frozenset(p) for g in history.meetings()[0] for p in itertools.combinations(g, 2)}
    assert sorted(map(sorted, history.meetings()[0])) == sorted(map(sorted, by_room.values()))
    again = await _plan(community, 5)
    assert "Nobody is grouped with someone they were grouped with at the last meeting." in again.response.content
    planned = await repo.latest_planned(community.guild.id)
    participants = participants_from_plan(planned.groups)
    blind = plan_groups(participants, size=5, constraints=Constraints([(a.id, b.id)]), seed=planned.seed)

    def repeats(groups) -> int:
        return sum(frozenset(p) in met for g in groups for p in itertools.combinations(g, 2))

    with_history = repeats([[m.user_id for m in g] for g in planned.groups])
    without_history = repeats([[p.id for p in g] for g in blind.groups])
    assert with_history < without_history, (with_history, without_history)


async def test_non_facilitators_are_refused_everywhere(simcord_env, community):
    people, _ = await _crowd(community, 12, facilitators=2)
    member = people[-1]
    assert not any(c.startswith("breakout") for c in member.available_commands(community.meeting))
    community.show_facilitator_commands(community.facilitator_role, member)  # shown to them by mistake
    for command, options in [
        ("breakout plan", {"size": 3}),
        ("breakout open", {}),
        ("breakout close", {}),
        ("breakout broadcast", {"message": "hi"}),
        ("breakout keep-apart", {"member_a": people[2], "member_b": people[3]}),
        ("breakout keep-apart-list", {}),
        ("breakout keep-apart-remove", {"member_a": people[2], "member_b": people[3]}),
    ]:
        result = await member.slash(community.meeting, command, **options)
        assert result.response.content.startswith("Sorry, only facilitators"), command

    # A facilitator who loses the role can no longer use the plan's buttons.
    plan = await _plan(community, 3)
    other_role = community.guild.create_role("New facilitators")
    await community.configure(facilitator_role=other_role)
    for label in ("Open rooms", "Reshuffle", "Cancel"):
        clicked = await community.facilitator.click(plan.response, label=label)
        assert clicked.response.content == BUTTON_FOR_FACILITATORS, label
    assert _breakout_channels(simcord_env, community) == []


async def test_bad_sizes_and_same_member_twice(simcord_env, community):
    people, _ = await _crowd(community, 6, facilitators=1)
    too_big = await _plan(community, 7)
    assert "only 7 members" in too_big.response.content or "fewer than a group of 7" in too_big.response.content
    for size in (1, 26):
        out = await _plan(community, size)
        assert out.response.content == "Please choose a group size from 2 to 25 people."
    no_size = await community.facilitator.slash(community.meeting, "breakout plan")
    assert no_size.response.content == "Please say how many people you want in each group, from 2 to 25."
    same = await community.facilitator.slash(
        community.meeting, "breakout keep-apart", member_a=people[1], member_b=people[1]
    )
    assert same.response.content == "Please choose two different members to keep apart."
    listed = await community.facilitator.slash(community.meeting, "breakout keep-apart-list")
    assert listed.response.content.startswith("Nobody is kept apart")


async def test_keep_apart_list_and_remove(simcord_env, community):
    people, _ = await _crowd(community, 6, facilitators=1, in_voice=False)
    await community.facilitator.slash(community.meeting, "breakout keep-apart", member_a=people[1], member_b=people[2])
    listed = await community.facilitator.slash(community.meeting, "breakout keep-apart-list")
    assert f"<@{people[1].id}>" in listed.response.content and "1." in listed.response.content
    removed = await community.facilitator.slash(
        community.meeting, "breakout keep-apart-remove", member_a=people[2], member_b=people[1]
    )
    assert "may be put in the same group again" in removed.response.content
    again = await community.facilitator.slash(
        community.meeting, "breakout keep-apart-remove", member_a=people[2], member_b=people[1]
    )
    assert "are not kept apart, so nothing was changed" in again.response.content


async def test_missing_move_members_is_refused_before_anything_is_created(simcord_env, community):
    await _crowd(community, 8, facilitators=2)
    plan = await _plan(community, 4)
    # World set-up: the server admin takes Move Members away from the bot's own role.
    bot_role = community.guild.roles[simcord_env.bot.user.name]
    backend_role = simcord_env.backend.get_role(community.guild.id, bot_role.id)
    perms = discord.Permissions(backend_role.permissions)
    perms.move_members = False
    simcord_env.backend.edit_role(community.guild.id, bot_role.id, {"permissions": perms.value})
    await simcord_env.advance_time(0.1)

    clicked = await community.facilitator.click(plan.response, label="Open rooms")
    answer = clicked.followups[-1].content if clicked.followups else clicked.response.content
    assert answer.startswith("I need the Move Members permission"), answer
    assert _breakout_channels(simcord_env, community) == []
    opened = await community.facilitator.slash(community.meeting, "breakout open")
    assert opened.response.content.startswith("I need the Move Members permission")


async def test_discord_error_while_creating_rooms_leaves_nothing(simcord_env, community):
    people, _ = await _crowd(community, 10, facilitators=2)
    await _plan(community, 5)
    simcord_env.inject_error("POST", "/guilds/*/channels", status=500, times=None)
    opened = await community.facilitator.slash(community.meeting, "breakout open")
    text = opened.response.content
    assert "Discord had a problem while I was making the breakout rooms" in text, text
    assert _breakout_channels(simcord_env, community) == []
    states = community.guild.voice_states()
    assert all(states[m.id].channel_id == community.voice.id for m in people)
    simcord_env.backend.faults.clear()
    retry = await community.facilitator.slash(community.meeting, "breakout open")
    assert "Breakout rooms are open: 2 rooms" in retry.response.content


async def test_timer_warns_then_closes_and_broadcast_reaches_every_room(simcord_env, community):
    people, _ = await _crowd(community, 12, facilitators=3)
    await _plan(community, 4)
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        opened = await community.facilitator.slash(community.meeting, "breakout open", minutes=5)
        assert "close" in opened.response.content
        rooms = [c for c in _breakout_channels(simcord_env, community) if c.name != "Breakouts"]
        assert len(rooms) == 3

        sent = await community.facilitator.slash(
            community.meeting, "breakout broadcast", message="Halfway there @everyone"
        )
        assert sent.response.content == "Sent to 3 of 3 rooms."
        for room in rooms:
            last = community.guild.channels[room.name].last_message
            assert "Halfway there" in last.content

        t.shift(3 * 60 + 30)
        await simcord_env.advance_time(3 * 60 + 30)
        for room in rooms:
            assert "left" not in community.guild.channels[room.name].last_message.content
        t.shift(40)
        await simcord_env.advance_time(40)
        for room in rooms:
            assert "One minute left" in community.guild.channels[room.name].last_message.content
        t.shift(60)
        await simcord_env.advance_time(60)
    assert _breakout_channels(simcord_env, community) == []
    states = community.guild.voice_states()
    assert all(states[m.id].channel_id == community.voice.id for m in people)
    assert "Time is up" in community.facilitators.last_message.content
    assert not any("Time is up" in m.content for m in community.meeting.history())


async def test_timer_note_falls_back_to_the_meeting_channel(simcord_env, community):
    await _crowd(community, 6, facilitators=2)
    # The facilitators chose a private channel but never let copbot in.
    hidden = community.private_channel("facilitators-only", bot_can_post=False)
    await community.configure(facilitator_channel=hidden)
    await _plan(community, 3)
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        await community.facilitator.slash(community.meeting, "breakout open", minutes=2)
        t.shift(2 * 60)
        await simcord_env.advance_time(2 * 60)
    assert _breakout_channels(simcord_env, community) == []
    assert "Time is up" in community.meeting.last_message.content
    assert hidden.history() == []


async def test_close_after_restart_still_cleans_up(simcord_env, community, restart):
    people, _ = await _crowd(community, 10, facilitators=2)
    await _plan(community, 5)
    await community.facilitator.slash(community.meeting, "breakout open")
    assert len(_breakout_channels(simcord_env, community)) == 3
    await restart()
    twice = await community.facilitator.slash(community.meeting, "breakout plan", size=5)
    assert "Breakout plan" in twice.response.content  # planning is allowed, opening is not
    refused = await community.facilitator.slash(community.meeting, "breakout open")
    assert refused.response.content.startswith("Breakout rooms are already open")
    closed = await community.facilitator.slash(community.meeting, "breakout close")
    assert "10 people brought back" in closed.response.content
    assert _breakout_channels(simcord_env, community) == []
    states = community.guild.voice_states()
    assert all(states[m.id].channel_id == community.voice.id for m in people)


async def test_members_not_in_voice_are_told_their_room(simcord_env, community):
    people, _ = await _crowd(community, 8, facilitators=2, in_voice=False)
    plan = await _plan(community, 4)
    assert "Drawn from everyone who has chosen a role" in plan.response.content
    # fac0 and fac1 have no stakeholder role, so only the 6 members with roles are planned.
    opened = await community.facilitator.slash(community.meeting, "breakout open")
    assert "6 people who were not in voice got a message" in opened.response.content
    dm = people[2].user.dm_channel.history()[-1]
    assert "Your group is [Group" in dm.content


def _in_rooms(community, people) -> dict[int, str]:
    """Member id → the name of the voice channel they are in now."""
    states = community.guild.voice_states()
    names = {c.id: name for name, c in community.guild.channels.items()}
    return {m.id: names.get(states[m.id].channel_id) for m in people if m.id in states}


def _discord_refuses(env, method: str, path: str, *, code: int = 50013, message: str = "Missing Permissions"):
    """World set-up: Discord answers this request with a 403 for the rest of the test."""
    env.inject_error(method, path, status=403, code=code, message=message, times=None)


def _group_index(session, member) -> int:
    """Which of the session's groups (from 0) the member is in."""
    return next(i for i, group in enumerate(session.groups) if member.id in {m.user_id for m in group})


def _channel_creation_fails_after(env, name: str) -> list[str]:
    """World set-up: Discord starts refusing new channels (a lasting 500) as soon as ``name`` exists.

    A backend subscriber sees each creation the moment it happens, before the bot's next request, so
    which creation fails is exact. Returns the names created, in order.
    """
    made: list[str] = []

    def watch(event: str, payload) -> None:
        if event == "CHANNEL_CREATE" and payload.get("guild_id") is not None:
            made.append(payload["name"])
            if made.count(name) == 1 and payload["name"] == name:  # once: a retry later succeeds
                env.backend.faults.append(
                    {
                        "method": "POST",
                        "path": "/guilds/*/channels",
                        "status": 500,
                        "code": 0,
                        "message": "Internal Server Error",
                        "times": None,
                    }
                )

    env.backend.subscribers.append(watch)
    return made


async def test_failure_part_way_through_creating_rooms_removes_what_was_made(simcord_env, community):
    people, _ = await _crowd(community, 12, facilitators=3)
    await _plan(community, 4)  # three groups
    made = _channel_creation_fails_after(simcord_env, "Group 2")  # so creating Group 3 fails
    opened = await community.facilitator.slash(community.meeting, "breakout open")
    assert made == ["Breakouts", "Group 1", "Group 2"]
    # Moves start as soon as Group 1 exists, so some people may already be in it: they are brought back.
    text = opened.response.content
    assert text.startswith(
        "Discord had a problem while I was making the breakout rooms, so I removed the ones I had made and "
    ), text
    assert text.endswith(". Please try `/breakout open` again in a moment."), text
    assert "nobody was moved" in text or "brought back the" in text
    # As before: no rooms, nobody left moved or messaged, the plan still waiting, no meeting recorded.
    assert _breakout_channels(simcord_env, community) == []
    assert set(_in_rooms(community, people).values()) == {"Meeting room"}
    assert not any("Breakout groups have started" in dm.content for m in people for dm in m.user.dm_channel.history())
    repo = BreakoutRepository(simcord_env.bot.db)
    assert (await repo.latest_planned(community.guild.id)) is not None
    assert await repo.live(community.guild.id) is None
    assert await repo.meeting_count(community.guild.id) == 0

    simcord_env.backend.faults.clear()
    retry = await community.facilitator.slash(community.meeting, "breakout open")
    assert "Breakout rooms are open: 3 rooms, 12 people moved." in retry.response.content


async def test_a_member_who_cannot_be_moved_is_told_their_room(simcord_env, community):
    people, _ = await _crowd(community, 8, facilitators=2)
    await _plan(community, 4)
    stuck = people[4]
    _discord_refuses(simcord_env, "PATCH", f"/guilds/{community.guild.id}/members/{stuck.id}")
    opened = await community.facilitator.slash(community.meeting, "breakout open")
    text = opened.response.content
    assert "Breakout rooms are open: 2 rooms, 7 people moved." in text, text
    assert "I could not move 1 person (Member 2), so I told them their room." in text, text
    where = _in_rooms(community, people)
    assert where.pop(stuck.id) == "Meeting room"
    assert all(name.startswith("Group ") for name in where.values())
    repo = BreakoutRepository(simcord_env.bot.db)
    session = await repo.live(community.guild.id)
    number = _group_index(session, stuck) + 1
    assert f"Your group is [Group {number}](" in stuck.user.dm_channel.last_message.content


async def test_a_member_whose_dms_are_closed_is_named_in_the_meeting_channel(simcord_env, community):
    people, _ = await _crowd(community, 8, facilitators=2, in_voice=False)
    await _plan(community, 4)
    closed = people[3]
    _discord_refuses(
        simcord_env,
        "POST",
        f"/channels/{closed.user.dm_channel.id}/messages",
        code=50007,
        message="Cannot send messages to this user",
    )
    opened = await community.facilitator.slash(community.meeting, "breakout open")
    text = opened.response.content
    assert "5 people who were not in voice got a message telling them their room." in text, text
    assert "1 person could not get a direct message, so I named them in the meeting channel." in text, text
    note = community.meeting.last_message
    assert note.content.startswith("Breakout groups have started. Please join your room:")
    session = await BreakoutRepository(simcord_env.bot.db).live(community.guild.id)
    room = session.channel_ids[_group_index(session, closed)]
    assert f"<@{closed.id}>: <#{room}>" in note.content
    assert [u.id for u in note.mentions] == [closed.id]  # only the person named is pinged


async def test_a_room_that_cannot_be_deleted_is_named_and_close_finishes(simcord_env, community):
    people, _ = await _crowd(community, 12, facilitators=3)
    await _plan(community, 4)
    await community.facilitator.slash(community.meeting, "breakout open")
    stubborn = community.guild.channels["Group 2"]
    _discord_refuses(simcord_env, "DELETE", f"/channels/{stubborn.id}")
    closed = await community.facilitator.slash(community.meeting, "breakout close")
    assert closed.response.content == (
        f"Breakout rooms closed: 12 people brought back to {community.voice.mention}. Discord would not let me "
        f"remove {stubborn.mention}, so please delete it by hand."
    )
    assert set(_in_rooms(community, people).values()) == {"Meeting room"}
    assert [c.name for c in _breakout_channels(simcord_env, community)] == ["Group 2"]
    repo = BreakoutRepository(simcord_env.bot.db)
    assert await repo.live(community.guild.id) is None
    assert await repo.meeting_count(community.guild.id) == 1
    again = await community.facilitator.slash(community.meeting, "breakout close")
    assert again.response.content == "There are no breakout rooms open right now."


async def test_whoever_has_met_the_regulars_who_are_away_takes_the_smaller_group(simcord_env, community):
    """/breakout plan looks ahead to the people expected next time (recent attendees with a role), even
    when they are not here today: "Full" met four of them last time, so of the two lay members today it is
    Full, not Twin, who takes the group of 4 (equally good today either way; with the saturation
    tie-break switched off, Twin got it in 4 runs of 4)."""
    await community.configure()
    set_role = {}

    async def member(name: str, role: str):
        person = community.add_member(name.lower(), global_name=name)
        result = await community.admin.slash(community.meeting, "members set", member=person, role=role)
        assert "role is now" in result.response.content
        set_role[person.id] = role
        return person

    full = await member("Full", "lay")
    away = [await member(f"Away {k}", role) for k, role in enumerate(["gp", "clinician", "manager", "researcher"])]
    for person in [full, *away]:
        await person.join_voice(community.voice)
    first = await _plan(community, 5)
    await _open(community.facilitator, first)
    closed = await community.facilitator.slash(community.meeting, "breakout close")
    assert "5 people brought back" in closed.response.content
    for person in away:
        await person.leave_voice()

    twin = await member("Twin", "lay")
    others = [await member(f"Today {k}", role) for k, role in enumerate(["gp", "clinician", "commissioner"])]
    others += [await member(f"Today {k}", role) for k, role in [(3, "manager"), (4, "researcher"), (5, "facilitator")]]
    others.append(community.add_member("today6", global_name="Today 6"))  # no role: counted as Other
    for person in [twin, *others]:
        await person.join_voice(community.voice)

    result = await _plan(community, 5)
    text = result.response.content
    shown = [section.split("\n\n")[0].splitlines()[1:] for section in text.split("**Group ")[1:]]
    size_of = {name: len(group) for group in shown for name in ("Full", "Twin") if any(name in m for m in group)}
    assert size_of == {"Full": 4, "Twin": 5}, text
    assert "Nobody is grouped with someone they were grouped with at the last meeting." in text
    planned = await BreakoutRepository(simcord_env.bot.db).latest_planned(community.guild.id)
    assert {len(g) for g in planned.groups if any(m.user_id == full.id for m in g)} == {4}
