"""Rooms as good as Zoom's (issue #19): ask for help, more time, recreate the last groups, move one person,
late joiners, all through SimCord, and still working after a restart."""

from __future__ import annotations

import re

import discord
import pytest
import time_machine
from test_breakouts import _crowd, _plan

from bot.storage.breakouts import BreakoutRepository
from cogs._shared import BUTTON_FOR_FACILITATORS

pytestmark = pytest.mark.simcord(settle_timeout=15)  # as test_breakouts.py


def _room(community, number: int):
    return community.guild.channels[f"Group {number}"]


def _note(community, number: int):
    """The welcome note in a room's chat (it carries the "Ask for help" button)."""
    (note,) = [m for m in _room(community, number).history() if m.content.startswith("**Welcome to")]
    return note


def _end_stamp(text: str) -> int:
    (stamp,) = {int(x) for x in re.findall(r"<t:(\d+):R>", text)}
    return stamp


async def _session(env, community):
    return await BreakoutRepository(env.bot.db).live(community.guild.id)


def _group_number(session, member) -> int:
    return next(i for i, g in enumerate(session.groups, start=1) if any(m.user_id == member.id for m in g))


def _members_of(session, number: int) -> list:
    return [m.user_id for m in session.groups[number - 1]]


def _voice_room(community, member) -> int | None:
    state = community.guild.voice_states().get(member.id)
    return state.channel_id if state else None


def _make_mentionable(env, community) -> None:
    """World set-up: the server admin lets anyone mention the Facilitators role (Discord's role setting)."""
    env.backend.edit_role(community.guild.id, community.facilitator_role.id, {"mentionable": True})


def _pings(env, message) -> tuple[list[int], list[int], bool]:
    """Who Discord notified for a message: (users, roles, everyone)."""
    stored = env.backend.get_message(message.channel.id, message.id)
    return stored.ping_user_ids, stored.ping_role_ids, stored.mention_everyone


async def test_ask_for_help_calls_the_facilitator_role_and_tells_the_member_someone_is_coming(simcord_env, community):
    people, _ = await _crowd(community, 12, facilitators=3)
    _make_mentionable(simcord_env, community)
    await _plan(community, 4)
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        await community.facilitator.slash(community.meeting, "breakout open")
        session = await _session(simcord_env, community)
        asker = next(p for p in people if p.id == _members_of(session, 1)[-1])
        other = next(p for p in people if p.id == _members_of(session, 1)[-2])
        before = len(community.facilitators.history())

        asked = await asker.click(_note(community, 1), label="Ask for help")
        assert asked.response.ephemeral
        assert asked.response.content == (
            "Thank you. I have asked a facilitator to come to Group 1. Someone is on their way."
        )
        posts = community.facilitators.history()[before:]
        assert len(posts) == 1
        post = posts[0]
        room = _room(community, 1)
        # The call mentions the facilitator role (copbot's words, not typed text) and names the room as a
        # channel link, the room the asker sits in; Discord notifies that role and nobody else.
        assert post.content.startswith(f"<@&{community.facilitator_role.id}> <#{room.id}> would like a facilitator")
        assert [r.id for r in post.role_mentions] == [community.facilitator_role.id]
        assert _pings(simcord_env, post) == ([], [community.facilitator_role.id], False)
        assert _voice_room(community, asker) == room.id

        # A second press in the same room within the window asks nobody again, and says so kindly.
        again = await other.click(_note(community, 1), label="Ask for help")
        assert again.response.content.startswith("A facilitator has already been asked to come to Group 1")
        assert "Someone is on their way" in again.response.content
        assert len(community.facilitators.history()) == before + 1

        # Another room has its own window.
        someone_in_2 = next(p for p in people if p.id == _members_of(session, 2)[-1])
        await someone_in_2.click(_note(community, 2), label="Ask for help")
        assert f"<#{_room(community, 2).id}>" in community.facilitators.last_message.content
        assert len(community.facilitators.history()) == before + 2

        # After the window (3 minutes by default) Group 1 may ask again.
        t.shift(3 * 60 + 1)
        await simcord_env.advance_time(3 * 60 + 1)
        third = await other.click(_note(community, 1), label="Ask for help")
        assert "I have asked a facilitator" in third.response.content
        assert len(community.facilitators.history()) == before + 3


