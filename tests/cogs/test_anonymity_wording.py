"""What copbot says about anonymity is true, and said the same way everywhere (issue 27).

copbot told members "nobody, not even the people who run copbot, can see who asked", which no bot can
promise: Discord tells every bot who pressed what. Every message members see is collected here from
the real bot (the question post and its footer, the confirmations, the DM reply, the welcome DM,
``/help``, the check-in DM and its thanks, ``/privacy``, the form and the command list), split into
sentences, and each sentence that speaks about who can know who asked, voted or answered must be one
of the sentences in ``bot/privacy/promise.py``, word for word. None, there or in README.md and
PRIVACY.md, may claim that the people who run copbot could not find out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Community

from bot.privacy import promise
from tests.cogs.test_pulse import answer, crowd, invitation

pytestmark = [pytest.mark.timeout(180), pytest.mark.simcord(settle_timeout=45)]

ROOT = Path(__file__).resolve().parents[2]


def message_texts(message) -> list[str]:
    out = [message.content or ""]
    for embed in message.embeds:
        data = embed.to_dict()
        out += [data.get("title", ""), data.get("description", ""), (data.get("footer") or {}).get("text", "")]
        out += [f"{f['name']}\n{f['value']}" for f in data.get("fields", [])]
    for row in message.components:
        for child in getattr(row, "children", [row]):
            out.append(str(getattr(child, "label", "") or ""))
    return out


async def walk_the_welcome(newcomer) -> list[str]:
    """Every step of the welcome (issue 30: five short steps by direct message) and its practice reply."""
    [step] = newcomer.user.dm_channel.history()
    texts = message_texts(step)
    for number in range(2, 6):
        if number == 4:  # on step 3: the practice, and what it says
            form = await newcomer.user.click(step, label="Practice")
            practised = await newcomer.user.submit_modal(form, {"question": "What is a care pathway?"})
            texts += message_texts(practised.response)
        step = (await newcomer.user.click(step, label="Next")).response.message
        texts += message_texts(step)
    return texts


def check(texts: list[str], where: str) -> list[str]:
    """Every problem: an anonymity sentence that is not from the source, or a forbidden claim."""
    problems = []
    for text in texts:
        for sentence in promise.sentences(text):
            if promise.FORBIDDEN.search(sentence):
                problems.append(f"{where}: forbidden claim: {sentence!r}")
            elif promise.ANONYMITY_CLAIM.search(sentence) and sentence not in promise.SENTENCES:
                problems.append(f"{where}: not from bot/privacy/promise.py: {sentence!r}")
    return problems


def test_the_source_itself_is_short_plain_and_claims_nothing_false():
    assert len(promise.FOOTER) <= 100
    for sentence in promise.SENTENCES:
        assert not promise.FORBIDDEN.search(sentence), sentence
        assert len(sentence.split()) <= 20, sentence
        assert promise.sentences(sentence) == [sentence]
    # The review's wording must be caught by the test, or the test proves nothing.
    for old in (
        "Asked anonymously: nobody, not even copbot's operators, can see who asked.",
        "It is posted without your name, and nobody, not even the people who run me, can see who asked.",
        "Nobody can see who answered or what they said.",
        "It cannot be turned back into your id, not even by the person who runs copbot.",
    ):
        assert check([old], "old"), old


async def test_every_member_facing_anonymity_sentence_comes_from_the_one_source(simcord_env, community: Community):
    people = await crowd(community, ["lay", "gp", "lay", "gp", "lay"])
    await community.configure()
    bot = simcord_env.bot
    texts: dict[str, list[str]] = {}
    member = people[0]

    shown = await member.slash(community.meeting, "ask")
    texts["question form"] = json.dumps(shown.modal).split('"')
    asked = await member.submit_modal(shown, {"question": "What is a care pathway?"})
    texts["/ask confirmation"] = message_texts(asked.response)
    texts["question post"] = message_texts(community.questions.last_message)
    copy = next(m for m in community.facilitators.history() if m.components)
    muted = await community.facilitator.click(copy, custom_id="copbot:questions:mute:n1")
    texts["mute reply"] = message_texts(muted.response)

    await people[1].user.send_dm("hello")
    texts["DM reply"] = [m.content for m in people[1].user.dm_channel.history() if m.author.id == bot.user.id]
    dm_form = await people[1].user.click(people[1].user.dm_channel.history()[-1], label="Ask anonymously")
    from_dm = await people[1].user.submit_modal(dm_form, {"question": "Asked from a DM?"})
    texts["DM confirmation"] = message_texts(from_dm.response)

    newcomer = community.add_member("newcomer")
    await simcord_env.settle()
    texts["welcome DM"] = await walk_the_welcome(newcomer)

    helped = await member.slash(community.meeting, "help")
    texts["/help"] = [t for m in [helped.response, *helped.followups] if m for t in message_texts(m)]
    guide = await community.facilitator.slash(community.meeting, "help", topic="facilitators")
    texts["/help for facilitators"] = [t for m in [guide.response, *guide.followups] if m for t in message_texts(m)]
    privacy = await member.slash(community.meeting, "privacy")
    texts["/privacy"] = message_texts(privacy.response)
    commands = {c.name: getattr(c, "description", "") for c in bot.tree.get_commands()}
    texts["command list"] = list(commands.values())

    await community.facilitator.slash(community.meeting, "pulse start")
    texts["check-in DM"] = message_texts(invitation(people[2]))
    done = await answer(people[2], ("3", "4", "4"))
    texts["check-in thanks"] = message_texts(done.response)

    for where, found in texts.items():
        assert any(t.strip() for t in found), f"nothing collected for {where}"
    problems = [p for where, found in texts.items() for p in check(found, where)]
    assert problems == []
    # The promise, and its limits, are said where DESIGN.md asks.
    everything = {where: " ".join(" ".join(promise.sentences(t)) for t in found) for where, found in texts.items()}
    for where in ("DM reply", "welcome DM", "/help", "/privacy"):
        assert promise.KEEPS_NOTHING in everything[where], where
        assert promise.DM_SEEN in everything[where], where
    for where in ("welcome DM", "/help for facilitators", "/privacy", "check-in DM"):
        assert promise.ANY_BOT in everything[where], where
    assert promise.FOOTER in " ".join(texts["question post"])
    assert promise.ASK_PRIVATELY in everything["DM reply"]


@pytest.mark.parametrize("name", ["README.md", "PRIVACY.md", "docs/commands.md"])
def test_the_documents_make_no_false_claim_and_state_the_limits(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    problems = check([text], name)
    assert [p for p in problems if "forbidden" in p] == []
    if name == "docs/commands.md":
        return
    if name == "PRIVACY.md":
        for sentence in (promise.KEEPS_NOTHING, promise.ANY_BOT, promise.TRUST, promise.DM_SEEN, promise.DM_WHAT):
            assert sentence in text, sentence
        assert "What the person who runs copbot can and cannot learn, and when" in text
    else:
        assert "keeps nothing that ties a question, a vote or a check-in answer to a person" in " ".join(text.split())
        assert "could be changed by whoever runs it" in " ".join(text.split())
