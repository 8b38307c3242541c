"""``/icebreaker round`` end to end under SimCord: order, buttons, timers, voice changes, restarts.

Facilitators start a round; members see only their own buttons (Join, and the speaker's Next and
Pass). **End round** is in the private reply the facilitator gets when the round starts (issue 25).
A round is one message, edited in place for each turn (issue 26): these tests read whose turn it is
from that message, and count that nothing else was posted.
"""

from __future__ import annotations

import re

from cogs._shared import BUTTON_FOR_FACILITATORS
from cogs.icebreakers._display import STATUS_MARK
from tests.notices import PingWatch

_SPEAKER = re.compile(r"<@(\d+)>, your turn!")


def _rounds(channel) -> list:
    """The speaking rounds' messages in the channel (one per round)."""
    return [m for m in channel.history() if m.content.startswith("**Speaking round**")]


def _status(message) -> str:
    """What the round message says now, under its question: whose turn, or the thank-you."""
    return message.content.split(STATUS_MARK, 1)[1] if STATUS_MARK in message.content else ""


def _current(channel):
    """The round message and the id of the member whose turn it is (``None`` once it is over)."""
    message = _rounds(channel)[-1]
    found = _SPEAKER.search(_status(message))
    return message, int(found.group(1)) if found else None


def _fresh(channel, message_id: int):
    return next(m for m in channel.history() if m.id == message_id)


async def _voice_round(community, n: int = 4, **options):
    await community.configure()
    people = [community.add_member(f"person{i}", global_name=f"Person {i}") for i in range(n)]
    for person in people:
        await person.join_voice(community.voice)
    result = await community.facilitator.slash(community.meeting, "icebreaker round", **options)
    assert result.response is not None and not result.response.ephemeral
    assert result.response.content.startswith("**Speaking round**")
    return people, {p.id: p for p in people}


async def _start(community, **options):
    """A facilitator starts a round; returns the public intro and the private reply with End round."""
    result = await community.facilitator.slash(community.meeting, "icebreaker round", **options)
    [control] = [f for f in result.followups if f.ephemeral]
    assert [c["label"] for row in control.components for c in row["components"]] == ["End round"]
    return result, control


async def test_everyone_in_voice_is_called_once_and_only_the_right_people_move_it_on(simcord_env, community) -> None:
    watch = PingWatch(simcord_env)
    people, by_id = await _voice_round(community)
    called: list[int] = []

    # Turn 1: someone else may neither press Next nor Pass for the speaker.
    message, speaker = _current(community.meeting)
    called.append(speaker)
    ping = simcord_env.backend.get_message(message.channel.id, message.id)
    assert sorted(watch.of(ping)) == sorted(by_id), "everyone in the round is pinged once, as it begins"
    assert "The order: " in message.content
    other = next(p for p in people if p.id != speaker)
    refused = await other.click(message, label="Next")
    assert refused.response.ephemeral and "only they or a facilitator can move the round on" in refused.response.content
    refused = await other.click(message, label="Pass")
    assert refused.response.ephemeral and "Only the person whose turn it is can pass" in refused.response.content
    assert _current(community.meeting)[1] == speaker, "nothing moved"
    await by_id[speaker].click(message, label="Next")

    # Turn 2: the speaker passes; the reply is kind and private.
    message, speaker = _current(community.meeting)
    called.append(speaker)
    passed = await by_id[speaker].click(message, label="Pass")
    assert any(f.ephemeral and "No problem" in f.content for f in passed.followups)

    # Turn 3: a facilitator (not even in voice) may press Next.
    message, speaker = _current(community.meeting)
    called.append(speaker)
    await community.facilitator.click(message, label="Next")

    # Turn 4: the speaker finishes; a stale button from turn 3 does nothing.
    message, speaker = _current(community.meeting)
    called.append(speaker)
    await by_id[speaker].click(message, label="Next")

    assert sorted(called) == sorted(p.id for p in people)
    [done] = _rounds(community.meeting)
    assert _status(done) == (
        "Thank you, everyone! 3 people spoke in this round. 1 person chose to pass, which is always fine."
    )
    assert community.meeting.history() == [done], "one message for the whole round, edited in place"
    assert done.components == [], "no buttons are left to press"


