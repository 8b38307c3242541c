"""/glossary end to end under SimCord: members look words up (with autocomplete); facilitators add, change and
remove them from buttons in their own private reply; an /explain answer goes in with one press; bad input is
refused in one sentence with nothing saved; and only facilitators can change it, checked again on submit."""

from __future__ import annotations

import pytest

from cogs._shared import BUTTON_FOR_FACILITATORS
from tests.shown import labels, replies

pytestmark = pytest.mark.timeout(90)


async def terms(env, community) -> dict[str, str]:
    return {e.term: e.meaning for e in await env.bot.glossary.entries(community.guild.id)}


async def open_form(actor, reply, label: str):
    shown = await actor.click(reply, label=label)
    assert shown.modal is not None, shown.response
    return shown


async def test_members_look_words_up_and_see_no_controls(simcord_env, community) -> None:
    await community.configure()
    pat = community.add_member("pat")
    listed = await pat.slash(community.meeting, "glossary")
    reply = listed.response
    assert reply.ephemeral and labels(reply) == []
    [embed] = reply.embeds
    assert embed.title.startswith("Words we use (") and "**CoP**:" in embed.description
    assert "Type /glossary with a word" in embed.footer.text
    one = await pat.slash(community.meeting, "glossary", term="  cop ")
    [embed] = one.response.embeds
    assert embed.title == "CoP" and "Community of Practice" in embed.description
    assert embed.fields == [] and labels(one.response) == []  # no author, no buttons for members
    missing = await pat.slash(community.meeting, "glossary", term="Triage")
    assert missing.response.content == (
        "“Triage” is not in the glossary yet. You can ask what it means with /explain, without your name."
    )


async def test_autocomplete_offers_at_most_25_words_starting_with_what_was_typed(simcord_env, community) -> None:
    await community.configure()
    for n in range(30):
        await simcord_env.bot.glossary.add(community.guild.id, f"Care word {n:02d}", "A test word.", 1)
    pat = community.add_member("pat")
    choices = await pat.autocomplete(community.meeting, "glossary", "term", "car")
    names = [c["name"] for c in choices]
    assert len(names) == 25 and names[0] == "Care pathway" and names[1] == "Care word 00"
    assert [c["name"] for c in await pat.autocomplete(community.meeting, "glossary", "term", "pathw")] == [
        "Care pathway"
    ]


async def test_a_facilitator_adds_changes_and_removes_from_their_own_reply(simcord_env, community) -> None:
    await community.configure()
    fran = community.facilitator
    listed = await fran.slash(community.meeting, "glossary")
    assert labels(listed.response) == ["Add a term", "Change", "Remove"]

    form = await open_form(fran, listed.response, "Add a term")
    assert [c["components"][0]["custom_id"] for c in form.modal["components"]] == ["term", "meaning"]
    added = await fran.submit_modal(form, {"term": "Triage", "meaning": "Deciding who needs care first."})
    [reply] = replies(added)
    assert reply.ephemeral and reply.content.startswith("Added **Triage** to the glossary. Its meaning: 5 words,")
    assert "reading grade" in reply.content
    assert (await terms(simcord_env, community))["Triage"] == "Deciding who needs care first."

    # A member sees the word with no author; the facilitator's own reply says who wrote it, and has buttons.
    seen = await community.add_member("pat").slash(community.meeting, "glossary", term="triage")
    assert seen.response.embeds[0].fields == []
    mine = await fran.slash(community.meeting, "glossary", term="triage")
    [field] = mine.response.embeds[0].fields
    assert fran.mention in field.value and labels(mine.response) == ["Add a term", "Change", "Remove"]

    form = await open_form(fran, mine.response, "Change")
    values = {c["components"][0]["custom_id"]: c["components"][0].get("value") for c in form.modal["components"]}
    assert values == {"term": "Triage", "meaning": "Deciding who needs care first."}  # filled in
    changed = await fran.submit_modal(form, {"term": "Triage nurse", "meaning": "A nurse who decides who goes first."})
    assert replies(changed)[0].content.startswith("Saved the new meaning of **Triage nurse**.")
    words = await terms(simcord_env, community)
    assert "Triage" not in words and words["Triage nurse"] == "A nurse who decides who goes first."

    form = await open_form(fran, listed.response, "Remove")
    assert [c["components"][0]["custom_id"] for c in form.modal["components"]] == ["term"]
    removed = await fran.submit_modal(form, {"term": "triage NURSE"})
    assert replies(removed)[0].content == "Removed **Triage nurse** from the glossary."
    assert "Triage nurse" not in await terms(simcord_env, community)


@pytest.mark.parametrize(
    ("term", "meaning", "sentence"),
    [
        (" ", "Something.", "Nothing was saved: the word can't be empty."),
        ("Triage", "   ", "Nothing was saved: the meaning can't be empty."),
        ("T" * 61, "Something.", "Nothing was saved: the word can be at most 60 characters, and this is 61."),
        (
            "cop",
            "A duplicate.",
            "Nothing was saved: “cop” is already in the glossary, so press Change to edit its meaning.",
        ),
        ("Triage", "Tell @everyone now.", "Nothing was saved: please take out @everyone, @here and mentions"),
        ("Triage", "See [the NHS](https://evil.example/x).", "Nothing was saved: please write a link out in full"),
    ],
)
async def test_bad_input_is_refused_in_one_sentence_and_nothing_is_saved(
    simcord_env, community, term, meaning, sentence
):
    await community.configure()
    fran = community.facilitator
    before = await terms(simcord_env, community)
    listed = await fran.slash(community.meeting, "glossary")
    form = await open_form(fran, listed.response, "Add a term")
    refused = await fran.submit_modal(form, {"term": term, "meaning": meaning})
    [reply] = replies(refused)
    assert reply.ephemeral and reply.content.startswith(sentence)
    assert reply.content.count(". ") == 0  # one sentence
    assert await terms(simcord_env, community) == before


