"""copbot's own reading measure (``bot.readability``) against textstat 0.7.4, the suite's reference."""

from __future__ import annotations

import tomllib

import pytest
import textstat

from bot.readability import GRADE_GOAL, Reading, measure, plain_text, syllables
from bot.roles import CONFIG_DIR

#: Texts of the kinds copbot and facilitators write: plain, middling and jargon-heavy.
SAMPLES = [
    "We are patients, carers, health staff and researchers. We meet to share what we know and to put good "
    "research into everyday care. Everyone's view counts here, and no question is too small.",
    "Type /ask in the server and a form opens. Your question is shown with no name on it.",
    "Sorry, something went wrong on our side and nothing was changed. Please try again in a moment, or let a "
    "facilitator know.",
    "A Community of Practice is a group of people who share a concern and learn how to do it better as they "
    "meet regularly.",
    "Commissioners plan and buy health services for the local population, using a budget from the NHS.",
    "A randomised controlled trial compares two groups of patients: one gets the new treatment, the other does not.",
    *(t["meaning"] for t in tomllib.loads((CONFIG_DIR / "glossary.toml").read_text())["term"]),
]


@pytest.mark.parametrize("text", SAMPLES)
def test_words_are_counted_as_textstat_counts_them(text: str) -> None:
    assert measure(text).words == textstat.lexicon_count(text)


@pytest.mark.parametrize("text", SAMPLES)
def test_the_grade_is_within_about_a_grade_of_textstat(text: str) -> None:
    """A hint for facilitators, not a verdict: close enough to tell easy from hard."""
    assert abs(measure(text).grade - textstat.flesch_kincaid_grade(text)) <= 1.5


def test_hard_text_scores_higher_than_plain_text() -> None:
    plain = measure("We meet once a month. You can listen, talk or type.")
    hard = measure("Implementation necessitates organisational infrastructure and multidisciplinary collaboration.")
    assert plain.grade <= GRADE_GOAL < hard.grade


def test_syllables_of_common_words() -> None:
    assert [syllables(w) for w in ("care", "meeting", "question", "researcher", "something", "area")] == [
        1,
        2,
        2,
        3,
        2,
        2,
    ]


def test_a_message_is_read_as_a_member_sees_it() -> None:
    message = "**Our next meeting** is <t:1772564400:F> (<t:1772564400:R>).\n• Ask in <#42> or <@7>. \\*Really\\*"
    assert plain_text(message, {42: "meeting"}) == (
        "Our next meeting is Tuesday 3 March 2026 at 7 pm (in 2 days).\nAsk in #meeting or @someone. Really"
    )


def test_the_facilitator_is_told_the_figures_and_the_goal() -> None:
    assert Reading(23, 6.14).describe() == (
        "23 words, reading grade 6.1 (copbot aims for 5 or below: shorter words and sentences would make it easier)"
    )
    assert Reading(1, 2.0).describe().startswith("1 word, reading grade 2.0 (copbot aims for 5 or below: easy")
    assert measure("") == Reading(0, 0.0)
