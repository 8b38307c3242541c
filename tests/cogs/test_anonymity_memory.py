"""Memory that forgets: the review's attacks on the running bot, made again after the change of secret.

The review (issue 27), as copbot's operator, took a memory dump and read the database: the vote secret,
drawn once per process, plus the stored fingerprints named every "Me too" voter (16 of 16), and the
check-in's secret plus its fingerprints named everyone who had answered (10 of 10). With the logs at
DEBUG, aiosqlite wrote every vote's fingerprint, so the same dump named voters whose fingerprints the
database had already deleted.

Here a "dump" is everything the process can still reach: every bytes or bytearray value held by a live
object (``gc.get_objects()`` and what they refer to, through untracked tuples and sets too). The attack
tries every 32-byte value in it as the secret, with copbot's own fingerprint function, against every
member of the server. While a meeting runs it must work (so these tests can fail); once the secret has
been replaced it must name nobody. The logs are captured at DEBUG, with the libraries' loggers set to
DEBUG too (the worst an operator could do), and searched for every fingerprint.

Also here: the moment a question is posted and the asker's reply is on its way (and likewise after a
check-in answer), nothing the bot holds keeps what they submitted beside who they are.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
from collections.abc import Iterable
from typing import Any

import discord
import pytest
import time_machine
from conftest import Community

from bot.questions.anonymity import fingerprint
from tests.cogs.test_pulse import answer, crowd

pytestmark = [pytest.mark.timeout(240), pytest.mark.simcord(settle_timeout=45)]

LIBRARIES = ("discord", "aiosqlite", "asyncpg", "apscheduler")


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record at DEBUG, with each library's logger also set to DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name in (*LIBRARIES, "bot", "cogs"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def memory_values(size: int = 32) -> set[bytes]:
    """A dump: every bytes/bytearray value of ``size`` bytes that a live object holds."""
    found: set[bytes] = set()
    stack: list[Any] = list(gc.get_objects())
    seen: set[int] = set()
    while stack:
        obj = stack.pop()
        for ref in gc.get_referents(obj):
            kind = type(ref)
            if kind is bytes or kind is bytearray:
                if len(ref) == size:
                    found.add(bytes(ref))
            elif kind in (tuple, frozenset, set, list, dict) and not gc.is_tracked(ref) and id(ref) not in seen:
                seen.add(id(ref))
                stack.append(ref)
    return found


def named(candidates: Iterable[bytes], targets: set[bytes], purpose: str, prefix: tuple[int, ...], members) -> set[int]:
    """The members whose fingerprint under some candidate secret is one of ``targets``."""
    out: set[int] = set()
    for secret in candidates:
        for member in members:
            if fingerprint(secret, purpose, *prefix, member) in targets:
                out.add(member)
    return out


async def vote_rows(bot) -> list[tuple[int, bytes]]:
    rows = await bot.db.fetchall("SELECT question_id, voter_hash FROM question_votes")
    return [(int(r[0]), bytes(r[1])) for r in rows]


def named_voters(guild_id: int, rows: list[tuple[int, bytes]], members: list[int]) -> set[int]:
    dump = memory_values()
    out: set[int] = set()
    for question_id in {q for q, _ in rows}:
        targets = {fp for q, fp in rows if q == question_id}
        out |= named(dump, targets, "vote", (guild_id, question_id), members)
    return out


def needles(value: bytes) -> list[str]:
    """How a fingerprint would look in a log line: its repr (inside a tuple of parameters) or hex."""
    return [repr(value), value.hex(), repr(value)[2:-1]]


def assert_not_logged(caplog: pytest.LogCaptureFixture, searched: Iterable[str]) -> None:
    logging.getLogger("bot.tests").debug("log capture is on")  # so an empty capture cannot pass
    assert caplog.records
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    assert not [r for r in caplog.records if r.name.split(".")[0] in LIBRARIES and r.levelno < logging.INFO]
    for needle in searched:
        assert needle not in text, "a fingerprint was logged"


def facilitators_copy(community: Community, number: int):
    """The facilitators' copy of question ``number``, with their buttons (in their channel)."""
    wanted = f"copbot:questions:answered:n{number}"
    return next(
        m
        for m in community.facilitators.history()
        if any(getattr(c, "custom_id", None) == wanted for row in m.components for c in row.children)
    )


def vote_id(post) -> str:
    return next(c.custom_id for row in post.components for c in row.children if c.label.startswith("Me too"))


