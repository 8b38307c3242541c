"""Questions are never lost, doubled or half-posted (issue #14), under a realistic Discord.

* Injected failures while posting (a 500, a 403, a dropped connection): no open or pending
  question is left without its post, the asker is told the truth, list and export show nothing
  phantom, and the text is not left in the database file.
* With 300 ms added to every REST call and rate-limit buckets on, every way of asking, Approve and
  Reject acknowledge within Discord's 3 seconds and then report what really happened.
* A crash between storing and posting is reconciled at start-up; a form open during a restart is
  still accepted; ids members see never carry the global row id.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import discord
import pytest

from bot.storage.questions import QuestionRepository

pytestmark = pytest.mark.timeout(120)

FAILURES = {
    "500": "Discord had a problem",
    "disconnect": "Discord had a problem",
    "403": "I'm not allowed to write in",
}


def rows(db_path: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT number, status, text, message_id, review_message_id FROM questions").fetchall()
    finally:
        conn.close()


def database_bytes(db_path: Path) -> bytes:
    return b"".join(
        Path(str(db_path) + s).read_bytes() for s in ("", "-wal", "-shm") if Path(str(db_path) + s).exists()
    )


async def ask(member, channel, text: str):
    shown = await member.slash(channel, "ask")
    assert shown.modal is not None, shown
    return await member.submit_modal(shown, {"question": text})


async def assert_nothing_phantom(community) -> None:
    listed = await community.facilitator.slash(community.meeting, "questions list")
    assert listed.response.content == "There are no open questions."
    exported = await community.facilitator.slash(community.meeting, "questions export")
    data = (await exported.response.attachments[0].read()).decode("utf-8-sig")
    assert data.strip().splitlines() == ["number,text,status,votes,created_at,answered_at,answer"]


@pytest.mark.parametrize("kind", sorted(FAILURES))
@pytest.mark.parametrize("moderation", [False, True], ids=["posted", "moderated"])
async def test_failed_post_keeps_nothing_and_says_what_happened(
    simcord_env, community, db_path, discord_layer, kind, moderation
):
    await community.configure(moderation=moderation)
    target = community.facilitators if moderation else community.questions
    discord_layer.fail("POST", rf"/channels/{target.id}/messages", kind)
    secret_text = "Zanzibar-unposted question text"
    result = await ask(community.add_member("sam"), community.meeting, secret_text)
    assert result.acknowledged and result.response.ephemeral
    assert FAILURES[kind] in result.response.content and "nothing was kept" in result.response.content
    if kind != "403":
        assert "allowed" not in result.response.content  # a 500 is not a permission problem
    assert rows(db_path) == []
    assert not target.history() and not community.questions.history()
    assert secret_text.encode() not in database_bytes(db_path)
    await assert_nothing_phantom(community)
    # The next question is the first one anyone sees.
    again = await ask(community.add_member("kim"), community.meeting, "Now it works?")
    assert ("without your name" if not moderation else "A facilitator checks each question first") in (
        again.response.content
    )
    assert [m.embeds[0].title for m in community.questions.history() if m.embeds] == (
        ["Question 1"] if not moderation else []
    )


@pytest.mark.parametrize("kind", ["500", "disconnect"])
async def test_explain_failure_is_reported_and_undone(simcord_env, community, db_path, discord_layer, kind):
    await community.configure()
    discord_layer.fail("POST", rf"/channels/{community.questions.id}/messages", kind)
    result = await community.add_member("sam").slash(community.meeting, "explain", term="care bundle")
    assert "Discord had a problem" in result.response.content
    assert rows(db_path) == []


async def test_failed_store_after_post_takes_the_post_down(simcord_env, community, db_path, discord_layer, caplog):
    """Half-posted: Discord took the post but the bot could not record it. The post is taken down
    and the row deleted, so there is no post without a row and no row without a post."""
    await community.configure()
    repo = simcord_env.bot.questions.repo
    original = repo.set_message

    async def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    repo.set_message = broken
    try:
        result = await ask(community.add_member("sam"), community.meeting, "Half posted?")
    finally:
        repo.set_message = original
    assert "Discord had a problem" in result.response.content or "not posted" in result.response.content
    assert rows(db_path) == []
    assert not community.questions.history()


@pytest.mark.parametrize("kind", ["500", "403", "disconnect"])
async def test_approve_failure_keeps_it_waiting_and_says_so(simcord_env, community, db_path, discord_layer, kind):
    await community.configure(moderation=True)
    await ask(community.add_member("sam"), community.meeting, "Approve me?")
    review = community.facilitators.last_message
    discord_layer.fail("POST", rf"/channels/{community.questions.id}/messages", kind)
    failed = await community.facilitator.click(review, label="Approve")
    [told] = failed.followups
    assert told.ephemeral and ("not allowed" if kind == "403" else "Discord had a problem") in told.content
    assert rows(db_path) == [(None, "pending", "Approve me?", None, review.id)]
    assert not community.questions.history()
    again = await community.facilitator.click(community.facilitators.last_message, label="Approve")
    assert again.acknowledged
    assert community.questions.last_message.embeds[0].title == "Question 1"
    # The check message is now the facilitators' copy, with their buttons.
    assert community.facilitators.last_message.embeds[0].title == "Question 1"
    assert "Answered" in [c.label for row in community.facilitators.last_message.components for c in row.children]


def slowest_post(discord_layer, channel) -> float:
    """How long the last post in ``channel`` took, waiting in its bucket included."""
    call = discord_layer.calls_to("POST", rf"/channels/{channel.id}/messages")[-1]
    return call.end - call.start


@pytest.mark.discord(latency=0.3, rate_limits=True)
async def test_asking_answers_in_time_with_300ms_per_call_and_a_busy_channel(simcord_env, community, discord_layer):
    """300 ms per REST call, and the questions channel's bucket (5 posts per 5 s) used up just
    before each question, as in a busy meeting: the post has to wait about 5 s. /ask, /explain and
    the DM form still acknowledge within Discord's 3 s, then say what really happened. (On main,
    which posted before answering, each of these missed the deadline.)"""
    # Members join before set-up, so no welcome DM adds calls to the ones being timed.
    sam, kim = community.add_member("sam"), community.add_member("kim")
    user = simcord_env.create_user("dm_asker")
    community.guild.add_member(user)
    await community.configure()
    questions = f"/channels/{community.questions.id}/messages"
    ack_times = []
    shown = await sam.slash(community.meeting, "ask")
    ack_times.append(discord_layer.ack_seconds(shown))
    discord_layer.exhaust_bucket("POST", questions)
    asked = await sam.submit_modal(shown, {"question": "Asked while the channel is busy?"})
    ack_times.append(discord_layer.ack_seconds(asked))
    assert asked.acknowledged and "without your name" in asked.response.content
    assert slowest_post(discord_layer, community.questions) > 4.5  # the post really waited
    discord_layer.exhaust_bucket("POST", questions)
    explained = await kim.slash(community.meeting, "explain", term="QALY")
    ack_times.append(discord_layer.ack_seconds(explained))
    assert "without your name" in explained.response.content
    await user.send_dm("hello")
    shown = await user.click(user.dm_channel.last_message, label="Ask anonymously")
    assert shown.modal is not None
    ack_times.append(discord_layer.ack_seconds(shown))
    done = await user.submit_modal(shown, {"question": "From the DM form?"})  # same path as /ask's form
    ack_times.append(discord_layer.ack_seconds(done))
    assert "without your name" in done.response.content
    assert max(ack_times) < 3.0, ack_times
    assert [m.embeds[0].title for m in community.questions.history()] == ["Question 1", "Question 2", "Question 3"]


@pytest.mark.discord(latency=0.3, rate_limits=True)
async def test_approve_and_reject_answer_in_time_with_300ms_per_call(simcord_env, community, discord_layer):
    await community.configure(moderation=True)
    for n in range(2):
        result = await ask(community.add_member(f"m{n}"), community.meeting, f"Check {n}?")
        assert "A facilitator checks each question first" in result.response.content
    first, second = [m for m in community.facilitators.history() if m.components]
    discord_layer.exhaust_bucket("POST", f"/channels/{community.questions.id}/messages")
    approved = await community.facilitator.click(first, label="Approve")
    assert slowest_post(discord_layer, community.questions) > 4.5
    rejected = await community.facilitator.click(second, label="Reject")
    ack_times = [discord_layer.ack_seconds(approved), discord_layer.ack_seconds(rejected)]
    assert max(ack_times) < 3.0, ack_times
    assert approved.acknowledged and rejected.acknowledged and not approved.followups and not rejected.followups
    assert [m.embeds[0].title for m in community.questions.history()] == ["Question 1"]
    outcomes = [m.embeds[0].title for m in community.facilitators.history() if m.embeds]
    assert outcomes[-2:] == ["Question 1", "Rejected: not posted"]


async def test_crash_before_posting_is_reconciled_at_start(simcord_env, community, db_path, restart, caplog):
    """A crash between storing and posting leaves a row with no post (as on main, where it showed
    in list and export for ever). At the next start it is removed, its text goes, and the log
    says how many without any content; its number is never given again."""
    await community.configure(moderation=True)
    repo = QuestionRepository(simcord_env.bot.db)
    await repo.create(community.guild.id, "question", "Crashed open question", pending=False)
    await repo.create(community.guild.id, "question", "Crashed pending question", pending=True)
    caplog.set_level(logging.INFO)
    await restart()
    assert [(r[1], r[2]) for r in rows(db_path)] == [("removed", ""), ("removed", "")]
    assert b"Crashed open question" not in database_bytes(db_path)
    assert b"Crashed pending question" not in database_bytes(db_path)
    [line] = [r.getMessage() for r in caplog.records if "left unposted" in r.getMessage()]
    assert "2 anonymous question(s)" in line and "Crashed" not in line
    await assert_nothing_phantom(community)
    await community.configure(moderation=False)
    result = await ask(community.add_member("sam"), community.meeting, "After the crash")
    assert "without your name" in result.response.content
    # Number 1 may have been seen before the crash, so it is never given again.
    assert community.questions.last_message.embeds[0].title == "Question 2"


async def test_form_opened_before_a_restart_is_still_accepted(simcord_env, community, restart):
    await community.configure()
    sam = community.add_member("sam")
    shown = await sam.slash(community.meeting, "ask")
    await restart()
    result = await sam.submit_modal(shown, {"question": "Typed while copbot restarted"})
    assert "without your name" in result.response.content
    assert community.questions.last_message.embeds[0].description == "Typed while copbot restarted"


async def test_form_from_someone_who_left_is_refused_plainly(simcord_env, community, db_path):
    """A form submitted by someone no longer in the server is answered with a sentence, never dropped."""
    await community.configure()
    user = simcord_env.create_user("member")
    member = community.guild.add_member(user)
    await user.send_dm("hi")
    reply = next(  # the welcome (with its own buttons) may come later
        m for m in reversed(user.dm_channel.history()) if not m.content.startswith("Welcome to") and m.components
    )
    shown = await user.click(reply, label="Ask anonymously")
    community.guild.remove_member(member)
    result = await user.submit_modal(shown, {"question": "Still there?"})
    assert result.acknowledged and "you don't seem to be in that community" in result.response.content
    assert rows(db_path) == [] and not community.questions.history()


def custom_ids(message) -> list[str]:
    return [c.custom_id for row in message.components for c in row.children]


async def test_public_ids_are_per_server_numbers_or_random_tokens(simcord_env, community):
    """Three questions in another server first: this server's first question still says n1, and no
    button carries the row id (4) or a small number that reveals the order of asking."""
    other = simcord_env.create_guild("Other CoP")
    channel = other.create_text_channel("general")
    admin = other.add_member(
        simcord_env.create_user("other_admin"),
        roles=[other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))],
    )
    await admin.slash(channel, "settings update", meeting_channel=channel)
    for n in range(3):
        await ask(other.add_member(simcord_env.create_user(f"o{n}")), channel, f"Other {n}")
    await community.configure(moderation=True)
    await ask(community.add_member("sam"), community.meeting, "Here first?")
    review = community.facilitators.last_message
    tokens = {re.sub(r".*:r", "", c) for c in custom_ids(review)}
    assert len(tokens) == 1 and int(tokens.pop()) > 10**6  # random, not the row id 4
    await community.facilitator.click(review, label="Approve")
    post = community.questions.last_message
    assert custom_ids(post) == ["copbot:questions:vote:n1"]
    assert custom_ids(community.facilitators.last_message) == [
        "copbot:questions:answered:n1",
        "copbot:questions:now:n1",
        "copbot:questions:write:n1",
        "copbot:questions:remove:n1",
        "copbot:questions:mute:n1",
    ]
    # A click from this server on "n1" acts on this server's #1, not the other server's.
    voted = await community.add_member("ann").click(post, custom_id="copbot:questions:vote:n1")
    assert voted.acknowledged
    assert community.questions.last_message.components[0].children[0].label == "Me too (1)"
    assert channel.last_message.components[0].children[0].label == "Me too (0)"


async def test_buttons_posted_before_public_ids_keep_working(simcord_env, community, db_path):
    """A post made by the old copbot carries the row id (copbot:questions:vote:<id>). A click still
    works, and re-draws the post with the new per-server ids."""
    await community.configure()
    repo = QuestionRepository(simcord_env.bot.db)
    question = await repo.create(community.guild.id, "question", "An old question", pending=False)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Me too (0)", custom_id=f"copbot:questions:vote:{question.id}"))
    old = await simcord_env.bot.get_channel(community.questions.id).send("Question #1", view=view)
    await repo.set_message(question.id, community.questions.id, old.id)
    await community.add_member("ann").click(community.questions.last_message, label="Me too (0)")
    redrawn = community.questions.last_message
    assert redrawn.components[0].children[0].label == "Me too (1)"
    assert custom_ids(redrawn)[0] == "copbot:questions:vote:n1"


async def test_votes_fingerprints_are_forgotten_when_dealt_with(simcord_env, community, db_path):
    await community.configure()
    await ask(community.add_member("sam"), community.meeting, "Vote on me")
    await ask(community.add_member("kim"), community.meeting, "And me")
    for name in ("ann", "bob"):
        member = community.add_member(name)
        for number in (1, 2):
            post = next(m for m in community.questions.history() if m.embeds[0].title == f"Question {number}")
            await member.click(post, custom_id=f"copbot:questions:vote:n{number}")
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM question_votes").fetchone() == (4,)
    first, second = [m for m in community.facilitators.history() if m.embeds]  # the facilitators' copies
    await community.facilitator.click(first, label="Answered")
    await community.facilitator.click(second, label="Remove")
    assert conn.execute("SELECT COUNT(*) FROM question_votes").fetchone() == (0,)
    assert conn.execute("SELECT number, status, text, kept_votes FROM questions ORDER BY number").fetchall() == [
        (1, "answered", "Vote on me", 2),
        (2, "removed", "", 2),
    ]
    conn.close()
    assert community.questions.last_message.components[0].children[0].label == "Me too (2)"
    assert b"And me" not in database_bytes(db_path)  # removed: its text is gone from the file


async def test_rejected_question_keeps_no_text(simcord_env, community, db_path):
    await community.configure(moderation=True)
    await ask(community.add_member("sam"), community.meeting, "Reject this text please")
    await community.facilitator.click(community.facilitators.last_message, label="Reject")
    assert rows(db_path) == [(None, "rejected", "", None, community.facilitators.last_message.id)]
    assert b"Reject this text please" not in database_bytes(db_path)
    assert community.facilitators.last_message.embeds[0].description is None
    assert tuple(await simcord_env.bot.db.fetchone("PRAGMA secure_delete")) == (1,)


async def test_me_too_answers_in_time_when_the_database_is_slow(simcord_env, community, discord_layer, monkeypatch):
    """At a busy hour a vote's database work queued behind other servers' for seconds (bench_load.py:
    p99 3.9 s at 100 interactions a second): the press must still be acknowledged within Discord's
    3 s, and the count on the post must still change once the vote is stored."""
    await community.configure()
    await ask(community.add_member("sam"), community.meeting, "Why?")
    ann = community.add_member("ann")
    toggle = QuestionRepository.toggle_vote

    async def slow_toggle(self, question_id: int, voter_hash: bytes) -> bool:
        await discord_layer.sleep(4)  # the database busy with other servers' writes (on SimCord's clock)
        return await toggle(self, question_id, voter_hash)

    monkeypatch.setattr(QuestionRepository, "toggle_vote", slow_toggle)
    voted = await ann.click(community.questions.last_message, label="Me too (0)")
    assert voted.acknowledged
    assert discord_layer.ack_seconds(voted) < 3.0
    assert community.questions.last_message.components[0].children[0].label == "Me too (1)"
    assert voted.response.ephemeral and voted.response.content.startswith("Added your Me too")
