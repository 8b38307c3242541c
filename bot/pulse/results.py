"""What ``/pulse results`` may show, decided so that no shown number can single anyone out. No Discord.

The rule (DESIGN.md, "Anonymous check-in"): **no number is shown that is computed from fewer than
``min_group`` answers**, not directly and not by combining views. Every number shown belongs to a
:class:`GroupResult` whose ``basis`` is the set of answers it is computed from; a facilitator can
add and subtract views, so what they can isolate is any *atom* of the sets shown (an intersection of
shown sets and complements of shown sets, :func:`atoms`). The property test proves that every
non-empty atom has at least ``min_group`` answers, over random answer sets. How it is kept:

* A check-in with fewer than ``min_group`` answers in all shows only its count.
* The groups shown are one partition of the answers: each role shared by at least ``min_group``
  answers, then "other roles" (everyone else, including those who did not share their role). If
  "other roles" would hold between 1 and ``min_group - 1`` answers, "everyone" minus the role lines
  would reveal them, so the smallest role line is merged into "other roles" until the remainder is
  empty or big enough; if no role line is left, only "everyone" is shown.
* Results are only computed once a check-in has closed (:mod:`bot.pulse.service`), so a
  facilitator cannot compare views taken before and after one more answer arrived. Different
  check-ins have disjoint answers, so comparing meetings (the trend chart) isolates nothing smaller.

A group of five is not enough on its own: if all five GPs gave "1", then "GP (5): scores 1: 5" tells
every GP's score, and so would "GP (5): average 1.0" (the average of a group that agrees *is* its
score). So the second rule, **nothing shown lets a reader work out one person's score**: for each
statement, if the answers of any atom all gave the same score, that statement's numbers (averages
and counts per score, on every line and on the trend chart) are not shown for this check-in; the
reply says only that they are held back. Otherwise every atom holds at least two different scores,
so even a reader who can isolate an atom's exact counts cannot tell which of its people gave which.
Held back, the reply is the same whichever score the group agreed on, so it reveals nothing about
it. The property test checks both halves over random answer sets and roles. What no rule can stop:
people who tell each other what they answered (four GPs who compare can work out the fifth's).

Comments are shown without their role and in a random order (never the order of answering).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.roles import ROLE_KEYS, label

#: The three statements, in the form's order: (custom_id, words shown).
STATEMENTS: tuple[tuple[str, str], ...] = (
    ("felt_able", "I felt able to say what I thought"),
    ("understood", "I understood the discussion"),
    ("good_use", "The meeting was a good use of my time"),
)
STATEMENT_KEYS: tuple[str, ...] = tuple(key for key, _ in STATEMENTS)
SCORES: tuple[int, ...] = (1, 2, 3, 4, 5)
EVERYONE = "Everyone"
OTHER_ROLES = "Other roles, or role not shared"


@dataclass(frozen=True, slots=True)
class Answer:
    """One anonymous answer: three scores from 1 to 5, the role only if shared, an optional comment."""

    felt_able: int
    understood: int
    good_use: int
    role: str | None = None
    comment: str | None = None

    def score(self, key: str) -> int:
        return int(getattr(self, key))


@dataclass(frozen=True, slots=True)
class StatementStats:
    """One statement's numbers for one group: how many, the average, how many gave each score.

    ``mean`` and ``distribution`` are ``None`` when the statement's numbers are held back (see the
    module docstring): they are then not even computed, so nothing can show them by mistake.
    """

    key: str
    words: str
    count: int
    mean: float | None
    distribution: tuple[int, ...] | None  # answers giving 1, 2, 3, 4, 5

    @property
    def shown(self) -> bool:
        return self.mean is not None


@dataclass(frozen=True, slots=True)
class GroupResult:
    """A line of the results; every number in it is computed from the answers in ``basis``."""

    name: str
    role: str | None
    basis: frozenset[int]
    statements: tuple[StatementStats, ...]

    @property
    def count(self) -> int:
        return len(self.basis)


@dataclass(frozen=True, slots=True)
class PulseResults:
    """What may be shown about one closed check-in (see the module docstring)."""

    total: int
    min_group: int
    everyone: GroupResult | None
    groups: tuple[GroupResult, ...]
    comments: tuple[str, ...]
    merged_roles: tuple[str, ...]
    withheld: tuple[str, ...] = ()  # statements whose numbers are held back (a group answered all alike)

    @property
    def shown(self) -> bool:
        """Whether anything beyond the count is shown."""
        return self.everyone is not None

    def lines(self) -> tuple[GroupResult, ...]:
        """Every group shown: everyone first, then the role lines and "other roles"."""
        return ((self.everyone,) if self.everyone else ()) + self.groups


def _stats(answers: Sequence[Answer], basis: frozenset[int], withheld: frozenset[str]) -> tuple[StatementStats, ...]:
    out = []
    for key, words in STATEMENTS:
        if key in withheld:
            out.append(StatementStats(key, words, len(basis), None, None))
            continue
        scores = [answers[i].score(key) for i in basis]
        distribution = tuple(scores.count(s) for s in SCORES)
        out.append(StatementStats(key, words, len(scores), sum(scores) / len(scores), distribution))
    return tuple(out)


def withheld_statements(answers: Sequence[Answer], bases: Iterable[frozenset[int]]) -> frozenset[str]:
    """The statements whose numbers may not be shown with these lines (``bases``): those where every
    answer in some atom (the smallest set a reader can isolate, :func:`atoms`) gave the same score."""
    parts = atoms(frozenset(range(len(answers))), bases)
    return frozenset(
        key for key in STATEMENT_KEYS if any(len({answers[i].score(key) for i in part}) == 1 for part in parts)
    )


def _line_bases(roles: Sequence[str | None], min_group: int) -> list[tuple[str | None, frozenset[int]]]:
    """The lines shown for answers with these roles: (role or None, basis), "everyone" first.

    The role lines and "other roles" come only when some role is big enough (:func:`role_partition`).
    """
    out: list[tuple[str | None, frozenset[int]]] = [(None, frozenset(range(len(roles))))]
    kept, rest = role_partition(roles, min_group)
    if kept:
        out += [(role, frozenset(i for i, r in enumerate(roles) if r == role)) for role in kept]
        if rest:
            out.append((None, frozenset(rest)))
    return out


def role_partition(roles: Sequence[str | None], min_group: int) -> tuple[list[str], set[int]]:
    """The roles that get a line of their own (in the roles' order) and the indices left for "other roles".

    A role gets a line only with ``min_group`` answers or more; then the smallest lines are merged
    back while "other roles" would be non-empty but smaller than ``min_group`` (see the module docstring).
    """
    order = {key: i for i, key in enumerate(ROLE_KEYS)}
    by_role: dict[str, list[int]] = {}
    for index, role in enumerate(roles):
        if role is not None:
            by_role.setdefault(role, []).append(index)
    kept = sorted((r for r, ids in by_role.items() if len(ids) >= min_group), key=lambda r: order.get(r, len(order)))
    rest = {i for i in range(len(roles)) if roles[i] not in kept}
    while kept and 0 < len(rest) < min_group:
        smallest = min(kept, key=lambda r: (len(by_role[r]), -order.get(r, len(order))))
        kept.remove(smallest)
        rest |= set(by_role[smallest])
    return kept, rest


def build_results(answers: Sequence[Answer], min_group: int, rng: random.Random | None = None) -> PulseResults:
    """The results of one closed check-in (see the module docstring for what is shown and why)."""
    total = len(answers)
    if total < min_group:
        return PulseResults(total, min_group, None, (), (), ())
    roles = [a.role for a in answers]
    lines = _line_bases(roles, min_group)
    withheld = withheld_statements(answers, [basis for _role, basis in lines])
    everyone = GroupResult(EVERYONE, None, lines[0][1], _stats(answers, lines[0][1], withheld))
    groups: list[GroupResult] = []
    for role, basis in lines[1:]:
        name = label(role) if role is not None else OTHER_ROLES
        groups.append(GroupResult(name, role, basis, _stats(answers, basis, withheld)))
    shared = {r for r in roles if r is not None}
    kept = {g.role for g in groups}
    merged = tuple(r for r in ROLE_KEYS if r in shared and r not in kept)
    comments = [a.comment for a in answers if a.comment]
    (rng or secrets.SystemRandom()).shuffle(comments)
    order = tuple(key for key in STATEMENT_KEYS if key in withheld)
    return PulseResults(total, min_group, everyone, tuple(groups), tuple(comments), merged, order)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One closed check-in on the trend chart: its averages, or ``None`` when too few answered."""

    label: str
    count: int
    means: tuple[float | None, ...] | None
    basis: frozenset[int] = frozenset()


def trend_point(label_: str, answers: Sequence[Answer], min_group: int, offset: int = 0) -> TrendPoint:
    """The averages of one whole check-in for the chart (shown only with ``min_group`` answers or more).

    A statement whose numbers that check-in's results hold back has no point either (``None``): the
    same rule, on the same lines, as :func:`build_results`. ``offset`` numbers the answers apart from
    other check-ins' (for the property test's bases).
    """
    if len(answers) < min_group:
        return TrendPoint(label_, len(answers), None)
    lines = _line_bases([a.role for a in answers], min_group)
    withheld = withheld_statements(answers, [basis for _role, basis in lines])
    means = tuple(None if k in withheld else sum(a.score(k) for a in answers) / len(answers) for k in STATEMENT_KEYS)
    return TrendPoint(label_, len(answers), means, frozenset(range(offset, offset + len(answers))))


def atoms(universe: frozenset[int], shown: Iterable[frozenset[int]]) -> list[frozenset[int]]:
    """The smallest sets a reader can isolate by combining the ``shown`` sets (unions, differences,
    intersections): each atom is the answers that fall inside exactly the same shown sets. Answers
    inside no shown set are left out: nothing shown is computed from them."""
    sets = [s for s in dict.fromkeys(shown) if s]
    by_signature: dict[tuple[bool, ...], set[int]] = {}
    for item in universe:
        signature = tuple(item in s for s in sets)
        if any(signature):
            by_signature.setdefault(signature, set()).add(item)
    return [frozenset(atom) for atom in by_signature.values()]