async def _ask_and_vote(community: Community, voters: list, questions: int = 4) -> dict[int, Any]:
    """``questions`` questions, then each voter presses "Me too" on one of them in turn; the posts by number."""
    asker = voters[0]
    for n in range(questions):
        await asker.submit_modal(await asker.slash(community.meeting, "ask"), {"question": f"Question {n}?"})
    posts = {int(m.embeds[0].title.split()[1]): m for m in community.questions.history()}
    for index, voter in enumerate(voters):
        post = posts[index % questions + 1]
        await voter.click(post, custom_id=vote_id(post))
    return posts


async def test_after_the_meeting_a_dump_and_the_database_name_no_voter(simcord_env, community, debug_logs):
    voters = [community.add_member(f"voter{i}") for i in range(16)]  # before set-up: no welcome DMs to wait for
    await community.configure()
    bot = simcord_env.bot
    await community.facilitator.join_voice(community.voice)
    await community.facilitator.slash(community.meeting, "meeting start")
    members = community.guild.member_ids()
    await _ask_and_vote(community, voters)
    rows = await vote_rows(bot)
    assert len(rows) == 16
    # During the meeting the attack works: the secret is in memory, as it must be to count votes.
    assert named_voters(community.guild.id, rows, members) == {v.id for v in voters}

    # Question 1 is answered: its fingerprints leave the database (the review found them in the logs).
    await community.facilitator.click(facilitators_copy(community, 1), custom_id="copbot:questions:answered:n1")
    assert len(await vote_rows(bot)) == 12
    await community.facilitator.slash(community.meeting, "meeting end")

    # After the meeting: the secret was overwritten and replaced, so the dump plus the database (the 12
    # fingerprints still stored, and the 4 deleted ones, as if recovered) name nobody.
    assert named_voters(community.guild.id, rows, members) == set()
    cog = bot.get_cog("Questions")
    assert cog.memory.keys.vote_secrets() == 0
    assert_not_logged(debug_logs, [n for _, fp in rows for n in needles(fp)])

    # The trade-off, as PRIVACY.md states it: a vote given before the change, given again, counts twice.
    post = next(m for m in community.questions.history() if m.embeds[0].title == "Question 2")
    before = next(c.label for row in post.components for c in row.children if c.label.startswith("Me too"))
    await voters[1].click(post, custom_id=vote_id(post))
    post = next(m for m in community.questions.history() if m.embeds[0].title == "Question 2")
    after = next(c.label for row in post.components for c in row.children if c.label.startswith("Me too"))
    assert (before, after) == ("Me too (4)", "Me too (5)")


async def test_without_a_meeting_the_vote_secret_goes_when_votes_stop(simcord_env, community, debug_logs):
    voters = [community.add_member(f"voter{i}") for i in range(8)]
    await community.configure()
    bot = simcord_env.bot
    members = community.guild.member_ids()
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        await _ask_and_vote(community, voters, questions=2)
        rows = await vote_rows(bot)
        assert named_voters(community.guild.id, rows, members) == {v.id for v in voters}
        clock.shift(2 * 3600)
        await simcord_env.advance_time(2 * 3600)
        assert bot.get_cog("Questions").memory.keys.vote_secrets() == 1  # the meeting may still be going
        clock.shift(3600 + 1)
        await simcord_env.advance_time(3600 + 1)  # 3 hours without a vote: the meeting is over
        assert bot.get_cog("Questions").memory.keys.vote_secrets() == 0
        assert named_voters(community.guild.id, rows, members) == set()
    assert_not_logged(debug_logs, [n for _, fp in rows for n in needles(fp)])


