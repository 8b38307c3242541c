"""The anonymity proofs, extended to check-in answers (/pulse).

The same searches as for questions (tests/cogs/questions/test_questions_anonymity.py): after a real
check-in (DM, form, a refused second answer, results, close), the answering member's id (as text and
as 8-byte integers), names and DM channel id are nowhere in the SQLite file and its -wal/-shm, or any
message, embed, button or file; and nowhere in the DEBUG logs from the moment answering begins.

Why the logs are searched from then on: being *asked* is not secret. The people asked are the
meeting's attendees (kept by the meeting itself), and writing them down when the check-in opens
passes their ids through the database layer's DEBUG log. What must never be logged is anything that
happens because someone answers; so the check on "were you asked?" reads the list by the check-in's
id, never by a member's id. Then the operator's attack: every DM chat read with the bot's own client
says nothing about whether, or what, anyone answered.
"""

from __future__ import annotations

import json

from conftest import Community

from tests.cogs.questions.test_questions_anonymity import (
    all_logs,  # noqa: F401  (a fixture)
    assert_asker_nowhere,
    make_asker,
)
from tests.cogs.test_pulse import answer, crowd, invitation, results_text

COMMENT = "The quiet zephyr comment about the waiting list"


def bot_dm_texts(message) -> str:
    parts = [message.content]
    parts += [json.dumps(e.to_dict(), ensure_ascii=False) for e in message.embeds]
    for row in message.components:
        for child in getattr(row, "children", [row]):
            parts += [str(getattr(child, "label", "")), str(getattr(child, "custom_id", ""))]
    return "\n".join(parts)


async def operator_reads_dm_chats(simcord_env) -> dict[int, list[str]]:
    """What an operator holding the bot's token reads: each member's DM chat, with the bot's client."""
    bot = simcord_env.bot
    chats: dict[int, list[str]] = {}
    for guild in bot.guilds:
        for member in guild.members:
            if member.bot:
                continue
            channel = await member.create_dm()
            chats[member.id] = [
                bot_dm_texts(m)
                async for m in channel.history(limit=None, oldest_first=True)
                if m.author.id == bot.user.id
            ]
    return chats


async def test_a_check_in_leaves_no_trace_of_who_answered(simcord_env, community: Community, db_path, all_logs):  # noqa: F811
    await community.configure()
    user, answerer = make_asker(simcord_env, community)
    await answerer.join_voice(community.voice)
    others = await crowd(community, ["lay", "lay", "gp", "gp", "clinician"])
    silent = community.add_member("sid_silent")
    await silent.join_voice(community.voice)
    await community.facilitator.slash(community.meeting, "pulse start")
    invited = invitation(answerer)
    dm_id = user.dm_channel.id
    all_logs.clear()  # from here on, nothing may be logged about the people who answer

    done = await answer(answerer, ("2", "5", "1"), comment=COMMENT, share="yes")
    assert "Thank you" in done.response.content and COMMENT not in done.response.content
    again = await answer(answerer, ("5", "5", "5"), comment="second try")
    assert "already answered" in again.response.content
    for index, member in enumerate(others):
        await answer(member, ("4", "4", "4"), comment=f"other comment {index}", share="yes")
    # The DM is never edited: the same message, word for word, as before answering.
    assert invitation(answerer).content == invited.content and invitation(answerer).id == invited.id
    await community.facilitator.slash(community.meeting, "pulse close")
    result = await community.facilitator.slash(community.meeting, "pulse results")
    assert COMMENT in results_text(result).replace("\\", "")

    await assert_asker_nowhere(simcord_env, db_path, all_logs, user, dm_channel_id=dm_id)

    chats = await operator_reads_dm_chats(simcord_env)
    mine, theirs = chats[answerer.id], chats[silent.id]
    assert mine and theirs
    check_ins = [t for t in mine if "Answer anonymously" in t]
    assert len(check_ins) == 1
    # The one who answered and the one who did not have the same check-in message, apart from nothing.
    assert check_ins == [t for t in theirs if "Answer anonymously" in t]
    everything = "\n".join(t for texts in chats.values() for t in texts)
    for needle in (COMMENT, "second try", "other comment", "already answered", "Thank you! Your answers"):
        assert needle not in everything, f"{needle!r} found in a DM chat the operator can read"
