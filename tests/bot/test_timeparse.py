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


@pytest.mark.parametrize("text", ["tomorrow at 25:00", "tomorrow 24:00", "2026-12-01 17:60", "next friday 99:00"])
def test_an_impossible_time_of_day_is_refused_not_moved(text: str) -> None:
    """dateparser drops an impossible time and keeps the day (``25:00`` became 12:00 tomorrow)."""
    with pytest.raises(UserError) as caught:
        parse_when(text, "Europe/London", now=NOW)
    assert "is not a time of day" in caught.value.message and "for example" in caught.value.message


@settings(max_examples=80, deadline=None)
@given(hour=st.integers(0, 99), minute=st.integers(0, 99))
def test_every_typed_clock_time_is_kept_or_refused(hour: int, minute: int) -> None:
    text = f"2026-12-01 {hour:02d}:{minute:02d}"
    try:
        parsed = parse_when(text, "Europe/London", now=NOW)
    except UserError as error:
        assert hour > 23 or minute > 59, error.message
        return
    assert hour <= 23 and minute <= 59
    assert parsed.echo.endswith(f"{hour:02d}:{minute:02d} UK time")


def test_a_time_in_the_spring_gap_moves_to_the_first_valid_time_and_says_so() -> None:
    # Central Europe: on 28 March 2027 clocks jump from 02:00 to 03:00.
    parsed = parse_when("2027-03-28 02:30", "Europe/Paris", now=NOW)
    assert parsed.at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert parsed.echo == "Sunday 28 March 2027, 03:30 Paris time"
    assert parsed.note == "02:30 does not exist on 28 March, when clocks go forward; I used 03:30."
    # The UK jumps from 01:00 to 02:00, so there 01:30 is the missing time and 02:30 is real.
    assert parse_when("2027-03-28 01:30", "Europe/London", now=NOW).echo.endswith("02:30 UK time")
    assert parse_when("2027-03-28 02:30", "Europe/London", now=NOW).note == ""
    # The autumn change repeats an hour; that time exists, so nothing is said.
    assert parse_when("2026-10-25 01:30", "Europe/London", now=datetime(2026, 10, 1, tzinfo=UTC)).note == ""
