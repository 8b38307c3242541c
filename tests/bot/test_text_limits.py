"""The one helper that fits text into Discord's limits: never over, never a broken tag or escape."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text_limits import chunk_lines, chunk_mentions, escape_then_fit, fit, fit_lines


def _escape(text: str) -> str:
    return re.sub(r"([*_`~|>\\])", r"\\\1", text)


def test_fit_keeps_short_text_and_cuts_long_text_at_a_word():
    assert fit("hello", 10) == "hello"
    cut = fit("one two three four five six", 15)
    assert len(cut) <= 15 and cut.endswith("…") and cut == "one two three…"


def test_fit_never_leaves_a_lone_backslash_or_a_broken_tag():
    assert not fit("a" * 8 + "\\*" * 10, 10).rstrip("…").endswith("\\")
    cut = fit("Ask " + "<@123456789012345678>" * 3, 30)
    assert cut.count("<") == cut.count(">"), cut


def test_escaping_before_cutting_stays_within_the_limit():
    title = "*" * 100  # escaping doubles it
    assert len(_escape(title[:100])) == 200  # the old way: cut, then escape
    assert len(escape_then_fit(title, 100, _escape)) <= 100


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400), limit=st.integers(0, 300))
def test_fit_is_always_within_the_limit(text, limit):
    out = fit(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.text(min_size=0, max_size=120), max_size=60),
    head=st.text(max_size=80),
    foot=st.text(max_size=80),
    limit=st.integers(60, 2000),
)
def test_fit_lines_counts_every_line_it_adds(lines, head, foot, limit):
    out = fit_lines(lines, limit, head=head, foot=foot)
    assert len(out) <= limit


def test_fit_lines_says_how_many_are_left_out():
    lines = [f"line {i:03d}" for i in range(300)]
    out = fit_lines(lines, 200, head="Head", foot="Foot")
    assert len(out) <= 200 and out.startswith("Head\nline 000") and out.endswith("more.\nFoot")
    shown = sum(1 for line in out.splitlines() if line.startswith("line "))
    assert f"…and {300 - shown} more." in out
    assert fit_lines(lines[:3], 200, head="Head") == "Head\nline 000\nline 001\nline 002"


def test_chunk_lines_and_mentions():
    assert all(len(c) <= 50 for c in chunk_lines(["x" * 30] * 10 + ["y" * 80], 50))
    entries = [(f"<@{i}>: task", [i]) for i in range(1, 251)]
    chunks = chunk_mentions(entries, 2000)
    assert all(len(ids) <= 100 and len(text) <= 2000 for text, ids in chunks)
    assert [i for _, ids in chunks for i in ids] == list(range(1, 251))
    for text, ids in chunks:
        assert set(ids) == {int(m) for m in re.findall(r"<@(\d+)>", text)}