async def test_ask_for_help_names_the_facilitators_when_their_role_cannot_be_mentioned(simcord_env, community):
    """Discord pings a role only if it is mentionable (or the bot may mention all roles, which copbot does
    not ask for): then the call names the role's members, so it still reaches them."""
    people, _ = await _crowd(community, 8, facilitators=2)
    # World set-up: copbot's role has exactly what its invite asks for, so not "Mention All Roles".
    bot_role = community.guild.roles[simcord_env.bot.user.name]
    perms = discord.Permissions(simcord_env.backend.get_role(community.guild.id, bot_role.id).permissions)
    perms.mention_everyone = False
    simcord_env.backend.edit_role(community.guild.id, bot_role.id, {"permissions": perms.value})
    await simcord_env.advance_time(0.1)
    await _plan(community, 4)
    await community.facilitator.slash(community.meeting, "breakout open")
    session = await _session(simcord_env, community)
    asker = next(p for p in people if p.id == _members_of(session, 2)[-1])
    await asker.click(_note(community, 2), label="Ask for help")
    post = community.facilitators.last_message
    assert post.content.startswith(f"<@&{community.facilitator_role.id}> <#{_room(community, 2).id}>")
    facilitators = sorted([community.facilitator.id, *(p.id for p in people[:2])])
    users, roles, everyone = _pings(simcord_env, post)
    assert sorted(users) == facilitators and roles == [] and not everyone, (post.content, users, roles)


async def test_ask_for_help_without_anywhere_to_post_is_not_counted(simcord_env, community):
    people, _ = await _crowd(community, 6, facilitators=2)
    hidden = community.private_channel("facilitators-only", bot_can_post=False)
    locked = community.private_channel("meeting-locked", bot_can_post=False)
    await community.configure(facilitator_channel=hidden, meeting_channel=locked)
    await _plan(community, 3)
    await community.facilitator.slash(community.questions, "breakout open")
    session = await _session(simcord_env, community)
    asker = next(p for p in people if p.id == _members_of(session, 1)[-1])
    first = await asker.click(_note(community, 1), label="Ask for help")
    assert first.response.content == "I could not reach the facilitators just now. Please try again in a moment."
    # Nothing was recorded, so the next press tries again rather than saying someone was asked.
    second = await asker.click(_note(community, 1), label="Ask for help")
    assert second.response.content.startswith("I could not reach the facilitators")


async def test_add_five_minutes_moves_the_warning_and_the_close_and_shows_the_new_end(simcord_env, community):
    people, _ = await _crowd(community, 12, facilitators=3)
    await _plan(community, 4)
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        opened = await community.facilitator.slash(community.meeting, "breakout open", minutes=5)
        first_end = _end_stamp(opened.response.content)
        assert _end_stamp(_note(community, 1).content) == first_end

        t.shift(2 * 60)
        await simcord_env.advance_time(2 * 60)
        added = await community.facilitator.click(opened.response, label="Add 5 minutes")
        new_end = first_end + 5 * 60
        assert f"<t:{new_end}:R>" in added.followups[-1].content
        # The facilitator's reply and every room's note show the new end; each room is told.
        assert _end_stamp(opened.response.content) == new_end
        for number in (1, 2, 3):
            assert _end_stamp(_note(community, number).content) == new_end
            assert "5 more minutes" in _room(community, number).last_message.content
        assert _end_stamp(_timer_note(community).content) == new_end

        # Past the old warning and the old close: nothing happens.
        t.shift(3 * 60 + 30)
        await simcord_env.advance_time(3 * 60 + 30)
        assert not any("left" in m.content for m in _room(community, 1).history())
        assert (await _session(simcord_env, community)) is not None
        # One minute before the new end: the warning; at the new end: everyone back.
        t.shift(4 * 60)
        await simcord_env.advance_time(4 * 60)
        assert "One minute left" in _room(community, 1).last_message.content
        t.shift(60)
        await simcord_env.advance_time(60)
    assert await _session(simcord_env, community) is None
    assert all(_voice_room(community, m) == community.voice.id for m in people)
    assert "Time is up" in community.facilitators.last_message.content


def _timer_note(community):
    """The facilitators' note with the end time and "Add 5 minutes" (every facilitator sees it)."""
    (note,) = [
        m
        for m in community.facilitators.history()
        if m.content.startswith(("**Breakout rooms are open**", "The breakout rooms have closed"))
    ]
    return note


