"""Where one person goes while rooms are open, and how the last groups are recreated (no Discord)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.breakout_rooms import best_group, reuse_groups
from bot.errors import UserError
from bot.grouping import History, Participant


def p(uid: str, role: str = "lay", fac: bool = False) -> Participant:
    return Participant(uid, role, fac)


def test_a_facilitator_goes_where_there_is_none():
    groups = [[p("f1", "facilitator", True), p("a")], [p("b"), p("c", "gp")]]
    assert best_group(groups, p("f2", "facilitator", True), None, set()) == 1


def test_a_role_goes_where_it_is_missing_among_the_smallest_groups():
    groups = [[p("a", "gp"), p("b")], [p("c", "lay"), p("d")], [p("e", "clinician"), p("f"), p("g")]]
    # Group 3 has no GP either, but it is bigger (sizes would drift apart), so Group 2 it is.
    assert best_group(groups, p("n", "gp"), None, set()) == 1


def test_new_faces_break_the_tie():
    groups = [[p("a", "gp")], [p("b", "gp")]]
    history = History.from_meetings([[["n", "a"], ["b"]]])
    assert best_group(groups, p("n", "clinician"), history, set()) == 1


def test_keep_apart_is_never_broken():
    groups = [[p("a")], [p("b"), p("c")]]
    apart = {frozenset(("n", "a"))}
    assert best_group(groups, p("n", "gp"), None, apart) == 1
    assert best_group(groups, p("n", "gp"), None, apart | {frozenset(("n", "b"))}) is None


def test_reuse_drops_the_absent_and_adds_newcomers_to_the_best_group():
    last = [["f1", "a", "b"], ["f2", "c", "d"]]
    today = [p("f1", "facilitator", True), p("a"), p("b", "gp"), p("f2", "facilitator", True), p("c"), p("n", "gp")]
    result = reuse_groups(last, today, None, set())
    assert result.dropped == ["d"]
    assert result.added == [("n", 1)]
    assert [[x.id for x in g] for g in result.groups] == [["f1", "a", "b"], ["f2", "c", "n"]]
    text = result.summary(str.upper, "the main room")
    assert "Not here today, so left out: D." in text
    assert "New today, so added: N (Group 2)." in text


def test_reuse_evens_out_sizes_and_says_who_moved():
    last = [["a", "b", "c", "d"], ["e", "f", "g", "h"]]
    today = [p(x) for x in "abcdef"]
    result = reuse_groups(last, today, None, set())
    assert sorted(len(g) for g in result.groups) == [3, 3]
    assert len(result.evened) == 1 and result.evened[0][1:] == (0, 1)
    assert "Moved to keep the groups a similar size" in result.summary(str, "x")


def test_reuse_separates_people_kept_apart_since_last_time():
    last = [["a", "b", "c"], ["d", "e", "f"]]
    today = [p(x) for x in "abcdef"]
    result = reuse_groups(last, today, None, {frozenset(("a", "c"))})
    assert result.separated == [("c", 0, 1)]
    assert not any({"a", "c"} <= {x.id for x in g} for g in result.groups)
    sizes = sorted(len(g) for g in result.groups)
    assert sizes == [3, 3]  # and sizes are evened out again afterwards
    assert "Moved because they are now kept apart from someone in their old group: c (Group 1 to Group 2)." in (
        result.summary(str, "x")
    )


def test_reuse_with_nobody_from_last_time_is_refused():
    with pytest.raises(UserError, match="Nobody who was in the last breakout groups is here today"):
        reuse_groups([["a", "b"]], [p("x"), p("y")], None, set())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 30), min_size=1, max_size=6, unique=True), min_size=1, max_size=5),
    st.sets(st.integers(0, 40), min_size=1, max_size=30),
)
def test_reuse_places_everyone_here_exactly_once_with_even_sizes(raw_last, here):
    # Make the last meeting valid (each person in one group), then recreate it with today's people.
    seen: set[int] = set()
    last = []
    for group in raw_last:
        last.append([u for u in group if u not in seen])
        seen.update(group)
    today = [p(str(u), "gp" if u % 3 else "lay", u % 7 == 0) for u in sorted(here)]
    last_ids = [[str(u) for u in g] for g in last]
    if not any(str(u) in {x.id for x in today} for g in last for u in g):
        with pytest.raises(UserError):
            reuse_groups(last_ids, today, None, set())
        return
    result = reuse_groups(last_ids, today, None, set())
    placed = [x.id for g in result.groups for x in g]
    assert sorted(placed) == sorted(x.id for x in today)
    sizes = [len(g) for g in result.groups]
    assert max(sizes) - min(sizes) <= 1
    assert all(sizes)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 20), min_size=1, max_size=5, unique=True), min_size=2, max_size=5),
    st.sets(st.integers(0, 25), min_size=2, max_size=20),
    st.sets(st.tuples(st.integers(0, 25), st.integers(0, 25)).filter(lambda t: t[0] != t[1]), max_size=6),
)
def test_reuse_never_puts_people_kept_apart_together(raw_last, here, pairs):
    seen: set[int] = set()
    last = []
    for group in raw_last:
        last.append([str(u) for u in group if u not in seen])
        seen.update(group)
    today = [p(str(u), "gp" if u % 3 else "lay") for u in sorted(here)]
    apart = {frozenset((str(a), str(b))) for a, b in pairs}
    try:
        result = reuse_groups(last, today, None, apart)
    except UserError:
        return  # refused in one sentence: nobody from last time, or no room without breaking a rule
    placed = [x.id for g in result.groups for x in g]
    assert sorted(placed) == sorted(x.id for x in today)
    for group in result.groups:
        ids = [x.id for x in group]
        assert not any(frozenset((a, b)) in apart for i, a in enumerate(ids) for b in ids[i + 1 :])
