"""The engine's input types and its one error, kept free of any solver detail.

Participants and constraints are plain frozen values so the Discord feature and the CLI can build them
from whatever they hold (member ids, CSV names) without the engine knowing where they came from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Participant:
    """One person to place. ``id`` is opaque (a Discord id or a CSV name); ``role`` is an opaque role key.

    ``is_facilitator`` is separate from ``role`` because leading a group is what the plan cares about:
    a GP who facilitates is spread as a facilitator, not as a GP.
    """

    id: Hashable
    role: str
    is_facilitator: bool = False


def _pairs(raw: Iterable[tuple[Hashable, Hashable]]) -> tuple[tuple[Hashable, Hashable], ...]:
    pairs = []
    for pair in raw:
        a, b = pair
        pairs.append((a, b))
    return tuple(pairs)


@dataclass(frozen=True, slots=True)
class Constraints:
    """Hard wishes about who shares a group.

    Pairs naming someone who is not in the current roster are ignored, so the bot can keep one standing
    list for a community and pass it to every meeting whoever turns up.
    """

    keep_apart: tuple[tuple[Hashable, Hashable], ...] = field(default=())
    keep_together: tuple[tuple[Hashable, Hashable], ...] = field(default=())

    def __init__(
        self,
        keep_apart: Iterable[tuple[Hashable, Hashable]] = (),
        keep_together: Iterable[tuple[Hashable, Hashable]] = (),
    ) -> None:
        object.__setattr__(self, "keep_apart", _pairs(keep_apart))
        object.__setattr__(self, "keep_together", _pairs(keep_together))


class InfeasibleError(Exception):
    """The hard rules cannot all hold. The message is one plain sentence naming the rule and why.

    The sentence is kept as a template plus the people it names, so a caller that knows display names
    (the Discord bot knows members, the engine only knows ids) can re-render it with :meth:`describe`.
    """

    def __init__(self, template: str, *people: Hashable, **values: object) -> None:
        self.template = template
        self.people = people
        self.values = values
        super().__init__(self.describe())

    def describe(self, name: Callable[[Hashable], str] = str) -> str:
        """The sentence with each person shown as ``name(id)``."""
        names = [name(p) for p in self.people]
        return self.template.format(*names, all=join_names(names), **self.values)


def join_names(names: list[str]) -> str:
    """'Ann', 'Ann and Bob', 'Ann, Bob and Cat': how people read a list."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def people(n: int) -> str:
    """'1 person', '3 people'."""
    return "1 person" if n == 1 else f"{n} people"


def group_count_for(n: int, *, size: int | None = None, group_count: int | None = None) -> int:
    """How many groups to make, from either a target size or a count.

    With ``size`` s the engine makes ceil(n / s) groups, so no group is larger than s and sizes differ by
    at most one. The one exception is size 2 with an odd number of people: that rule would leave someone
    alone, so one pair becomes a trio instead (a person on their own is not a breakout group).
    """
    if (size is None) == (group_count is None):
        raise ValueError("Give exactly one of size or group_count.")
    if n == 0:
        raise InfeasibleError("There is nobody to put into groups.")
    if size is not None:
        if size < 2:
            raise InfeasibleError("A group needs at least 2 people, so a group size of {size} is too small.", size=size)
        if size > n:
            verb = "is" if n == 1 else "are"
            raise InfeasibleError(
                "There {verb} only {n}, fewer than a group of {size}.", verb=verb, n=people(n), size=size
            )
        g = max(1, math.ceil(n / size))
        if n // g < 2:
            g -= 1
        return g
    assert group_count is not None
    if group_count < 1:
        raise InfeasibleError("At least one group is needed, not {count}.", count=group_count)
    if n < 2 * group_count:
        verb = "is" if n == 1 else "are"
        groups = "1 group" if group_count == 1 else f"{group_count} groups"
        raise InfeasibleError(
            "{groups} of at least 2 need {need}, but there {verb} only {n}.",
            groups=groups,
            need=people(2 * group_count),
            verb=verb,
            n=people(n),
        )
    return group_count


def group_sizes(n: int, g: int) -> list[int]:
    """The g sizes as even as possible: the first n mod g groups hold one person more."""
    q, r = divmod(n, g)
    return [q + 1] * r + [q] * (g - r)
