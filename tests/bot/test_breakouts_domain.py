"""Breakout rules without Discord: who takes part, sizes, sentences, and the session store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.breakouts import (
    Candidate,
    MoveResult,
    attendance_for_planning,
    build_roster,
    check_size,
    make_plan,
    members_with_roles,
    missing_permission,
    open_report,
    progress_text,
)
from bot.clock import utcnow
from bot.errors import UserError
from bot.grouping import History, Participant
from bot.storage.breakouts import BreakoutRepository, KeepApartRule, PlannedMember
from bot.storage.database import Database


def test_roster_counts_missing_roles_as_other_and_finds_facilitators() -> None:
    roster = build_roster(
        [Candidate(1, False), Candidate(2, True), Candidate(3, False), Candidate(4, False), Candidate(1, False)],
        {1: "gp", 3: "facilitator"},
    )
    assert roster.participants == [
        Participant(1, "gp", False),
        Participant(2, "facilitator", True),  # Discord facilitator role, no stakeholder role
        Participant(3, "facilitator", True),  # stakeholder role facilitator, no Discord role
        Participant(4, "other", False),
    ]
    assert roster.without_role == 1


@pytest.mark.parametrize("size", [1, 26, 0, -3])
def test_sizes_outside_2_to_25_are_refused(size: int) -> None:
    with pytest.raises(UserError, match="from 2 to 25"):
        check_size(size)


def test_fewer_members_than_size_is_one_sentence() -> None:
    people = [Participant(i, "lay") for i in range(3)]
    with pytest.raises(UserError) as caught:
        make_plan(people, size=4, history=None, keep_apart=[], seed=0, time_budget=0.05)
    assert caught.value.message.startswith("There are only 3 members to put into groups, fewer than a group of 4.")


def test_impossible_keep_apart_names_people() -> None:
    people = [Participant(i, "lay") for i in range(4)]
    rules = [KeepApartRule(1, a, b) for a in range(4) for b in range(a + 1, 4)]
    with pytest.raises(UserError) as caught:
        make_plan(people, size=4, history=None, keep_apart=rules, seed=0, time_budget=0.05, name=lambda i: f"P{i}")
    assert "P" in caught.value.message and "apart" in caught.value.message


def test_members_with_a_role_are_who_may_come_later() -> None:
    members = members_with_roles({1: "gp", 2: "facilitator", 3: "not-a-role"})
    assert members == [Participant(1, "gp", False), Participant(2, "facilitator", True)]


def test_recorded_attendance_is_used_when_it_covers_the_breakout_history() -> None:
    history = History.from_meetings([[[1, 2]], [[1, 3]]])
    assert attendance_for_planning([{1, 2, 5}, {1, 3}], history) == [{1, 2, 5}, {1, 3}]
    # Only the last meeting was held with /meeting start: the breakout history says more.
    assert attendance_for_planning([{1, 3}], history) is None
    assert attendance_for_planning([], None) is None


def test_permission_sentences_name_the_missing_permission() -> None:
    def only_without(*absent: str):
        return lambda flag: flag not in absent

    assert missing_permission(only_without()) is None
    assert missing_permission(only_without(), main_voice=only_without()) is None
    assert missing_permission(only_without("manage_channels")) == (
        "I need the Manage Channels permission to make breakout rooms and move people into them. "
        "Please ask a server admin to give it to my role, then try again. Nothing was created."
    )
    both = missing_permission(only_without("move_members", "connect")) or ""
    assert both.startswith("I need the Move Members and Connect permissions") and "give them" in both
    back = missing_permission(only_without(), main_voice=only_without("connect")) or ""
    assert back.startswith("I need the Connect permission in the main voice channel to bring people back")
    assert progress_text(3, 8, 0, 40) == "Opening rooms 3/8"
    assert progress_text(8, 8, 14, 40) == "Opening rooms 8/8 … moving 14/40"


async def test_sessions_are_one_live_per_server_and_history_reads_back(tmp_path) -> None:
    db = Database(tmp_path / "b.db")
    await db.open()
    try:
        repo = BreakoutRepository(db)
        groups = [[PlannedMember(1, "gp", True), PlannedMember(2, "lay", False)], [PlannedMember(3, "lay", False)]]
        first = await repo.create_plan(1, size=2, seed=5, groups=groups, summary="s", source_channel_id=9, created_by=7)
        second = await repo.create_plan(
            1, size=2, seed=6, groups=groups, summary="s", source_channel_id=9, created_by=7
        )
        assert (await repo.get(first.id)).status == "cancelled"  # a newer plan replaces an unopened one
        opening = await repo.start_opening(second.id, utcnow() + timedelta(minutes=5))
        assert opening.status == "opening" and opening.groups[0][0] == PlannedMember(1, "gp", True)
        third = await repo.create_plan(1, size=2, seed=7, groups=groups, summary="s", source_channel_id=9, created_by=7)
        with pytest.raises(UserError, match="already open"):
            await repo.start_opening(third.id, None)
        await repo.set_rooms(second.id, 100, [101, 102])
        live = await repo.live(1)
        assert live is not None and live.channel_ids == (101, 102) and live.category_id == 100
        await repo.finish(live)
        await repo.finish(live)  # closing twice records the meeting once
        history = await repo.history(1)
        assert history.meetings() == [[[1, 2], [3]]]
        assert await repo.live(1) is None
        assert await repo.add_keep_apart(1, 5, 4, 7) is True
        assert await repo.add_keep_apart(1, 4, 5, 7) is False
        assert await repo.keep_apart_rules(1) == [KeepApartRule(1, 4, 5)]
        with pytest.raises(UserError, match="two different members"):
            await repo.add_keep_apart(1, 4, 4, 7)
        assert await repo.remove_keep_apart(1, 5, 4) is True
        assert await repo.remove_keep_apart(1, 5, 4) is False
    finally:
        await db.close()


async def test_history_keeps_only_the_most_recent_meetings(tmp_path) -> None:
    db = Database(tmp_path / "h.db")
    await db.open()
    try:
        repo = BreakoutRepository(db)
        for k in range(12):
            groups = [[PlannedMember(k, "lay", False), PlannedMember(100 + k, "gp", False)]]
            s = await repo.create_plan(
                1, size=2, seed=k, groups=groups, summary="", source_channel_id=None, created_by=1
            )
            await repo.start_opening(s.id, None)
            await repo.finish(await repo.get(s.id))
        history = await repo.history(1, limit=10)
        assert history.meeting_count == 10
        assert history.meetings()[0] == [[2, 102]] and history.meetings()[-1] == [[11, 111]]
    finally:
        await db.close()


def test_open_report_counts_people_in_plain_words() -> None:
    lines = open_report(2, MoveResult(moved=1, not_moved=[f"P{i}" for i in range(12)], told=1, mentioned=2), 0)
    assert lines == [
        "Breakout rooms are open: 2 rooms, 1 person moved.",
        "1 person who was not in voice got a message telling them their room.",
        "I could not move 12 people (P0, P1, P2, P3, P4, P5, P6, P7, P8, P9 and 2 more), so I told them their room.",
        "2 people could not get a direct message, so I named them in the meeting channel.",
    ]
