"""Which reminders a task gets, and when (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.meetings import next_occurrence
from bot.reminders.policy import ReminderPolicy, is_late, outside_quiet_hours, plan_digest, plan_task

POLICY = ReminderPolicy()
LONDON = ZoneInfo("Europe/London")


def test_plan_for_a_task_is_at_nine_local_with_stable_kinds() -> None:
    due = datetime(2026, 12, 4, 17, tzinfo=UTC)
    plan = plan_task(due, datetime(2026, 11, 1, tzinfo=UTC), "Europe/London", POLICY)
    assert [r.kind for r in plan] == ["before:3", "before:1", "due", "overdue:1", "overdue:2", "overdue:3"]
    assert all(r.at.astimezone(LONDON).hour == 9 for r in plan)
    assert [r.at.astimezone(LONDON).day for r in plan] == [1, 3, 4, 11, 18, 25]


def test_instants_before_creation_are_skipped() -> None:
    due = datetime(2026, 12, 4, 17, tzinfo=UTC)
    plan = plan_task(due, datetime(2026, 12, 3, 12, tzinfo=UTC), "Europe/London", POLICY)
    assert [r.kind for r in plan] == ["due", "overdue:1", "overdue:2", "overdue:3"]


def test_early_due_time_skips_the_on_the_day_reminder() -> None:
    due = datetime(2026, 12, 4, 8, tzinfo=UTC)
    kinds = [r.kind for r in plan_task(due, datetime(2026, 11, 1, tzinfo=UTC), "Europe/London", POLICY)]
    assert "due" not in kinds and "before:1" in kinds


def test_night_instants_move_to_the_next_morning() -> None:
    night = datetime(2026, 12, 4, 22, tzinfo=UTC)
    assert outside_quiet_hours(night, LONDON, POLICY) == datetime(2026, 12, 5, 9, tzinfo=UTC)
    early = datetime(2026, 12, 4, 6, tzinfo=UTC)
    assert outside_quiet_hours(early, LONDON, POLICY) == datetime(2026, 12, 4, 9, tzinfo=UTC)
    day = datetime(2026, 12, 4, 12, tzinfo=UTC)
    assert outside_quiet_hours(day, LONDON, POLICY) == day


def test_digest_is_a_day_before_and_names_the_occurrence() -> None:
    start = datetime(2026, 12, 4, 18, tzinfo=UTC)
    digest = plan_digest(start, "Europe/London", POLICY)
    assert digest.at == start - timedelta(hours=24) and digest.kind == f"digest:{start.isoformat()}"
    morning = datetime(2026, 12, 4, 7, tzinfo=UTC)  # 07:00 the day before is night: moved to 09:00
    assert plan_digest(morning, "Europe/London", POLICY).at == datetime(2026, 12, 3, 9, tzinfo=UTC)


def test_lateness() -> None:
    at = datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert not is_late(at, at + timedelta(hours=23)) and is_late(at, at + timedelta(hours=25))


def test_repeats_keep_the_wall_clock_time_and_day_of_month() -> None:
    start = datetime(2026, 3, 20, 19, tzinfo=UTC)  # 19:00 GMT; the clocks change on 29 March
    weekly = next_occurrence(start, "weekly", "Europe/London", datetime(2026, 3, 28, tzinfo=UTC))
    assert weekly == datetime(2026, 4, 3, 18, tzinfo=UTC)  # still 19:00 on the UK clock (BST)
    monthly = next_occurrence(
        datetime(2026, 1, 31, 18, tzinfo=UTC), "monthly", "Europe/London", datetime(2026, 2, 1, tzinfo=UTC)
    )
    assert monthly == datetime(2026, 2, 28, 18, tzinfo=UTC)
    assert next_occurrence(start, "none", "Europe/London", start) is None
    quarterly = next_occurrence(start, "quarterly", "Europe/London", start)
    assert quarterly is not None and quarterly.astimezone(LONDON).date().isoformat() == "2026-06-20"