async def test_any_facilitator_can_add_time_from_the_facilitators_channel(simcord_env, community):
    await _crowd(community, 8, facilitators=2)
    await _plan(community, 4)
    with time_machine.travel(simcord_env.now(), tick=False):
        opened = await community.facilitator.slash(community.meeting, "breakout open", minutes=10)
        end = _end_stamp(opened.response.content)
        note = _timer_note(community)
        assert "**Breakout rooms are open** (2 rooms)" in note.content and _end_stamp(note.content) == end
        # Someone else than the facilitator who opened the rooms (their reply is private to them).
        added = await community.admin.click(note, label="Add 5 minutes")
        assert f"<t:{end + 300}:R>" in added.followups[-1].content
        assert _end_stamp(_timer_note(community).content) == end + 300
        assert _end_stamp(_note(community, 2).content) == end + 300
        await community.facilitator.slash(community.meeting, "breakout close")
    closed = _timer_note(community)
    assert closed.content == "The breakout rooms have closed." and not closed.components
    # The opener's private reply still has the button; after closing it changes nothing, and says so.
    late = await community.facilitator.click(opened.response, label="Add 5 minutes")
    assert late.followups[-1].content == "There are no breakout rooms open right now."


async def test_after_a_restart_the_room_buttons_and_the_new_end_still_work(simcord_env, community, restart):
    people, _ = await _crowd(community, 8, facilitators=2)
    await _plan(community, 4)
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        opened = await community.facilitator.slash(community.meeting, "breakout open", minutes=3)
        end = _end_stamp(opened.response.content)
        await restart()
        added = await community.facilitator.click(opened.response, label="Add 5 minutes")
        assert f"<t:{end + 300}:R>" in added.followups[-1].content
        session = await _session(simcord_env, community)
        asker = next(p for p in people if p.id == _members_of(session, 2)[-1])
        helped = await asker.click(_note(community, 2), label="Ask for help")
        assert "I have asked a facilitator to come to Group 2" in helped.response.content
        await restart()  # the moved end and the help request are in the database
        again = await asker.click(_note(community, 2), label="Ask for help")
        assert again.response.content.startswith("A facilitator has already been asked")
        t.shift(3 * 60 + 5)
        await simcord_env.advance_time(3 * 60 + 5)
        assert await _session(simcord_env, community) is not None  # the old end passed: still open
        t.shift(4 * 60)  # 7:05 after opening: one minute before the new end
        await simcord_env.advance_time(4 * 60)
        assert "One minute left" in _room(community, 2).last_message.content
        t.shift(60)
        await simcord_env.advance_time(60)
    assert await _session(simcord_env, community) is None
    assert all(_voice_room(community, m) == community.voice.id for m in people)


async def test_facilitator_only_room_actions_refuse_others(simcord_env, community):
    people, _ = await _crowd(community, 8, facilitators=2)
    await _plan(community, 4)
    opened = await community.facilitator.slash(community.meeting, "breakout open", minutes=10)
    member = people[-1]
    community.show_facilitator_commands(community.facilitator_role, member)  # shown to them by mistake
    moved = await member.slash(community.meeting, "breakout move", member=people[-2], group=1)
    assert moved.response.content.startswith("Sorry, only facilitators")
    # A facilitator who loses the role cannot add time any more.
    await community.configure(facilitator_role=community.guild.create_role("New facilitators"))
    refused = await community.facilitator.click(opened.response, label="Add 5 minutes")
    assert refused.response.content == BUTTON_FOR_FACILITATORS
    session = await _session(simcord_env, community)
    assert _end_stamp(opened.response.content) == int(session.ends_at.timestamp())


async def test_move_puts_one_person_in_another_room_and_history_records_it(simcord_env, community):
    people, _ = await _crowd(community, 12, facilitators=3)
    await _plan(community, 4)
    await community.facilitator.slash(community.meeting, "breakout open")
    session = await _session(simcord_env, community)
    mover = next(p for p in people if p.id == _members_of(session, 1)[-1])
    group1 = set(_members_of(session, 1))

    bad = await community.facilitator.slash(community.meeting, "breakout move", member=mover, group=4)
    assert bad.response.content == "Please choose a group from 1 to 3: there are 3 groups open."
    same = await community.facilitator.slash(community.meeting, "breakout move", member=mover, group=1)
    assert same.response.content == "They are already in Group 1, so nothing was changed."

    done = await community.facilitator.slash(community.meeting, "breakout move", member=mover, group=3)
    shown = simcord_env.bot.get_guild(community.guild.id).get_member(mover.id).display_name
    assert done.response.content == f"Moved {shown} from Group 1 to Group 3."
    assert _voice_room(community, mover) == _room(community, 3).id
    assert "has joined this group" in _room(community, 3).last_message.content
    session = await _session(simcord_env, community)
    assert mover.id in _members_of(session, 3) and mover.id not in _members_of(session, 1)
    group3 = set(_members_of(session, 3))

    await community.facilitator.slash(community.meeting, "breakout close")
    history = await BreakoutRepository(simcord_env.bot.db).history(community.guild.id)
    (meeting,) = history.meetings()
    # They met the people of both rooms, so the history (what the next plan learns from) has them in both.
    assert [set(g) for g in meeting if mover.id in g] == [group1, group3]
    assert sum(len(g) for g in meeting) == 13


