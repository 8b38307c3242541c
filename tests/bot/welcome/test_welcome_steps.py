"""Every step of the welcome, in every variant, within its budget: at most 60 words, Flesch–Kincaid grade
5 or below (textstat 0.7.4), measured on the text as a member reads it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import textstat

from bot.config import load_config
from bot.privacy import promise
from bot.readability import plain_text
from bot.roles import ROLES
from bot.welcome import steps
from bot.welcome.steps import NextMeeting, Step, Word, aims_summary

PURPOSE = load_config({}).community.purpose
MEETING = NextMeeting("Knee health and you", datetime(2026, 3, 3, 19, tzinfo=UTC))
CHANNEL = 1_234_567_890_123
WORDS = tuple(Word(i, term) for i, term in enumerate(["CoP", "Evidence", "Research", "Lay member", "GP", "NHS"]))


def every_step() -> list[Step]:
    return [
        steps.step_one("Knee Pain CoP", PURPOSE),
        steps.step_two(None),
        *(steps.step_two(role.key) for role in ROLES),
        steps.step_three(),
        steps.step_four(WORDS),
        steps.step_four(()),
        steps.step_five(MEETING, "", CHANNEL),
        steps.step_five(MEETING, "Sam, our facilitator (sam@example.org)", CHANNEL),
        steps.step_five(None, "", CHANNEL),
        steps.step_five(None, "", None),
    ]


def read(text: str) -> str:
    return plain_text(text, {CHANNEL: "meeting"})


@pytest.mark.parametrize("step", every_step(), ids=lambda s: f"step{s.number}")
def test_each_step_is_short_and_plain(step: Step) -> None:
    text = read(step.text)
    assert textstat.lexicon_count(text) <= 60, text
    assert textstat.flesch_kincaid_grade(text) <= 5, text


@pytest.mark.parametrize(
    "text",
    [steps.PRACTICE_SHOWN, steps.PRACTICE_REFUSED, steps.FINISHED, steps.START_HERE, steps.DM_SENT, steps.DM_CLOSED],
)
def test_the_welcome_s_other_sentences_are_short_and_plain(text: str) -> None:
    assert textstat.lexicon_count(read(text)) <= 80
    assert textstat.flesch_kincaid_grade(read(text)) <= 5


def test_the_steps_say_what_the_issue_asks() -> None:
    one, two, three, four, five = (
        steps.step_one("Knee Pain CoP", PURPOSE),
        steps.step_two(None),
        steps.step_three(),
        steps.step_four(WORDS),
        steps.step_five(MEETING, "", CHANNEL),
    )
    assert one.text.startswith("Welcome to **Knee Pain CoP**!") and "put good research into everyday care" in one.text
    assert "voice call" in one.text
    assert [r.key for r in two.roles] == [r.key for r in ROLES] and not any(r.chosen for r in two.roles)
    for role in ROLES:  # each role's plain label and what people in it bring
        assert f"**{role.short}**: {role.brings}." in two.text
    assert three.practice and "/ask" in three.text and "posted or kept" in three.text
    assert "without your name" in three.text and "could not" not in three.text
    assert [w.term for w in four.words] == [w.term for w in WORDS] and "/glossary" in four.text
    assert "<t:1772564400:F>" in five.text and "<t:1772564400:R>" in five.text and five.calendar
    assert f"<#{CHANNEL}>" in five.text and five.is_last and not four.is_last


def test_a_chosen_role_is_named_and_marked() -> None:
    step = steps.step_two("gp")
    assert "Saved: **GP**" in step.text and "/profile" in step.text
    assert [r.key for r in step.roles if r.chosen] == ["gp"]


def test_long_aims_are_cut_to_whole_sentences_and_point_to_aims() -> None:
    sentence = "We work together on knee pain care in our town."
    long_aims = " ".join([sentence] * 20)
    summary, cut = aims_summary(long_aims)
    assert cut and summary == " ".join([sentence] * 3)
    step = steps.step_one("Knee Pain CoP", long_aims)
    assert "There is more in /aims." in step.text
    assert textstat.lexicon_count(read(step.text)) <= 60
    one_long_sentence = "word " * 100
    summary, cut = aims_summary(one_long_sentence)
    assert cut and summary.endswith("…") and len(summary.split()) == steps.AIMS_WORDS
    assert aims_summary(PURPOSE) == (PURPOSE, False)


def test_markdown_in_the_aims_and_the_server_name_is_shown_as_typed() -> None:
    step = steps.step_one("*Bold* CoP", "We **shout** @everyone.")
    assert "\\*Bold\\*" in step.text and "\\*\\*shout\\*\\*" in step.text and "@everyone" not in step.text


def test_the_welcome_says_about_anonymity_only_what_holds() -> None:
    """Word for word from bot/privacy/promise.py, and between step 3 and the practice all that DESIGN.md
    asks a member to be told: the promise, its limit, and that the person who runs copbot sees DMs."""
    texts = [s.text for s in every_step()] + [steps.PRACTICE_SHOWN, steps.START_HERE, steps.DM_CLOSED]
    for text in texts:
        for sentence in promise.sentences(text):
            assert not promise.FORBIDDEN.search(sentence), sentence
            if promise.ANONYMITY_CLAIM.search(sentence):
                assert sentence in promise.SENTENCES, sentence
    three = steps.step_three().text
    assert promise.KEEPS_NOTHING in three and promise.DM_SEEN in three
    assert promise.ANY_BOT in steps.PRACTICE_SHOWN and promise.TRUST in steps.PRACTICE_SHOWN
    assert "/privacy" in steps.step_five(MEETING, "", CHANNEL).text
