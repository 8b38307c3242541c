"""Who was grouped with whom at past meetings, stored per person so memory grows with attendance, not n².

A pair "met" at a meeting exactly when both were in the same group there, so storing each person's
(meeting index, group index) list is enough to answer every pairwise question the engine asks, and a
community of 5,000 people with years of meetings stays small.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Sequence


class History:
    """Past meetings, oldest first. Meeting indices count from 0 (the oldest)."""

    __slots__ = ("_group_counts", "_groups_of", "_meeting_count")

    def __init__(self) -> None:
        self._groups_of: dict[Hashable, list[tuple[int, int]]] = {}
        self._meeting_count = 0
        self._group_counts: list[int] = []

    @classmethod
    def from_meetings(cls, meetings: Sequence[Sequence[Sequence[Hashable]]]) -> History:
        """Build from meetings oldest first; each meeting is a list of groups, each a list of ids."""
        history = cls()
        for groups in meetings:
            history.add_meeting(groups)
        return history

    def add_meeting(self, groups: Iterable[Iterable[Hashable]]) -> None:
        """Record a meeting as the most recent one.

        Someone may be in several groups of one meeting: a person moved to another room part-way through
        met the people of both, and the history must say who met whom. (Listed twice in one group counts
        once.)
        """
        meeting = self._meeting_count
        group_list = [list(dict.fromkeys(group)) for group in groups]
        for g, group in enumerate(group_list):
            for person in group:
                self._groups_of.setdefault(person, []).append((meeting, g))
        self._group_counts.append(len(group_list))
        self._meeting_count += 1

    def extended(self, groups: Iterable[Iterable[Hashable]]) -> History:
        """A copy with ``groups`` recorded as one more meeting (this history is left as it was)."""
        copy = History()
        copy._groups_of = {person: list(places) for person, places in self._groups_of.items()}
        copy._group_counts = list(self._group_counts)
        copy._meeting_count = self._meeting_count
        copy.add_meeting(groups)
        return copy

    @property
    def meeting_count(self) -> int:
        return self._meeting_count

    def groups_of(self, person: Hashable) -> list[tuple[int, int]]:
        """The (meeting index, group index) pairs where ``person`` took part, oldest first."""
        return list(self._groups_of.get(person, ()))

    def age(self, meeting: int) -> int:
        """0 for the most recent meeting, 1 for the one before, and so on."""
        return self._meeting_count - 1 - meeting

    def meetings(self) -> list[list[list[Hashable]]]:
        """The meetings as lists of groups of ids, oldest first (people in first-recorded order)."""
        result: list[list[list[Hashable]]] = [[[] for _ in range(k)] for k in self._group_counts]
        for person, places in self._groups_of.items():
            for meeting, g in places:
                result[meeting][g].append(person)
        return result

    def to_json(self) -> str:
        """A JSON document the bot can store and read back with :meth:`from_json`."""
        return json.dumps({"version": 1, "meetings": self.meetings()})

    @classmethod
    def from_json(cls, text: str) -> History:
        """Read :meth:`to_json` output. Raises ``ValueError`` with a plain sentence if the shape is wrong."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"The history is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
        meetings = data.get("meetings") if isinstance(data, dict) else data
        if not isinstance(meetings, list) or not all(
            isinstance(m, list) and all(isinstance(g, list) for g in m) for m in meetings
        ):
            raise ValueError("The history must be a list of meetings, each a list of groups of people.")
        for m in meetings:
            for g in m:
                for person in g:
                    if not isinstance(person, str | int) or isinstance(person, bool):
                        raise ValueError(f"The history names {person!r}, which is not a name or an id.")
        return cls.from_meetings(meetings)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self.meetings() == other.meetings()

    def __repr__(self) -> str:
        return f"History(meetings={self._meeting_count}, people={len(self._groups_of)})"