async def test_a_turn_carries_only_the_speakers_buttons(simcord_env, community) -> None:
    """Every button under a turn is for the member it calls: none refuses them as a non-facilitator."""
    _people, by_id = await _voice_round(community, n=2)
    message, speaker = _current(community.meeting)
    assert [c.label for row in message.components for c in row.children] == ["Next", "Pass"]
    passed = await by_id[speaker].click(message, label="Pass")
    assert passed.acknowledged and not any(BUTTON_FOR_FACILITATORS in f.content for f in passed.followups)
    message, speaker = _current(community.meeting)
    moved = await by_id[speaker].click(message, label="Next")
    assert moved.acknowledged
    assert moved.response is None or BUTTON_FOR_FACILITATORS not in moved.response.content


async def test_timer_warns_at_80_percent_then_moves_on(simcord_env, community) -> None:
    _people, _by_id = await _voice_round(community, n=2, seconds=20)
    message, speaker = _current(community.meeting)
    assert "about 20 seconds" in message.content
    await simcord_env.advance_time(15)
    assert "nearly up" not in _fresh(community.meeting, message.id).content
    await simcord_env.advance_time(2)  # 17 s > 80 % of 20 s
    warned = _fresh(community.meeting, message.id)
    assert "Time's nearly up" in warned.content
    assert _current(community.meeting)[1] == speaker, "the warning does not move the round on"
    await simcord_env.advance_time(4)
    _message, second = _current(community.meeting)
    assert second != speaker
    await simcord_env.advance_time(21)
    assert _status(_rounds(community.meeting)[-1]) == "Thank you, everyone! 2 people spoke in this round."
    await simcord_env.advance_time(60)
    assert _status(_rounds(community.meeting)[-1]) == "Thank you, everyone! 2 people spoke in this round."
    assert len(community.meeting.history()) == 1, "no timer fires after the round ended"


async def test_late_joiners_go_last_and_leavers_are_skipped(simcord_env, community) -> None:
    people, by_id = await _voice_round(community)
    message, speaker = _current(community.meeting)
    waiting = [p for p in people if p.id != speaker]
    # Someone waiting leaves voice: never called.
    leaver = waiting[0]
    await leaver.leave_voice()
    # Someone new joins the voice channel: added at the end.
    latecomer = community.add_member("latecomer")
    await latecomer.join_voice(community.voice)
    # The current speaker leaves: skipped straight away.
    await by_id[speaker].leave_voice()
    called = [speaker]
    while True:
        message, now = _current(community.meeting)
        if now is None or now == called[-1]:
            break
        called.append(now)
        actor = latecomer if now == latecomer.id else by_id[now]
        await actor.click(message, label="Next")
    assert leaver.id not in called
    assert called[-1] == latecomer.id
    assert sorted(called[1:-1]) == sorted(p.id for p in waiting[1:])
    assert _status(_rounds(community.meeting)[-1]) == "Thank you, everyone! 3 people spoke in this round."


async def test_join_button_when_nobody_is_in_voice(simcord_env, community) -> None:
    watch = PingWatch(simcord_env)
    await community.configure()
    ann, bo = (community.add_member(n) for n in ("ann", "bo"))
    result, _control = await _start(community)
    intro = result.response
    assert "Join the round" in intro.content and "60 seconds" in intro.content
    assert [c["label"] for row in intro.components for c in row["components"]] == ["Join the round"]
    for person in (ann, bo):
        joined = await person.click(intro, label="Join the round")
        assert joined.response.ephemeral and "You are in" in joined.response.content
    again = await bo.click(intro, label="Join the round")
    assert "already joined" in again.response.content
    assert _current(community.meeting)[1] is None
    await simcord_env.advance_time(61)
    assert "Joining has closed: 2 people joined." in _fresh(community.meeting, intro.id).content
    labels = [c.label for row in _fresh(community.meeting, intro.id).components for c in row.children]
    assert "Join the round" not in labels, "joining has closed"
    assert all(not pinged for pinged in watch.pinged.values()), "they chose to join: nobody is pinged"
    called = []
    for _ in range(2):
        message, speaker = _current(community.meeting)
        called.append(speaker)
        await (ann if speaker == ann.id else bo).click(message, label="Next")
    assert sorted(called) == sorted([ann.id, bo.id])
    assert _status(_rounds(community.meeting)[-1]).endswith("Thank you, everyone! 2 people spoke in this round.")
    assert len(community.meeting.history()) == 1


