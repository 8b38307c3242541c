"""The date parser wrapper: what members type, read in the server's timezone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.timeparse import ParsedWhen, describe, parse_when, zone_words

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("2026-12-01", "Tuesday 1 December 2026, 17:00 UK time"),
        ("2026-12-01 09:30", "Tuesday 1 December 2026, 09:30 UK time"),
        ("01/12/2026", "Tuesday 1 December 2026, 17:00 UK time"),
        ("next friday", "Friday 27 November 2026, 17:00 UK time"),
        ("in 3 days", "Thursday 26 November 2026, 17:00 UK time"),
        ("tomorrow 5pm", "Tuesday 24 November 2026, 17:00 UK time"),
        ("in 2 hours", "Monday 23 November 2026, 13:00 UK time"),
    ],
)
def test_understood_dates(text: str, echo: str) -> None:
    assert parse_when(text, "Europe/London", now=NOW).echo == echo


def test_date_is_read_in_the_servers_timezone_with_its_own_dst() -> None:
    # 10 March 2026 is after the US clocks change (8 March): 17:00 EDT is 21:00 UTC.
    parsed = parse_when("2026-03-10", "America/New_York", now=datetime(2026, 1, 5, tzinfo=UTC))
    assert parsed.at == datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
    assert parsed.echo == "Tuesday 10 March 2026, 17:00 New York time"


@pytest.mark.parametrize(
    ("text", "words"),
    [("whenever", "couldn't read"), ("2026-01-01", "in the past"), ("2030-01-01", "two years"), ("", "couldn't read")],
)
def test_bad_dates_give_one_sentence_with_an_example(text: str, words: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_when(text, "Europe/London", now=NOW)
    assert words in caught.value.message and "for example" in caught.value.message


def test_zone_words() -> None:
    assert zone_words("Europe/London") == "UK time"
    assert zone_words("America/New_York") == "New York time"
    assert zone_words("UTC") == "UTC time"
    assert describe(datetime(2026, 12, 4, 17, tzinfo=UTC), "Europe/London") == "Friday 4 December 2026, 17:00 UK time"


@settings(max_examples=150, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.from_regex(r"(in \d{1,4} (days|weeks|hours)|next \w+|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}( \d{1,2}:\d{2})?)"),
    ),
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "UTC"]),
)
def test_wrapper_always_returns_a_future_date_or_a_message(text: str, zone: str) -> None:
    try:
        parsed = parse_when(text, zone, now=NOW)
    except UserError as error:
        assert error.message and "\n" not in error.message
        return
    assert isinstance(parsed, ParsedWhen)
    assert parsed.at.tzinfo is not None and NOW < parsed.at <= datetime(2028, 11, 24, 12, tzinfo=UTC)
    assert parsed.echo
