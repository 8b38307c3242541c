"""What /pulse results may show: no shown number computed from fewer than min_group answers, even
by combining views (all, by role, other roles, several meetings), and no shown line that lets a reader
work out one person's score (a group that all gave the same score). Property-tested with hypothesis."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pulse.results import (
    OTHER_ROLES,
    STATEMENT_KEYS,
    Answer,
    atoms,
    build_results,
    role_partition,
    trend_point,
)
from bot.roles import ROLE_KEYS

scores = st.integers(min_value=1, max_value=5)
roles = st.one_of(st.none(), st.sampled_from(ROLE_KEYS[:4]))  # few roles, so groups often reach the minimum
answers_st = st.lists(
    st.builds(Answer, scores, scores, scores, roles, st.one_of(st.none(), st.text(min_size=1, max_size=5))),
    max_size=40,
)


def shown_bases(result) -> list[frozenset[int]]:
    return [group.basis for group in result.lines()]


@settings(max_examples=400, deadline=None)
@given(answers=answers_st, min_group=st.integers(min_value=3, max_value=8))
def test_no_shown_number_comes_from_fewer_than_min_group_answers(answers, min_group):
    result = build_results(answers, min_group, random.Random(0))
    universe = frozenset(range(len(answers)))
    if len(answers) < min_group:
        assert not result.shown and result.lines() == () and result.comments == ()
        return
    for group in result.lines():
        assert group.count >= min_group
        for stats in group.statements:
            assert stats.count == group.count
            assert not stats.shown or sum(stats.distribution) == group.count
    # Combining views (all minus a role, one role minus another, …) isolates nothing smaller.
    for atom in atoms(universe, shown_bases(result)):
        assert len(atom) >= min_group, (atom, [g.name for g in result.lines()])
    # The role lines and "other roles" are a partition of everyone, when shown at all.
    if result.groups:
        union = frozenset().union(*(g.basis for g in result.groups))
        assert union == universe
        assert sum(g.count for g in result.groups) == len(answers)


@settings(max_examples=200, deadline=None)
@given(
    meetings=st.lists(answers_st, min_size=1, max_size=5),
    min_group=st.integers(min_value=3, max_value=6),
)
def test_views_across_meetings_and_the_trend_chart_isolate_nobody(meetings, min_group):
    """Every view of several check-ins at once (each one's results and the trend chart's points)."""
    bases: list[frozenset[int]] = []
    offset = 0
    for answers in meetings:
        result = build_results(answers, min_group, random.Random(1))
        bases += [frozenset(i + offset for i in b) for b in shown_bases(result)]
        point = trend_point("#", answers, min_group, offset)
        if point.means is not None:
            bases.append(point.basis)
        else:
            assert len(answers) < min_group
        offset += len(answers)
    for atom in atoms(frozenset(range(offset)), bases):
        assert len(atom) >= min_group


def test_six_answers_three_lay_two_clinicians_one_private_show_only_everyone():
    answers = [Answer(4, 4, 4, "lay")] * 3 + [Answer(2, 2, 2, "clinician")] * 2 + [Answer(5, 5, 5, None)]
    result = build_results(answers, 5)
    assert result.shown and result.groups == ()
    assert result.everyone is not None and result.everyone.count == 6
    assert result.merged_roles == ("lay", "clinician")


def test_twelve_answers_with_five_lay_give_a_lay_line_and_other_roles():
    answers = [Answer(5, 5, 5, "lay")] * 5 + [Answer(3, 3, 3, "gp")] * 4 + [Answer(1, 1, 1, None)] * 3
    result = build_results(answers, 5)
    assert [(g.role, g.name, g.count) for g in result.groups] == [
        ("lay", "Patient, carer or member of the public", 5),
        (None, OTHER_ROLES, 7),
    ]
    # Five lay members who all gave 5: showing that would tell each one's answer, so it is held back.
    assert result.groups[0].statements[0].mean is None and result.withheld == STATEMENT_KEYS


def test_a_small_remainder_merges_the_smallest_role_back():
    # 5 lay + 6 gp + 2 others: "everyone − lay − gp" would be 2 people, so the smaller role line goes.
    roles = ["lay"] * 5 + ["gp"] * 6 + [None, "manager"]
    kept, rest = role_partition(roles, 5)
    assert kept == ["gp"] and len(rest) == 7
    # 5 lay + 2 others: nothing can be split off, so there is no role line at all.
    kept, rest = role_partition(["lay"] * 5 + [None, None], 5)
    assert kept == [] and len(rest) == 7


def test_everyone_sharing_one_role_may_show_that_line():
    result = build_results([Answer(3, 3, 3, "lay")] * 6, 5)
    assert [g.count for g in result.groups] == [6]  # equal to "everyone": reveals nothing more


def test_comments_are_all_shown_in_a_shuffled_order():
    answers = [Answer(3, 3, 3, None, f"c{i}") for i in range(30)]
    result = build_results(answers, 5, random.Random(7))
    assert sorted(result.comments) == sorted(f"c{i}" for i in range(30))
    assert list(result.comments) != [f"c{i}" for i in range(30)]
    again = build_results(answers, 5)  # the real generator (SystemRandom)
    assert sorted(again.comments) == sorted(result.comments)


def test_atoms_find_what_a_difference_isolates():
    everyone = frozenset(range(8))
    lay = frozenset(range(5))
    assert sorted(map(len, atoms(everyone, [everyone, lay]))) == [3, 5]


def visible(result) -> tuple:
    """Every number a facilitator sees in the results (comments aside): lines, counts, averages, counts per score."""
    lines = tuple(
        (group.name, group.count, tuple((st.key, st.mean, st.distribution) for st in group.statements))
        for group in result.lines()
    )
    return (*lines, result.total, result.withheld)


def with_scores(answers: list[Answer], indices: frozenset[int], key: str, value: int) -> list[Answer]:
    """The same answers, with the people in ``indices`` giving ``value`` to statement ``key``."""
    out = []
    for i, a in enumerate(answers):
        if i in indices:
            fields = {k: a.score(k) for k in STATEMENT_KEYS} | {key: value}
            a = Answer(fields["felt_able"], fields["understood"], fields["good_use"], a.role, a.comment)
        out.append(a)
    return out


@settings(max_examples=500, deadline=None)
@given(
    answers=st.lists(st.builds(Answer, scores, scores, scores, roles), max_size=30),
    min_group=st.integers(min_value=2, max_value=7),
    agree=st.lists(st.tuples(st.sampled_from(ROLE_KEYS[:4]), st.sampled_from(STATEMENT_KEYS), scores), max_size=3),
)
def test_no_shown_line_lets_a_reader_work_out_one_persons_score(answers, min_group, agree):
    """The reader knows which group each person is in (say, from attendance by role) and may combine
    every line (a group's counts are "everyone" minus the other groups). Each person's score must still
    be uncertain: for each statement, either every atom a reader can isolate holds at least two
    different scores, or the statement's numbers are held back, and then the reply is exactly the same
    whatever score the group agreed on. ``agree`` makes whole roles answer alike, as in the review
    (5 GPs who all scored 1), which random answers rarely do."""
    for role, key, value in agree:
        answers = with_scores(answers, frozenset(i for i, a in enumerate(answers) if a.role == role), key, value)
    result = build_results(answers, min_group, random.Random(0))
    if not result.shown:
        return
    universe = frozenset(range(len(answers)))
    parts = atoms(universe, shown_bases(result))
    point = trend_point("#", answers, min_group)
    for index, key in enumerate(STATEMENT_KEYS):
        shown = [group.statements[index].shown for group in result.lines()]
        assert len(set(shown)) == 1, "a statement is shown on every line or on none"
        assert (point.means[index] is not None) == shown[0], "the trend chart follows the same rule"
        if shown[0]:
            for part in parts:
                assert len({answers[i].score(key) for i in part}) >= 2, (key, sorted(part))
            continue
        assert key in result.withheld
        agreeing = [part for part in parts if len({answers[i].score(key) for i in part}) == 1]
        assert agreeing, "held back only when some group answered all alike"
        for part in agreeing:
            for value in (1, 2, 3, 4, 5):
                other = build_results(with_scores(answers, part, key, value), min_group, random.Random(0))
                assert visible(other) == visible(result), (key, value)
                assert trend_point("#", with_scores(answers, part, key, value), min_group) == point


def test_five_gps_who_all_scored_one_are_not_shown_as_such():
    """The review's case: 10 of 10 answered, 5 GPs (shared), all "1" on one statement."""
    answers = [Answer(1, 4, 3, "gp")] * 5 + [Answer(4, 3, 4, "lay")] * 2 + [Answer(2, 5, 5, "lay")] * 3
    answers[5] = Answer(5, 3, 2, "lay")
    result = build_results(answers, 5)
    assert [g.role for g in result.groups] == ["lay", "gp"]
    assert result.withheld == STATEMENT_KEYS  # GPs agree on all three: nothing but counts is shown
    assert all(st.mean is None and st.distribution is None for g in result.lines() for st in g.statements)
    mixed = [Answer(1 + i % 2, 1 + i % 3, 2 + i % 2, "gp") for i in range(5)]
    mixed += [Answer(1 + i % 4, 2 + i % 2, 3 + i % 3, "lay") for i in range(5)]
    shown = build_results(mixed, 5)
    assert shown.withheld == () and shown.groups[1].statements[0].distribution == (3, 2, 0, 0, 0)