async def test_move_respects_keep_apart(simcord_env, community):
    people, _ = await _crowd(community, 8, facilitators=2)
    await _plan(community, 4)
    await community.facilitator.slash(community.meeting, "breakout open")
    session = await _session(simcord_env, community)
    a = next(p for p in people if p.id == _members_of(session, 1)[-1])
    b = next(p for p in people if p.id == _members_of(session, 2)[-1])
    await community.facilitator.slash(community.meeting, "breakout keep-apart", member_a=a, member_b=b)
    refused = await community.facilitator.slash(community.meeting, "breakout move", member=a, group=2)
    assert "kept apart from someone in Group 2" in refused.response.content
    assert _voice_room(community, a) == _room(community, 1).id


async def test_late_joiner_is_placed_in_the_best_group_and_moved(simcord_env, community):
    people, _ = await _crowd(community, 11, facilitators=3)  # groups of 4, 4 and 3
    await _plan(community, 4)
    await community.facilitator.slash(community.meeting, "breakout open")
    session = await _session(simcord_env, community)
    smallest = min(range(1, 4), key=lambda n: (len(session.groups[n - 1]), n))
    assert len(session.groups[smallest - 1]) == 3

    late = community.add_member("latecomer", global_name="Lou Late")
    await community.admin.slash(community.meeting, "members set", member=late, role="gp")
    await late.join_voice(community.voice)
    assert _voice_room(community, late) == _room(community, smallest).id
    assert _room(community, smallest).last_message.content == "**Lou Late** has joined this group."
    session = await _session(simcord_env, community)
    assert late.id in _members_of(session, smallest)

    # Someone who leaves their room for the main channel on purpose is left there.
    # (Group 1's last planned member: the late joiner may have gone to group 1 too.)
    back = next(p for p in people if p.id == [m for m in _members_of(session, 1) if m != late.id][-1])
    await back.join_voice(community.voice)
    assert _voice_room(community, back) == community.voice.id

    # A planned member who was not in voice at the start is sent to their own group when they arrive.
    await back.leave_voice()
    await back.join_voice(community.voice)
    assert _voice_room(community, back) == _room(community, 1).id

    # The facilitator who made the plan hosts the main channel: joining it does not send them away.
    await community.facilitator.join_voice(community.voice)
    assert _voice_room(community, community.facilitator) == community.voice.id
    assert community.facilitator.id not in {
        m for n in (1, 2, 3) for m in _members_of(await _session(simcord_env, community), n)
    }


async def test_reuse_last_recreates_the_groups_with_todays_people(simcord_env, community):
    people, _ = await _crowd(community, 12, facilitators=3)
    await _plan(community, 4)
    await community.facilitator.slash(community.meeting, "breakout open")
    await community.facilitator.slash(community.meeting, "breakout close")
    last = (await BreakoutRepository(simcord_env.bot.db).history(community.guild.id)).meetings()[-1]

    absent = next(p for p in people if p.id == last[1][-1])
    await absent.leave_voice()
    newcomer = community.add_member("newbie", global_name="Nia New")
    await community.admin.slash(community.meeting, "members set", member=newcomer, role="lay")
    await newcomer.join_voice(community.voice)

    # The last groups come back as they were: no size is asked for, since none would be used.
    planned = await community.facilitator.slash(community.meeting, "breakout plan", reuse="last")
    text = planned.response.content
    name = simcord_env.bot.get_guild(community.guild.id).get_member(absent.id).display_name
    assert f"Not here today, so left out: {name}." in text, text
    session = await BreakoutRepository(simcord_env.bot.db).latest_planned(community.guild.id)
    groups = [[m.user_id for m in g] for g in session.groups]
    # The group that lost someone is the only smaller one, so the newcomer joins it.
    number = next(i for i, g in enumerate(groups, start=1) if newcomer.id in g)
    assert f"New today, so added: Nia New (Group {number})." in text, text
    expected = [[u for u in g if u != absent.id] for g in last]
    expected[[absent.id in g for g in last].index(True)].append(newcomer.id)
    assert sorted(map(sorted, groups)) == sorted(map(sorted, expected))
    assert planned.response.ephemeral and "Open rooms" in str(planned.response.components)


