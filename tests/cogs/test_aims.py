"""/aims end to end under SimCord: the configuration's purpose until the first update, the facilitators'
**Update the aims** form in their own private reply, the history in order, and the current aims in the
welcome, /help and the list before each meeting."""

from __future__ import annotations

import pytest
import time_machine

from cogs._shared import BUTTON_FOR_FACILITATORS
from tests.notices import Clocks, utc
from tests.shown import labels, replies

pytestmark = pytest.mark.timeout(90)


async def update(facilitator, community, aims: str, reason: str):
    reply = await facilitator.slash(community.meeting, "aims")
    form = await facilitator.click(reply.response, label="Update the aims")
    assert form.modal is not None, form.response
    return replies(await facilitator.submit_modal(form, {"aims": aims, "reason": reason}))[0]


async def test_aims_update_by_the_form_history_in_order_and_shown_everywhere(simcord_env, community) -> None:
    await community.configure()
    purpose = simcord_env.bot.config.community.purpose
    pat = community.add_member("pat")
    await simcord_env.settle()
    shown = await pat.slash(community.meeting, "aims")
    assert shown.response.ephemeral and labels(shown.response) == []  # nothing a member can't press
    [embed] = shown.response.embeds
    assert embed.description.replace("\\", "") == purpose and "aims we started with" in embed.fields[0].value

    fran = community.facilitator
    mine = await fran.slash(community.meeting, "aims")
    assert labels(mine.response) == ["Update the aims"]
    form = await fran.click(mine.response, label="Update the aims")
    prefilled = {c["components"][0]["custom_id"]: c["components"][0].get("value") for c in form.modal["components"]}
    assert prefilled == {"aims": purpose, "reason": None}
    saved = replies(
        await fran.submit_modal(form, {"aims": "We help put knee research into care.", "reason": "Agreed in March"})
    )
    assert saved[0].content.startswith("Saved. These are now our aims") and "reading grade" in saved[0].content
    second = await update(fran, community, "We bring knee research into everyday care, together.", "Said more plainly")
    assert second.content.startswith("Saved.")

    now = await pat.slash(community.meeting, "aims")
    [embed] = now.response.embeds
    assert "everyday care, together" in embed.description
    assert "Why: Said more plainly" in embed.fields[0].value and "<t:" in embed.fields[0].value

    history = await pat.slash(community.meeting, "aims", history=True)
    text = "\n".join(e.description for m in replies(history) for e in m.embeds)
    assert history.response.embeds[0].title == "How our aims have changed"
    first, middle, last = (
        text.index(purpose.replace(".", "\\.")[:40]),
        text.index("knee research into care"),
        text.index("together"),
    )
    assert text.startswith("**Where we started**") and first < middle < last
    assert text.index("Why: Agreed in March") < text.index("Why: Said more plainly")

    # The welcome, /help and the digest show the current aims; the configuration's text is history now.
    welcome = await pat.slash(community.meeting, "welcome")
    assert welcome.response.content == "I have sent you the welcome in a direct message."
    latest = [m for m in pat.user.dm_channel.history() if m.author.id == simcord_env.bot.user.id][-1]
    assert "everyday care, together" in latest.content.replace("\\", "") and "put good research" not in latest.content
    help_ = await pat.slash(community.meeting, "help")
    description = help_.response.embeds[0].description.replace("\\", "")
    assert description == "We bring knee research into everyday care, together." and purpose not in description


async def test_a_change_during_a_meeting_says_so_in_the_history(simcord_env, community) -> None:
    await community.configure()
    fran = community.facilitator
    await fran.slash(community.meeting, "meeting start")
    await update(fran, community, "New aims agreed together.", "Agreed at the meeting")
    history = await community.add_member("pat").slash(community.meeting, "aims", history=True)
    assert ", at meeting 1. Why: Agreed at the meeting" in history.response.embeds[0].description


@pytest.mark.parametrize(
    ("aims", "reason", "sentence"),
    [
        ("New aims.", " ", "Nothing was saved: the reason can't be empty."),
        ("Tell @everyone.", "Why", "Nothing was saved: please take out @everyone"),
        ("Read [this](https://evil.example).", "Why", "Nothing was saved: please write a link out in full"),
    ],
)
async def test_bad_aims_are_refused_and_nothing_is_saved(simcord_env, community, aims, reason, sentence) -> None:
    await community.configure()
    refused = await update(community.facilitator, community, aims, reason)
    assert refused.content.startswith(sentence)
    assert await simcord_env.bot.aims.repo.history(community.guild.id) == []


async def test_only_facilitators_update_the_aims_checked_again_on_submit(simcord_env, community) -> None:
    await community.configure()
    sam = community.add_member("sam", facilitator=True)
    mine = await sam.slash(community.meeting, "aims")
    form = await sam.click(mine.response, label="Update the aims")
    simcord_env.backend.remove_member_role(community.guild.id, sam.id, community.facilitator_role.id)
    await simcord_env.settle()
    refused = replies(await sam.submit_modal(form, {"aims": "Sam's aims.", "reason": "Because"}))[0]
    assert refused.content == BUTTON_FOR_FACILITATORS
    assert await simcord_env.bot.aims.repo.history(community.guild.id) == []


async def test_the_list_before_a_meeting_shows_the_current_aims(simcord_env, community) -> None:
    await community.configure()
    fran = community.facilitator
    await update(fran, community, "We bring knee research into everyday care.", "Agreed")
    with time_machine.travel(simcord_env.now(), tick=False) as clock:
        clocks = Clocks(simcord_env, clock)
        await fran.slash(community.meeting, "meeting schedule", when="2026-01-09 18:00", title="March meeting")
        pat = community.add_member("pat")
        added = await fran.slash(
            community.meeting, "task add", description="Read the notes", assignee=pat, due="2026-01-20"
        )
        assert "“Read the notes” is set for" in added.response.content
        await clocks.run_until(utc(2026, 1, 8, 18, 30))
    digest = [m.content for m in community.meeting.history() if "Coming up: March meeting" in m.content]
    assert digest and "**Our aims:** We bring knee research into everyday care\\." in digest[0]
