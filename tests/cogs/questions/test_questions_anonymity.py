"""The anonymity proofs: after real /ask, /explain and DM flows, the asker is nowhere.

Each test gives the asker a distinctive id, username, display name and nickname, runs a full flow
(asking, their own vote, a facilitator muting them, a moderation queue, an export) with every
logger captured at DEBUG, then searches:

* the SQLite file and its -wal/-shm files, byte for byte, or on PostgreSQL every file of the test's
  database and the cluster's write-ahead log (see ``tests/operator_view.py``); ids also as 8-byte big-
  and little-endian integers, because both store integers in binary;
* every captured log record: formatted message, arguments and exception text;
* every message in every channel, DMs and the facilitator channel included: content, embeds
  (title, description, fields, footer, author), button labels and ids, and attached files.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from simcord.results import to_discord_message

from tests.operator_view import stored_bytes

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("discord", "simcord", "aiosqlite", "apscheduler", "bot", "cogs"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def make_asker(simcord_env, community):
    user = simcord_env.create_user("zq_quietasker", global_name="Quentin Zephyrine")
    member = community.guild.add_member(user, nick="Zephy Nightingale")
    return user, member


def identifiers(user, dm_channel_id: int | None) -> tuple[list[str], list[bytes]]:
    texts = [str(user.id), user.name, "Quentin Zephyrine", "Zephy Nightingale", "Zephyrine", "Nightingale"]
    numbers = [user.id] + ([dm_channel_id] if dm_channel_id else [])
    if dm_channel_id:
        texts.append(str(dm_channel_id))
    raw = [t.encode() for t in texts] + [t.encode("utf-16-le") for t in texts]
    for n in numbers:
        raw += [n.to_bytes(8, "big"), n.to_bytes(8, "little")]
    return texts, raw


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    parts = []
    for record in caplog.records:
        parts += [formatter.format(record), record.getMessage(), repr(record.args), record.exc_text or ""]
    return "\n".join(parts)


async def every_message_text(simcord_env, asker_id: int) -> tuple[str, bytes]:
    """Content, embeds, components and files of every message the world holds, as text and bytes."""
    texts: list[str] = []
    files = b""
    for messages in simcord_env.backend.messages.values():
        for stored in messages.values():
            message = to_discord_message(simcord_env, stored)
            texts.append(message.content)
            for embed in message.embeds:
                texts.append(json.dumps(embed.to_dict(), ensure_ascii=False))
            for row in message.components:
                for child in getattr(row, "children", [row]):
                    texts += [str(getattr(child, "label", "")), str(getattr(child, "custom_id", ""))]
            for attachment in message.attachments:
                files += await attachment.read()
            if message.author.id == simcord_env.bot.user.id and not message.flags.ephemeral:
                # The public post must never carry "X used /ask".
                assert message.interaction_metadata is None or message.interaction_metadata.user.id != asker_id
    return "\n".join(texts), files


def bot_reply(env, user):
    """The bot's latest answer in ``user``'s DM chat. The welcome message a new member gets is left
    out: with latency it can arrive after the answer to a first DM."""
    return next(
        m
        for m in reversed(user.dm_channel.history())
        if m.author.id == env.bot.user.id and not m.content.startswith("Welcome to")
    )


async def assert_asker_nowhere(simcord_env, db_path, caplog, user, dm_channel_id=None) -> None:
    texts, raw = identifiers(user, dm_channel_id)
    stored = await stored_bytes(db_path)
    for needle in raw:
        assert needle not in stored.database, f"asker identity found in the database: {needle!r}"
    for name in (t for t in texts if not t.isdigit()):  # ids may be another test's member there
        for needle in (name.encode(), name.encode("utf-16-le")):
            assert needle not in stored.shared_log, f"asker identity found in PostgreSQL's log: {needle!r}"
    # A known line, so "nothing captured" can only mean capture is broken (the libraries' DEBUG lines,
    # which used to fill the log, are dropped by copbot at every level: bot/logging_setup.py).
    logging.getLogger("bot.tests").debug("log capture is on")
    logs = log_text(caplog)
    assert caplog.records, "logging should have been captured"
    shown, files = await every_message_text(simcord_env, user.id)
    for needle in texts:
        assert needle not in logs, f"asker identity found in the logs: {needle!r}"
        assert needle not in shown, f"asker identity found in a message: {needle!r}"
        assert needle.encode() not in files, f"asker identity found in a file: {needle!r}"


async def test_ask_leaves_no_trace_of_the_asker(simcord_env, community, db_path, all_logs):
    await community.configure()
    user, asker = make_asker(simcord_env, community)
    shown = await asker.slash(community.meeting, "ask")
    result = await asker.submit_modal(shown, {"question": "I don't understand what you mean by *evidence*?"})
    assert "without your name" in result.response.content
    post = community.questions.last_message
    assert post.interaction_metadata is None and post.author.id == simcord_env.bot.user.id
    await asker.click(post, custom_id="copbot:questions:vote:n1")  # the asker supports their own question
    await community.add_member("other").click(community.questions.last_message, custom_id="copbot:questions:vote:n1")
    copy = community.facilitators.last_message  # the facilitators' copy, with their buttons
    muted = await community.facilitator.click(copy, custom_id="copbot:questions:mute:n1")
    assert "Done" in muted.response.content
    again = await asker.submit_modal(await asker.slash(community.meeting, "ask"), {"question": "One more?"})
    assert "paused" in again.response.content
    exported = await community.facilitator.slash(community.meeting, "questions export")
    assert exported.response.attachments
    await community.facilitator.slash(community.meeting, "questions list")
    await community.facilitator.click(community.facilitators.last_message, label="Answered")
    await assert_asker_nowhere(simcord_env, db_path, all_logs, user)


async def test_explain_with_moderation_leaves_no_trace(simcord_env, community, db_path, all_logs):
    review = community.facilitators
    await community.configure(moderation=True)
    user, asker = make_asker(simcord_env, community)
    result = await asker.slash(community.meeting, "explain", term="commissioner")
    assert "A facilitator checks each question first" in result.response.content
    assert "commissioner" in review.last_message.embeds[0].description
    await community.facilitator.click(review.last_message, label="Mute this asker for the rest of the meeting")
    await community.facilitator.click(review.last_message, label="Approve")
    assert community.questions.last_message.embeds[0].title == "Question 1"
    await asker.click(community.questions.last_message, custom_id="copbot:questions:vote:n1")
    await community.facilitator.slash(community.meeting, "questions export")
    await assert_asker_nowhere(simcord_env, db_path, all_logs, user)


#: "#12" as a question number (a channel mention "<#123…>" is not one).
QUESTION_NUMBER = re.compile(r"(?<!<)#\d")
#: "Question 12", a question's title.
QUESTION_TITLE = re.compile(r"Question \d")


async def operator_dm_scan(simcord_env, questions: list[str]) -> list[str]:
    """What an operator holding the bot's token finds: every DM chat the bot has, read with the
    bot's own client (members → DM channel → history), plus every ephemeral message the bot wrote
    in a DM (stricter than the token allows). Returns what ties a DM to a question, if anything."""
    bot = simcord_env.bot
    posts = [
        stored
        for messages in simcord_env.backend.messages.values()
        for stored in messages.values()
        if stored.author_id == bot.user.id
        and any((e.get("title") or "").startswith("Question ") for e in stored.embeds)
    ]
    needles = [q for q in questions if q] + ["Question #", "/channels/"]
    needles += [str(p.id) for p in posts]
    shown: list[str] = []
    seen_users: set[int] = set()
    for guild in bot.guilds:
        for member in guild.members:
            if member.bot or member.id in seen_users:
                continue
            seen_users.add(member.id)
            channel = await member.create_dm()
            async for message in channel.history(limit=None):
                if message.author.id == bot.user.id:
                    shown.append(_message_text(message))
    for channel_id, messages in simcord_env.backend.messages.items():
        if simcord_env.backend.get_channel(channel_id).guild_id is not None:
            continue
        for stored in messages.values():
            if stored.author_id == bot.user.id:
                shown.append(_message_text(to_discord_message(simcord_env, stored)))
    assert shown, "the scan should find the bot's DM replies"
    found = [f"{needle!r} in {text[:80]!r}" for text in shown for needle in needles if needle in text]
    found += [f"a number in {text[:80]!r}" for text in shown if QUESTION_NUMBER.search(text)]
    found += [f"a question's title in {text[:80]!r}" for text in shown if QUESTION_TITLE.search(text)]
    return found


def _message_text(message) -> str:
    parts = [message.content]
    parts += [json.dumps(e.to_dict(), ensure_ascii=False) for e in message.embeds]
    for row in message.components:
        for child in getattr(row, "children", [row]):
            parts += [
                str(getattr(child, "label", "")),
                str(getattr(child, "custom_id", "")),
                str(getattr(child, "url", "")),
            ]
    return "\n".join(parts)


async def test_dm_path_leaves_no_trace(simcord_env, community, db_path, all_logs):
    await community.configure()
    user, _asker = make_asker(simcord_env, community)
    await user.send_dm("Hello, can I ask something about a @here **care pathway**?")
    dm = user.dm_channel
    reply = bot_reply(simcord_env, user)
    assert reply.author.id == simcord_env.bot.user.id
    assert [c.label for row in reply.components for c in row.children] == ["Ask anonymously"]
    assert "stays here until you delete it" in reply.content and "care pathway" not in reply.content
    assert not community.questions.history()  # what was typed in the DM is never posted
    shown = await user.click(reply, label="Ask anonymously")
    assert shown.modal is not None
    question = "What is a care pathway, in plain words?"
    result = await user.submit_modal(shown, {"question": question})
    assert result.response.ephemeral and "without your name" in result.response.content
    assert not QUESTION_NUMBER.search(result.response.content) and question not in result.response.content
    post = community.questions.last_message
    assert (
        post.embeds[0].title == "Question 1" and post.embeds[0].description == "What is a care pathway, in plain words?"
    )
    await community.facilitator.click(community.facilitators.last_message, custom_id="copbot:questions:mute:n1")
    refused = await user.submit_modal(
        await user.click(bot_reply(simcord_env, user), label="Ask anonymously"), {"question": "More?"}
    )
    assert "paused" in refused.response.content
    await community.facilitator.slash(community.meeting, "questions export")
    await assert_asker_nowhere(simcord_env, db_path, all_logs, user, dm_channel_id=dm.id)
    assert await operator_dm_scan(simcord_env, [question, "More?"]) == []


async def test_operator_scan_of_dm_chats_finds_no_question(simcord_env, community, db_path, all_logs):
    """The review's attack: two members ask (/ask, /explain, the DM button, with moderation), then the
    operator reads every DM chat with the bot's own client. Nothing ties a person to a question."""
    await community.configure(moderation=True)
    alice, bob = community.add_member("alice"), community.add_member("bob")
    carol_user = simcord_env.create_user("carol")
    carol = community.guild.add_member(carol_user)
    ask = await alice.slash(community.meeting, "ask")
    await alice.submit_modal(ask, {"question": "Alice asks about waiting lists"})
    await bob.slash(community.meeting, "explain", term="Bob wants integrated care explained")
    await carol_user.send_dm("I have a question about physiotherapy referrals")
    shown = await carol_user.click(bot_reply(simcord_env, carol_user), label="Ask anonymously")
    confirmed = await carol_user.submit_modal(shown, {"question": "Carol asks about physiotherapy referrals"})
    assert "A facilitator checks each question first" in confirmed.response.content
    for waiting in [m for m in community.facilitators.history() if m.components]:  # each check message
        await community.facilitator.click(waiting, label="Approve")
    titles = sorted(m.embeds[0].title for m in community.questions.history())
    assert titles == ["Question 1", "Question 2", "Question 3"]
    texts = ["Alice asks about waiting lists", "integrated care", "Carol asks about physiotherapy referrals"]
    assert await operator_dm_scan(simcord_env, texts) == []
    # The DM chat the member used holds the welcome, their own message and the bot's explanation.
    bot_id = simcord_env.bot.user.id
    assert sorted(m.author.id for m in carol_user.dm_channel.history()) == sorted([bot_id, carol.id, bot_id])