async def test_after_a_check_in_closes_a_dump_names_nobody_who_answered(simcord_env, community, debug_logs):
    people = await crowd(community, ["lay", "lay", "gp", "gp", "clinician", "lay", "gp", None, "lay", "gp"])
    await community.configure()
    bot = simcord_env.bot
    # Another server's check-in stays open throughout: its secret must not be this one's.
    other = Community(simcord_env)
    elsewhere = await crowd(other, ["lay", "gp", "lay"], prefix="o")
    await other.configure()
    await other.facilitator.slash(other.meeting, "pulse start")
    await answer(elsewhere[0], ("3", "3", "3"))
    members = community.guild.member_ids()
    await community.facilitator.slash(community.meeting, "pulse start")
    answering = people[:6]
    for index, member in enumerate(answering):
        done = await answer(member, (str(1 + index % 5), "3", "4"), comment=f"Zephyr comment {index}", share="yes")
        assert "Thank you" in done.response.content
    [pulse] = [p for p in await bot.pulses.open_pulses() if p.guild_id == community.guild.id]
    assert len(bot.pulses.memory._answered[pulse.id]) == 6
    # The attacker's earlier dump: the fingerprints of who had answered (the secret comes from later).
    earlier = set(bot.pulses.memory._answered[pulse.id])
    # Kept as digests and log needles only: the test must not itself keep the fingerprints alive.
    held = {hashlib.sha256(fp).digest() for fp in bot.pulses.memory._answered[pulse.id]}
    searched = [n for fp in bot.pulses.memory._answered[pulse.id] for n in needles(fp)]
    # While it is open the attack works: one answer each needs the secret and the fingerprints.
    dump = memory_values()
    assert named(dump, dump, "check-in", (community.guild.id, pulse.id), members) == {m.id for m in answering}
    del dump  # (the test's own copy of that dump holds the secret)

    await community.facilitator.slash(community.meeting, "pulse close")
    dump = memory_values() - earlier  # (the test's own copy of the earlier dump aside)
    assert named(dump, earlier | dump, "check-in", (community.guild.id, pulse.id), members) == set()
    assert not held & {hashlib.sha256(v).digest() for v in dump}, "no fingerprint of who answered is left"
    assert bot.pulses.memory.secrets_held() == 1, "only the other server's open check-in has a secret"
    assert len(bot.pulses.memory) == 1
    gc.collect()
    from bot.pulse.results import Answer

    left = [a for a in gc.get_objects() if isinstance(a, Answer) and (a.comment or "").startswith("Zephyr")]
    assert left == [], "no answer of the closed check-in is held in memory"
    assert_not_logged(debug_logs, searched)


# -- what the bot holds while the reply is on its way --------------------------------------------------


def _frames(task: asyncio.Task | None) -> list:
    """The frames of a running task's coroutine chain (the handler and everything it awaits)."""
    frames = []
    coro: Any = task.get_coro() if task is not None else None
    while coro is not None and hasattr(coro, "cr_frame"):
        if coro.cr_frame is not None:
            frames.append(coro.cr_frame)
        coro = coro.cr_await
    return frames


def _mentions(value: Any, text: str) -> bool:
    if isinstance(value, str):
        return text in value
    if isinstance(value, dict):
        return any(_mentions(v, text) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_mentions(v, text) for v in value)
    return False


def holders_of(text: str, user_id: int) -> list[str]:
    """What ties ``text`` to ``user_id`` in memory right now: a live interaction still holding the
    submitted form, or a frame of the running handler holding both the text and the member."""
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, discord.Interaction) and obj.user.id == user_id and _mentions(obj.data, text):
            found.append(f"interaction.data of {obj.type}")
    for frame in _frames(asyncio.current_task()):
        values = list(frame.f_locals.values())
        member = any((isinstance(v, discord.Interaction) and v.user.id == user_id) or v == user_id for v in values)
        if member and any(_mentions(v, text) for v in values):
            found.append(f"frame {frame.f_code.co_name}")
    return found


async def test_once_posted_the_question_is_not_held_beside_the_asker(simcord_env, community, discord_layer):
    await community.configure()
    asker = community.add_member("asker")
    text = "Zephyr question about the waiting list?"
    seen: list[list[str]] = []
    # The asker's reply (a follow-up, after the defer) leaves once the question is posted.
    discord_layer.on_call("POST", r"/webhooks/\d+/[^/]+", lambda path, payload: seen.append(holders_of(text, asker.id)))
    result = await asker.submit_modal(await asker.slash(community.meeting, "ask"), {"question": text})
    assert "without your name" in result.response.content and seen
    assert seen == [[]] * len(seen), seen


async def test_once_counted_a_check_in_answer_is_not_held_beside_the_member(simcord_env, community, discord_layer):
    people = await crowd(community, ["lay", "gp", "lay", "gp", "lay", "gp"])
    await community.configure()
    await community.facilitator.slash(community.meeting, "pulse start")
    comment = "Zephyr comment about the agenda"
    seen: list[list[str]] = []
    discord_layer.on_call(
        "POST",
        r"/interactions/\d+/[^/]+/callback",
        lambda path, payload: (
            seen.append(holders_of(comment, people[0].id)) if "Your answers are in" in str(payload) else None
        ),
    )
    done = await answer(people[0], ("2", "4", "5"), comment=comment)
    assert "Thank you" in done.response.content and seen == [[]], seen
