"""Unit tests of the question text rules (no Discord)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.questions.text import ZWSP, clean_question, preview, question_body, render_safe, unrender_safe

_PIECES = [
    "\u200b",
    "\u200f",
    "\u202e",
    "\ufeff",
    "@",
    "@everyone",
    "@here",
    "<@&12>",
    "<@!34>",
    "<@56>",
    "**",
    "__",
    "`",
    "```",
    "||",
    "~~",
    "\\",
    "\n",
    "# ",
    "> ",
    "- ",
    "1. ",
    "[a](https://b.c)",
    "<#7>",
    "<t:1:R>",
]
ANY_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(st.text(max_size=20), st.sampled_from(_PIECES)), max_size=80).map("".join),
    st.text(min_size=1000, max_size=1000),
)
# What Discord would parse as a ping or a mention in shown text.
_MENTION = re.compile(r"@everyone|@here|<@[!&]?\d+>")


@settings(max_examples=300)
@given(ANY_TEXT)
def test_render_safe_never_contains_a_mention_and_round_trips(text):
    shown = render_safe(text)
    assert not _MENTION.search(shown)
    assert unrender_safe(shown) == text
    assert not _MENTION.search(question_body("explain", text))


@settings(max_examples=300)
@given(ANY_TEXT)
def test_clean_question_accepts_or_refuses_with_a_sentence(text):
    try:
        cleaned = clean_question(text, 1000)
    except UserError as error:
        assert error.message.endswith(".")
    else:
        assert 1 <= len(cleaned) <= 1000 and cleaned == cleaned.strip()


@settings(max_examples=100)
@given(st.text())
def test_markdown_characters_are_all_escaped(text):
    shown = render_safe(text)
    unescaped = re.sub(r"\\.", "", shown, flags=re.DOTALL)
    assert not set(unescaped) & set("*_~`|>#[]()<\\")


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u200b\u200f\u202e", "\ufeff \u2028"])
def test_empty_or_invisible_text_is_refused(text):
    with pytest.raises(UserError, match="can't be empty"):
        clean_question(text, 1000)


def test_over_the_limit_names_the_limit():
    with pytest.raises(UserError, match="1,001 characters long; the limit is 1,000"):
        clean_question("a" * 1001, 1000)
    assert clean_question("  " + "a" * 1000 + "\r\n", 1000) == "a" * 1000


def test_everyone_is_visibly_kept_but_broken():
    assert render_safe("@everyone") == f"@{ZWSP}everyone"
    assert render_safe("<@&12>") == f"\\<@{ZWSP}&12\\>"


def test_preview_is_one_line_and_short():
    assert preview("a\n\nb " + "c" * 200, 20) == "a b " + "c" * 15 + "…"
