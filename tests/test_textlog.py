"""The text recorder (``tests/textlog.py``): what it renders, how it measures, and that under SimCord it
sees every text the real bot shows, with the right audience."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import Community

from cogs._shared import FACILITATOR_ONLY
from tests.textlog import (
    MIN_GRADED_WORDS,
    ButtonProbe,
    TextRecorder,
    discord_time,
    for_reading,
    measure,
    option_syntax,
    percentile,
    relative,
    summarise,
)

LONDON = ZoneInfo("Europe/London")
NOON = datetime(2026, 1, 1, 12, tzinfo=UTC)


# -- as a reader sees it -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "shown"),
    [
        ("f", "6 January 2026 at 17:00"),
        ("F", "Tuesday, 6 January 2026 at 17:00"),
        ("D", "6 January 2026"),
        ("d", "06/01/2026"),
        ("t", "17:00"),
        ("R", "in 5 days"),
    ],
)
def test_discord_timestamps_read_as_dates_in_the_readers_zone(style: str, shown: str) -> None:
    unix = int(datetime(2026, 1, 6, 17, tzinfo=UTC).timestamp())
    assert discord_time(unix, style, NOON, LONDON) == shown


def test_summer_time_is_the_readers_local_time() -> None:
    unix = int(datetime(2026, 7, 1, 16, tzinfo=UTC).timestamp())
    assert discord_time(unix, "t", NOON, LONDON) == "17:00"


def test_relative_times_read_as_discord_writes_them() -> None:
    assert relative(timedelta(hours=1)) == "in an hour"
    assert relative(timedelta(days=-2)) == "2 days ago"
    assert relative(timedelta(seconds=20)) == "in a few seconds"


def test_reading_form_drops_marks_and_makes_each_line_a_sentence() -> None:
    text = "**Your tasks**\n• #1 “Read the leaflet”, due today\n> A quote ✅\nDone! See https://example.org/x"
    assert for_reading(text) == "Your tasks.\n#1 “Read the leaflet”, due today.\nA quote.\nDone! See link."


# -- measures ----------------------------------------------------------------------------------------


def test_short_texts_get_no_grade_but_their_long_words_are_listed() -> None:
    short = measure("Call the facilitators")
    assert short.words == 3 and short.grade is None
    assert short.long_words == ("facilitators",)
    assert measure("Me too").long_words == ()


def test_longer_texts_are_graded_with_textstat() -> None:
    easy = measure("You can ask a question here. Nobody will see your name. Press the button to start.")
    hard = measure(
        "Anonymous questions are posted without attribution; facilitators may subsequently designate "
        "an individual question as answered, removing it from consideration."
    )
    assert easy.words >= MIN_GRADED_WORDS and hard.words >= MIN_GRADED_WORDS
    assert easy.grade is not None and hard.grade is not None
    assert easy.grade < 5 < 12 < hard.grade


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Use `/profile` with `recaps: False` in the server.", ("recaps:",)),
        ("`reset:True` goes back to the defaults.", ("reset:",)),
        ("Try `/help topic:facilitators`.", ("topic:",)),
        ("Set check_in:1 to turn it on.", ("check_in:",)),
        ("Next meeting: Thursday at 18:00.", ()),
        ("your role: Patient, carer or member of the public", ()),
        ("Send copbot a direct message: it answers with a button.", ()),
        ("Read it at https://example.org/topic:x", ()),
    ],
)
def test_option_syntax_is_name_colon_value_not_an_english_label(text: str, found: tuple[str, ...]) -> None:
    assert option_syntax(text, {"recaps", "reset", "topic", "meeting", "role", "message"}) == found


def test_numbers_are_found_but_channel_names_are_not() -> None:
    assert measure("Your task #12 is in #meeting. Question #3.").numbers == ("#12", "#3")


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == pytest.approx(9.1)
    assert percentile([4.0], 0.5) == 4.0


# -- under SimCord, with the real bot ----------------------------------------------------------------


async def test_every_kind_of_text_is_recorded_with_who_can_read_it(simcord_env, community: Community, discord_layer):
    lee = community.add_member("lee_lay", global_name="Lee")
    recorder = TextRecorder(simcord_env, facilitator_role=community.facilitator_role.id).attach(discord_layer)
    await community.configure()
    with recorder.during("profile"):
        await lee.slash(community.meeting, "profile", role="lay")
    with recorder.during("ask"):
        shown = await lee.slash(community.meeting, "ask")
        await lee.submit_modal(shown, {"question": "What does <@&1> mean?"})
    with recorder.during("task"):
        await community.facilitator.slash(
            community.meeting, "task add", description="Read it", assignee=lee, due="in 3 days"
        )
    with recorder.during("start"):
        await community.facilitator.join_voice(community.voice)
        await community.facilitator.slash(community.meeting, "meeting start")

    assert recorder.errors == []
    by_step = {}
    for item in recorder.shown:
        by_step.setdefault(item.step, []).append(item)
    # A member's own private reply is member-facing; the settings reply to the admin is not.
    assert [(s.kind, s.audience, s.where) for s in by_step["profile"]] == [
        ("reply", "member", "private reply to lee_lay")
    ]
    assert all(s.audience == "facilitators" for s in by_step["set-up"])
    # The form, the post in the questions channel and the reply to the asker.
    kinds = [(s.kind, s.audience) for s in by_step["ask"]]
    assert ("form", "member") in kinds and ("post", "member") in kinds and ("reply", "member") in kinds
    form = next(s for s in by_step["ask"] if s.kind == "form")
    assert form.labels and form.body == ""
    post = next(s for s in by_step["ask"] if s.kind == "post")
    assert post.where == "#questions" and post.buttons
    # The task: a post members can read and a DM to Lee, dates as a reader sees them.
    dm = next(s for s in by_step["task"] if s.kind == "dm")
    assert dm.where == "DM to lee_lay" and dm.audience == "member"
    assert "<t:" not in dm.body and "2026" in dm.body
    # The panel in the private facilitators' channel is for facilitators only.
    panel = [s for s in by_step["start"] if s.where == "#facilitators"]
    assert panel and all(s.audience == "facilitators" for s in panel)
    # Summaries measure members' texts only, each distinct text once.
    summary = summarise(recorder.texts("member"))
    assert summary.texts == len(recorder.texts("member")) > 4


async def test_edits_are_recorded_as_new_versions_of_the_same_message(simcord_env, community: Community, discord_layer):
    await community.configure()
    lee, kim = community.add_member("lee"), community.add_member("kim")
    recorder = TextRecorder(simcord_env, facilitator_role=community.facilitator_role.id).attach(discord_layer)
    shown = await lee.slash(community.meeting, "ask")
    await lee.submit_modal(shown, {"question": "Is there parking?"})
    post = community.questions.last_message
    vote = next(c for row in post.components for c in row.children if c.label.startswith("Me too"))
    await kim.click(post, custom_id=vote.custom_id)
    versions = [s for s in recorder.shown if s.message_id == post.id]
    assert len(versions) >= 2 and versions[0].edit is False and versions[-1].edit is True
    assert len(recorder.posts(community.questions.id)) == 1  # one post, however often edited


async def test_the_probe_presses_each_kind_of_button_once_and_reports_refusals(
    simcord_env, community: Community, discord_layer
):
    """A member who can read the facilitators' channel (an observer role) is refused by every button of
    the facilitator panel; the recorder counts that channel as member-facing, since a member reads it."""
    observers = community.guild.create_role("Observers")
    watched = community.private_channel("facilitators-watched", viewers=[observers])
    await community.configure(facilitator_channel=watched)
    prober = community.guild.add_member(simcord_env.create_user("pat_probe"), roles=[observers])
    recorder = TextRecorder(simcord_env, facilitator_role=community.facilitator_role.id).attach(discord_layer)
    await community.facilitator.join_voice(community.voice)
    await community.facilitator.slash(community.meeting, "meeting start")
    panel = watched.last_message
    kinds = {":".join(c.custom_id.split(":")[:3]) for row in panel.components for c in row.children if c.custom_id}
    assert kinds, "the panel has buttons"

    def refusal(text: str) -> bool:
        return text.strip() == FACILITATOR_ONLY or "people running the meeting" in text

    probe = ButtonProbe(prober, recorder, refusal)
    await probe.sweep([watched])
    await probe.sweep([watched])  # nothing new to press
    assert set(probe.refused) == set(probe.pressed) == kinds
    assert sum(1 for s in recorder.shown if s.step == "button probe" and s.kind == "reply") == len(kinds)
    assert all(s.audience == "member" for s in recorder.shown if s.channel_id == watched.id)