async def test_nobody_joins(simcord_env, community) -> None:
    await community.configure()
    await _start(community)
    await simcord_env.advance_time(61)
    assert "Nobody joined the round this time" in _status(community.meeting.last_message)
    result = await community.facilitator.slash(community.meeting, "icebreaker round")
    assert not result.response.ephemeral, "the channel is free again"


async def test_one_round_per_channel_and_the_starter_ends_it_early_from_their_private_reply(
    simcord_env, community
) -> None:
    await community.configure()
    for i in range(2):
        await community.add_member(f"person{i}").join_voice(community.voice)
    _result, control = await _start(community)
    second = await community.admin.slash(community.meeting, "icebreaker round")
    assert second.response.ephemeral and "already a speaking round in this channel" in second.response.content
    ended = await community.facilitator.click(control, label="End round")
    assert ended.acknowledged
    assert _status(community.meeting.last_message) == "The round has ended. Thank you, everyone!"
    assert _rounds(community.meeting)[-1].components == [], "the round's buttons are gone"
    assert control.content == "You ended the round." and control.components == []
    third = await community.facilitator.slash(community.meeting, "icebreaker round")
    assert not third.response.ephemeral


async def test_an_end_round_button_posted_before_it_moved_refuses_members_plainly(simcord_env, community) -> None:
    """Turns posted before issue 25 still carry End round: a member who presses it hears one plain
    sentence; a facilitator's press still ends the round."""
    import discord

    people, _ = await _voice_round(community, n=2)
    # Buttons from then carry the round's row id (now they carry a random token; both work).
    [stored] = await simcord_env.bot.get_cog("IcebreakersCog").repo.open_rounds(community.guild.id)
    round_id = stored.state.round_id
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="End round", custom_id=f"copbot:icebreakers:end:{round_id}"))
    await simcord_env.bot.get_channel(community.meeting.id).send("An old turn", view=view)
    old = community.meeting.last_message
    refused = await people[1].click(old, label="End round")
    assert refused.response.ephemeral and refused.response.content == BUTTON_FOR_FACILITATORS
    await community.facilitator.click(old, label="End round")
    assert _status(_rounds(community.meeting)[-1]) == "The round has ended. Thank you, everyone!"


async def test_buttons_and_timers_keep_working_after_a_restart(simcord_env, community, restart) -> None:
    _people, by_id = await _voice_round(community, n=3, seconds=30)
    message, speaker = _current(community.meeting)
    await restart()
    await by_id[speaker].click(message, label="Next")
    message, second = _current(community.meeting)
    assert second != speaker
    await restart()
    await simcord_env.advance_time(25)
    assert "Time's nearly up" in _fresh(community.meeting, message.id).content
    await simcord_env.advance_time(6)
    _message, third = _current(community.meeting)
    assert third not in (speaker, second)
    assert not simcord_env.errors


async def test_a_round_interrupted_before_its_first_speaker_is_closed_on_restart(
    simcord_env, community, restart
) -> None:
    """A crash between "round created" and "first speaker called" must not block the channel forever."""
    from bot.icebreakers.bank import shipped_bank
    from bot.storage.icebreakers import IcebreakerRepository

    await community.configure()
    repo = IcebreakerRepository(simcord_env.bot.db, shipped_bank())
    await repo.create_round(community.guild.id, community.meeting.id, "Hi?", None, community.voice.id)
    busy = await community.facilitator.slash(community.meeting, "icebreaker round")
    assert busy.response.ephemeral
    await restart()
    assert community.meeting.last_message.content.startswith("Sorry, the speaking round stopped before it could start")
    fresh = await community.facilitator.slash(community.meeting, "icebreaker round")
    assert not fresh.response.ephemeral