async def test_only_facilitators_change_it_checked_again_when_the_form_is_sent(simcord_env, community) -> None:
    await community.configure()
    sam = community.add_member("sam", facilitator=True)
    listed = await sam.slash(community.meeting, "glossary")
    form = await open_form(sam, listed.response, "Add a term")
    simcord_env.backend.remove_member_role(community.guild.id, sam.id, community.facilitator_role.id)
    await simcord_env.settle()
    refused = await sam.submit_modal(form, {"term": "Triage", "meaning": "Deciding who needs care first."})
    assert replies(refused)[0].content == BUTTON_FOR_FACILITATORS
    assert "Triage" not in await terms(simcord_env, community)
    pressed = await sam.click(listed.response, label="Remove")  # the old reply's button is checked too
    assert pressed.modal is None and pressed.response.content == BUTTON_FOR_FACILITATORS


async def test_an_explain_answer_goes_into_the_glossary_with_one_press(simcord_env, community) -> None:
    await community.configure()
    pat = community.add_member("pat")
    asked = await pat.slash(community.meeting, "explain", term="Commissioning")
    assert asked.response is not None
    [copy] = [m for m in community.facilitators.history() if m.embeds]  # the facilitators' copy
    fran = community.facilitator
    form = await fran.click(copy, label="Write an answer")
    answered = await fran.submit_modal(form, {"answer": "Planning and paying for the care an area needs."})
    [confirmation] = replies(answered)
    assert labels(confirmation) == ["Add to the glossary"]
    pressed = await fran.click(confirmation, label="Add to the glossary")
    assert any(m.content.startswith("Added **Commissioning** to the glossary.") for m in replies(pressed))
    assert (await terms(simcord_env, community))["Commissioning"] == "Planning and paying for the care an area needs."
    assert labels(confirmation) == []  # one press: the button is gone
    looked = await pat.slash(community.meeting, "glossary", term="commissioning")
    assert looked.response.embeds[0].description == "Planning and paying for the care an area needs\\."


async def test_a_plain_question_s_answer_has_no_glossary_button(simcord_env, community) -> None:
    await community.configure()
    pat = community.add_member("pat")
    form = await pat.slash(community.meeting, "ask")
    await pat.submit_modal(form, {"question": "When is the next meeting?"})
    [copy] = [m for m in community.facilitators.history() if m.embeds]
    form = await community.facilitator.click(copy, label="Write an answer")
    answered = await community.facilitator.submit_modal(form, {"answer": "On the 12th."})
    assert labels(replies(answered)[0]) == []


async def test_the_recap_lists_the_words_explained_at_the_meeting(simcord_env, community) -> None:
    await community.configure()
    fran = community.facilitator
    await simcord_env.bot.glossary.entries(community.guild.id)  # starter words, before the meeting
    await fran.join_voice(community.voice)
    await fran.slash(community.meeting, "meeting start")
    listed = await fran.slash(community.meeting, "glossary")
    form = await open_form(fran, listed.response, "Add a term")
    await fran.submit_modal(form, {"term": "Triage", "meaning": "Deciding who needs care first."})
    await fran.slash(community.meeting, "meeting end")
    await simcord_env.settle()
    [thread] = community.meeting.threads
    text = "\n".join(e.description or "" for m in thread.history() for e in m.embeds)
    titles = [e.title for m in thread.history() for e in m.embeds]
    assert "Words explained (1)" in titles
    assert "**Triage**: Deciding who needs care first." in text and "**CoP**" not in text


def test_a_long_glossary_lists_its_words_alone_within_discord_s_limits() -> None:
    from datetime import UTC, datetime

    from bot.storage.glossary import GlossaryEntry
    from cogs.glossary._views import list_messages

    now = datetime(2026, 3, 1, tzinfo=UTC)
    entries = [
        GlossaryEntry(i, 1, i, f"{chr(65 + i % 26)}*word* number {i:03d}", "m_" * 500, 0, None, 0, now, now)
        for i in range(300)
    ]
    messages = list_messages(entries)
    embeds = [e for m in messages for e in m]
    assert all(len(m) <= 10 and sum(len(e) for e in m) <= 6000 for m in messages)
    assert all(len(e.description or "") <= 4096 for e in embeds)
    text = "\n".join(e.description or "" for e in embeds)
    assert "m\\_" not in text  # the words alone: each meaning is one /glossary away
    assert all(f"number {i:03d}" in text for i in range(300)) and "\\*word\\*" in text
    short = list_messages(entries[:3])
    assert len(short) == 1 and "m\\_m\\_" in short[0][0].description  # a short glossary shows the meanings
