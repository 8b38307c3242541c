"""The anonymity proofs: after real /ask, /explain and DM flows, the asker is nowhere.

Each test gives the asker a distinctive id, username, display name and nickname, runs a full flow
(asking, their own vote, a facilitator muting them, a moderation queue, an export) with every
logger captured at DEBUG, then searches:

* the SQLite file and its -wal/-shm files, byte for byte (ids also as 8-byte big- and little-endian
  integers, because SQLite stores integers in binary);
* every captured log record: formatted message, arguments and exception text;
* every message in every channel, DMs and the facilitator channel included: content, embeds
  (title, description, fields, footer, author), button labels and ids, and attached files.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from simcord.results import to_discord_message

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


def database_bytes(db_path: Path) -> bytes:
    out = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(str(db_path) + suffix)
        if path.exists():
            out += path.read_bytes()
    assert out, "the database file should exist"
    return out


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


async def assert_asker_nowhere(simcord_env, db_path, caplog, user, dm_channel_id=None) -> None:
    texts, raw = identifiers(user, dm_channel_id)
    db = database_bytes(db_path)
    for needle in raw:
        assert needle not in db, f"asker identity found in the database: {needle!r}"
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
    assert "Question #1" in result.response.content
    post = community.questions.last_message
    assert post.interaction_metadata is None and post.author.id == simcord_env.bot.user.id
    await asker.click(post, custom_id="copbot:questions:vote:1")  # the asker supports their own question
    await community.add_member("other").click(community.questions.last_message, custom_id="copbot:questions:vote:1")
    muted = await community.facilitator.click(community.questions.last_message, custom_id="copbot:questions:mute:1")
    assert "Done" in muted.response.content
    again = await asker.submit_modal(await asker.slash(community.meeting, "ask"), {"question": "One more?"})
    assert "paused" in again.response.content
    exported = await community.facilitator.slash(community.meeting, "questions export")
    assert exported.response.attachments
    await community.facilitator.slash(community.meeting, "questions list")
    await community.facilitator.click(community.questions.last_message, label="Answered")
    await assert_asker_nowhere(simcord_env, db_path, all_logs, user)


async def test_explain_with_moderation_leaves_no_trace(simcord_env, community, db_path, all_logs):
    review = community.facilitators
    await community.configure(moderation=True)
    user, asker = make_asker(simcord_env, community)
    result = await asker.slash(community.meeting, "explain", term="commissioner")
    assert "waiting for a facilitator" in result.response.content
    assert "commissioner" in review.last_message.embeds[0].description
    await community.facilitator.click(review.last_message, custom_id="copbot:questions:mute:1")
    await community.facilitator.click(review.last_message, label="Approve")
    assert community.questions.last_message.embeds[0].title == "Question #1"
    await asker.click(community.questions.last_message, custom_id="copbot:questions:vote:1")
    await community.facilitator.slash(community.meeting, "questions export")
    await assert_asker_nowhere(simcord_env, db_path, all_logs, user)


async def test_dm_path_leaves_no_trace(simcord_env, community, db_path, all_logs):
    await community.configure()
    user, _asker = make_asker(simcord_env, community)
    await user.send_dm("Can someone explain what a @here **care pathway** is?")
    dm = user.dm_channel
    preview = dm.last_message
    assert preview.author.id == simcord_env.bot.user.id
    assert not community.questions.history()
    await user.click(preview, label="Post anonymously")
    post = community.questions.last_message
    assert post.embeds[0].title == "Question #1"
    assert "care pathway" in post.embeds[0].description
    await community.facilitator.click(post, custom_id="copbot:questions:mute:1")
    await user.send_dm("Another one?")
    refused = await user.click(dm.last_message, label="Post anonymously")
    assert "paused" in refused.response.content
    await community.facilitator.slash(community.meeting, "questions export")
    await assert_asker_nowhere(simcord_env, db_path, all_logs, user, dm_channel_id=dm.id)
