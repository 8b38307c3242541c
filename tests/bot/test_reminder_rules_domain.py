"""A server's own reminder rules without Discord: reading what was typed, and the plain-words summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserError
from bot.reminders.policy import PolicyOverrides, ReminderPolicy, replan_digest
from bot.reminders.rules import change_rules, describe, digest_when, parse_days_before

DEFAULTS = ReminderPolicy()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3, 1", (3, 1)), ("1 3", (3, 1)), ("7,7, 2", (7, 2)), ("2 and 5", (5, 2)), ("None", ()), (" off ", ())],
)
def test_days_before_is_read_largest_first(text: str, expected: tuple[int, ...]) -> None:
    assert parse_days_before(text) == expected


@pytest.mark.parametrize("text", ["", "0", "61", "3, -1", "soon", "1.5", "1,2,3,4,5,6", "3 days", "²", "0003"])
def test_bad_days_before_is_one_sentence(text: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_days_before(text)
    assert raised.value.message.endswith("Nothing was changed.")


@given(st.text(max_size=40))
def test_days_before_never_fails_otherwise(text: str) -> None:
    try:
        days = parse_days_before(text)
    except UserError:
        return
    assert len(days) <= 5 and all(1 <= d <= 60 for d in days) and list(days) == sorted(set(days), reverse=True)


def test_changes_keep_earlier_choices_and_reset_starts_again() -> None:
    current = PolicyOverrides(send_hour=11, overdue_max=1)
    changed = change_rules(current, DEFAULTS, days_before="2")
    assert changed == PolicyOverrides(days_before=(2,), send_hour=11, overdue_max=1)
    assert change_rules(changed, DEFAULTS, reset=True) == PolicyOverrides()
    assert change_rules(changed, DEFAULTS, reset=True, on_due_day=False) == PolicyOverrides(on_due_day=False)
    assert changed.apply(DEFAULTS) == ReminderPolicy(days_before=(2,), send_hour=11, overdue_max=1)


def test_send_hour_must_be_in_the_day_time_window() -> None:
    assert change_rules(PolicyOverrides(), DEFAULTS, send_hour=8).send_hour == 8
    assert change_rules(PolicyOverrides(), DEFAULTS, send_hour=19).send_hour == 19
    for hour in (7, 20, -1, 25):
        with pytest.raises(UserError, match="from 8 to 19"):
            change_rules(PolicyOverrides(), DEFAULTS, send_hour=hour)


def test_the_rules_in_plain_words() -> None:
    assert describe(DEFAULTS) == (
        "Reminders: 3 days and 1 day before the due date, and on the day, at 09:00; "
        "overdue nudges every 7 days, at most 3; meeting digest 24 hours before"
    )
    assert describe(ReminderPolicy(days_before=(5, 3, 1), on_due_day=False, overdue_every_days=1)) == (
        "Reminders: 5 days, 3 days and 1 day before the due date, at 09:00; "
        "overdue nudges every day, at most 3; meeting digest 24 hours before"
    )
    assert describe(ReminderPolicy(days_before=(), send_hour=10, overdue_max=1, digest_hours_before=1)) == (
        "Reminders: on the due date, at 10:00; overdue nudges every 7 days, at most 1; meeting digest 1 hour before"
    )
    assert describe(ReminderPolicy(days_before=(), on_due_day=False, send_hour=10)) == (
        "Reminders: none before the due date; overdue nudges at 10:00 every 7 days, at most 3; "
        "meeting digest 24 hours before"
    )


def test_a_digest_moved_into_the_past_goes_out_now_and_none_after_the_start() -> None:
    start = datetime(2026, 3, 10, 18, tzinfo=UTC)
    now = start - timedelta(hours=30)
    early = replan_digest(start, now, "Europe/London", ReminderPolicy(digest_hours_before=48))
    assert early is not None and early.at == now and early.kind == f"digest:{start.isoformat()}"
    later = replan_digest(start, now, "Europe/London", ReminderPolicy(digest_hours_before=2))
    assert later is not None and later.at == start - timedelta(hours=2)
    assert replan_digest(start, start, "Europe/London", DEFAULTS) is None


def test_how_long_before_a_meeting_in_words() -> None:
    assert [digest_when(h) for h in (24, 48, 1, 3, 30)] == [
        "the day before",
        "2 days before",
        "1 hour before",
        "3 hours before",
        "30 hours before",
    ]