async def test_reuse_last_with_nothing_to_reuse_says_so(simcord_env, community):
    await _crowd(community, 6, facilitators=2)
    refused = await community.facilitator.slash(community.meeting, "breakout plan", reuse="last")
    assert refused.response.content.startswith("There are no earlier breakout groups to recreate yet.")
    assert await BreakoutRepository(simcord_env.bot.db).latest_planned(community.guild.id) is None


async def test_help_describes_the_room_buttons_in_plain_words(simcord_env, community):
    await community.configure()
    shown = await community.facilitator.slash(community.meeting, "help", topic="facilitators")
    embeds = [shown.response.embeds[0], *(f.embeds[0] for f in shown.followups)]
    (field,) = [f for e in embeds for f in e.fields if f.name == "Breakout rooms"]
    members = await community.add_member("sam").slash(community.meeting, "help")
    (theirs,) = [f for e in members.response.embeds for f in e.fields if f.name == "Breakout rooms"]
    assert "**Ask for help** calls a facilitator" in theirs.value and "/breakout" not in theirs.value
    for words in (
        "**Add 5 minutes**",
        "`/breakout move member: group:`",
        "`reuse: last`",
    ):
        assert words in field.value, words
    assert not field.value.endswith("…")


async def test_open_rooms_under_a_plan_asks_for_a_timer_then_warns_and_closes_on_time(simcord_env, community):
    people, _ = await _crowd(community, 8, facilitators=2)
    plan = await _plan(community, 4)
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        form = await community.facilitator.click(plan.response, label="Open rooms")
        (choice,) = [
            row["component"]
            for row in form.modal["components"]
            if row.get("component", {}).get("custom_id") == "minutes"
        ]
        labels = [option["label"] for option in choice["options"]]
        assert labels[:3] == ["No timer: I will close them myself", "5 minutes", "10 minutes"]
        opened = await community.facilitator.submit_modal(form, {"minutes": ["10"]})
        text = opened.response.content
        assert "Breakout rooms are open: 2 rooms, 8 people moved." in text, text
        assert "with a one-minute warning first" in text
        end = _end_stamp(text)
        assert _end_stamp(_note(community, 1).content) == end and _end_stamp(_timer_note(community).content) == end
        assert "Add 5 minutes" in str(opened.response.components)

        # Nine minutes in: no warning yet, everyone still in their rooms.
        t.shift(9 * 60 - 5)
        await simcord_env.advance_time(9 * 60 - 5)
        assert not any("left" in m.content for m in _room(community, 1).history())
        assert all(_voice_room(community, m) != community.voice.id for m in people)
        # One minute before the end: every room is warned, in plain words.
        t.shift(10)
        await simcord_env.advance_time(10)
        for number in (1, 2):
            warning = _room(community, number).last_message.content
            assert warning == "**One minute left.** Please start to wrap up. Everyone comes back soon."
        # On time: everyone is back in the main voice channel and the facilitators are told.
        t.shift(60)
        await simcord_env.advance_time(60)
    assert await _session(simcord_env, community) is None
    assert all(_voice_room(community, m) == community.voice.id for m in people)
    assert community.facilitators.last_message.content.startswith("Time is up. Breakout rooms closed: 8 people")


async def test_open_rooms_without_a_timer_stays_open_until_closed(simcord_env, community):
    await _crowd(community, 6, facilitators=2)
    plan = await _plan(community, 3)
    with time_machine.travel(simcord_env.now(), tick=False) as t:
        form = await community.facilitator.click(plan.response, label="Open rooms")
        opened = await community.facilitator.submit_modal(form, {"minutes": ["0"]})
        assert "Breakout rooms are open: 2 rooms" in opened.response.content
        assert "<t:" not in opened.response.content and not opened.response.components
        assert "closes" not in _note(community, 1).content
        t.shift(2 * 60 * 60)
        await simcord_env.advance_time(2 * 60 * 60)
    assert await _session(simcord_env, community) is not None
    closed = await community.facilitator.slash(community.meeting, "breakout close")
    assert "6 people brought back" in closed.response.content
