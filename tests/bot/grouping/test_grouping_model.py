"""Group counting, the error type, and the history store."""

from __future__ import annotations

import pytest

from bot.grouping import Constraints, History, InfeasibleError, group_count_for
from bot.grouping.cost import meeting_weights, person_tags
from bot.grouping.model import group_sizes


@pytest.mark.parametrize(
    ("n", "size", "expected"),
    [(10, 5, 2), (11, 5, 3), (62, 5, 13), (5, 5, 1), (7, 2, 3), (6, 2, 3), (4, 3, 2), (25, 25, 1)],
)
def test_group_count_for_size_never_exceeds_size_except_odd_pairs(n: int, size: int, expected: int) -> None:
    g = group_count_for(n, size=size)
    assert g == expected
    sizes = group_sizes(n, g)
    assert max(sizes) - min(sizes) <= 1
    assert min(sizes) >= 2
    if not (size == 2 and n % 2):
        assert max(sizes) <= size


def test_size_two_with_odd_people_makes_one_trio_not_a_lonely_person() -> None:
    assert sorted(group_sizes(7, group_count_for(7, size=2))) == [2, 2, 3]


@pytest.mark.parametrize(
    ("n", "kwargs", "message"),
    [
        (5, {"size": 1}, "A group needs at least 2 people, so a group size of 1 is too small."),
        (3, {"size": 4}, "There are only 3 people, fewer than a group of 4."),
        (1, {"size": 2}, "There is only 1 person, fewer than a group of 2."),
        (0, {"size": 2}, "There is nobody to put into groups."),
        (5, {"group_count": 3}, "3 groups of at least 2 need 6 people, but there are only 5 people."),
        (5, {"group_count": 0}, "At least one group is needed, not 0."),
    ],
)
def test_impossible_sizes_are_one_plain_sentence(n: int, kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(InfeasibleError) as info:
        group_count_for(n, **kwargs)
    assert str(info.value) == message


def test_size_and_group_count_are_alternatives() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        group_count_for(10, size=5, group_count=2)
    with pytest.raises(ValueError, match="exactly one"):
        group_count_for(10)


def test_infeasible_error_can_be_rerendered_with_display_names() -> None:
    err = InfeasibleError("{0} and {1} must be kept together and kept apart at the same time.", 11, 22)
    assert str(err) == "11 and 22 must be kept together and kept apart at the same time."
    names = {11: "Ann", 22: "Bob"}
    assert err.describe(names.__getitem__) == "Ann and Bob must be kept together and kept apart at the same time."
    assert err.people == (11, 22)


def test_constraints_accept_any_iterable_of_pairs() -> None:
    c = Constraints(keep_apart=iter([("a", "b")]), keep_together=[["c", "d"]])
    assert c.keep_apart == (("a", "b"),)
    assert c.keep_together == (("c", "d"),)


def test_history_stores_each_persons_groups_and_round_trips_through_json() -> None:
    meetings = [[["a", "b"], ["c", 4]], [["a", "c"], ["b"]]]
    h = History.from_meetings(meetings)
    assert h.meeting_count == 2
    assert h.groups_of("a") == [(0, 0), (1, 0)]
    assert h.groups_of(4) == [(0, 1)]
    assert h.groups_of("nobody") == []
    assert h.age(1) == 0 and h.age(0) == 1
    assert h.meetings() == meetings
    again = History.from_json(h.to_json())
    assert again == h
    assert again.groups_of(4) == [(0, 1)]


def test_history_add_meeting_appends_the_most_recent() -> None:
    h = History()
    h.add_meeting([["x", "y"]])
    h.add_meeting([["x"], ["y"]])
    assert h.groups_of("y") == [(0, 0), (1, 1)]
    assert h.age(0) == 1


def test_someone_moved_during_a_meeting_met_both_groups() -> None:
    history = History.from_meetings([[["a", "b"], ["c", "a"]], [["a", "a", "d"]]])
    assert history.groups_of("a") == [(0, 0), (0, 1), (1, 0)]
    assert history.meetings() == [[["a", "b"], ["a", "c"]], [["a", "d"]]]
    weights = meeting_weights(history)
    tags = {p: person_tags(p, history, weights) for p in "abcd"}
    assert set(tags["a"]) & set(tags["b"]) and set(tags["a"]) & set(tags["c"])
    assert not set(tags["b"]) & set(tags["c"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"meetings": 3}', "must be a list of meetings"),
        ('{"meetings": [[["a", 1.5]]]}', "not a name or an id"),
        ("[[[true]]]", "not a name or an id"),
    ],
)
def test_history_from_json_rejects_bad_shapes_plainly(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        History.from_json(text)
