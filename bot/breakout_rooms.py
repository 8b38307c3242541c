"""Breakout rooms while they are open, as good as Zoom's: ask for help, more time, recreate, move, late joiners.

No Discord here. The cog turns clicks, commands and voice events into calls on
:class:`BreakoutRoomService`, which reads and writes the session through :class:`BreakoutRepository`
and decides (who goes to which group, whether a room has already asked, the new end time); the cog
then moves people and posts what the service returns. The placement rules are plain functions, so they
are tested without a server.

Where a person goes is decided by the planner's own cost (:func:`bot.grouping.objective`, with the
server's history, on the fixed scale :data:`bot.grouping.cost.ONE_PERSON` so that groups compare), among
the groups that keep sizes within one of each other and break no keep-apart
rule: the same judgement ``/breakout plan`` makes, applied to one person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.breakouts import name_list, room_name
from bot.clock import utcnow
from bot.errors import UserError
from bot.grouping import History, Participant, objective
from bot.grouping.cost import ONE_PERSON
from bot.storage.breakouts import BreakoutRepository, BreakoutSession, KeepApartRule, PlannedMember

#: What "Add 5 minutes" adds (the button's label says it, so it is not a setting).
EXTRA_MINUTES = 5
NO_ROOMS_OPEN = "There are no breakout rooms open right now."
NO_TIMER = (
    "These rooms have no timer, so there is no end time to move. They stay open until a facilitator uses "
    "`/breakout close`."
)
NOT_A_ROOM = "This button belongs to breakout rooms that are closed now."
NOTHING_TO_REUSE = "There are no earlier breakout groups to recreate yet. Use `/breakout plan` without `reuse` first."
NOBODY_FROM_LAST = (
    "Nobody who was in the last breakout groups is here today, so there is nothing to recreate. "
    "Use `/breakout plan` without `reuse` to make new groups."
)

_NO_ROOM_FOR_NEWCOMER = (
    "I could not fit everyone into the last groups without breaking a keep-apart rule, so please use "
    "`/breakout plan` without `reuse` to make new groups."
)

Pair = frozenset[Hashable]


def apart_pairs(rules: Iterable[KeepApartRule]) -> set[Pair]:
    """Keep-apart rules as a set of unordered pairs, for quick look-ups."""
    return {frozenset((r.user_a, r.user_b)) for r in rules}


def _conflicts(person: Participant, group: Sequence[Participant], apart: set[Pair]) -> bool:
    return any(frozenset((person.id, other.id)) in apart for other in group)


def added_cost(group: Sequence[Participant], person: Participant, history: History | None) -> float:
    """How much the planner's cost rises when ``person`` joins ``group`` (their pairs with each member)."""
    joined = objective([[*group, person]], history, ONE_PERSON)
    return joined - objective([list(group)], history, ONE_PERSON)


def best_group(
    groups: Sequence[Sequence[Participant]], person: Participant, history: History | None, apart: set[Pair]
) -> int | None:
    """The index of the group ``person`` should join, or None when every group holds someone they are
    kept apart from.

    Among the groups that break no keep-apart rule, only the smallest are considered (so sizes stay
    within one of each other, as the planner guarantees), and of those the one where the person adds
    the least to the planner's cost: a facilitator goes where there is none, a GP where there is no GP,
    and nobody back with the people they met last time when another group is as good. Ties go to the
    lower group number, so the answer is the same every time.
    """
    allowed = [i for i, g in enumerate(groups) if not _conflicts(person, g, apart)]
    if not allowed:
        return None
    smallest = min(len(groups[i]) for i in allowed)
    return min(
        (i for i in allowed if len(groups[i]) == smallest),
        key=lambda i: (round(added_cost(groups[i], person, history), 9), i),
    )


@dataclass(slots=True)
class Reuse:
    """The last breakout's groups redone with today's people, and what changed (ids, groups from 0)."""

    groups: list[list[Participant]]
    #: People in the last groups who are not here today.
    dropped: list[Hashable] = field(default_factory=list)
    #: Newcomers and the group each was placed in.
    added: list[tuple[Hashable, int]] = field(default_factory=list)
    #: People moved from one group to another so sizes stay within one: (id, from, to).
    evened: list[tuple[Hashable, int, int]] = field(default_factory=list)
    #: People moved because a keep-apart rule made since then forbids their old group: (id, from, to).
    separated: list[tuple[Hashable, int, int]] = field(default_factory=list)

    def summary(self, name: Callable[[Hashable], str], source: str) -> str:
        """The plain-language note under the plan: who was dropped, who was added and where."""
        lines = [f"Drawn from {source}.", "These are the groups of the last breakout, with the people here today."]
        if self.dropped:
            lines.append(f"Not here today, so left out: {name_list([name(u) for u in self.dropped])}.")
        if self.added:
            lines.append(
                "New today, so added: " + name_list([f"{name(u)} ({room_name(g + 1)})" for u, g in self.added]) + "."
            )
        if self.evened:
            lines.append(
                "Moved to keep the groups a similar size: "
                + name_list([f"{name(u)} ({room_name(a + 1)} to {room_name(b + 1)})" for u, a, b in self.evened])
                + "."
            )
        if self.separated:
            lines.append(
                "Moved because they are now kept apart from someone in their old group: "
                + name_list([f"{name(u)} ({room_name(a + 1)} to {room_name(b + 1)})" for u, a, b in self.separated])
                + "."
            )
        if not (self.dropped or self.added or self.evened or self.separated):
            lines.append("Everyone from last time is here, and nobody new.")
        return "\n".join(lines)


def reuse_groups(
    last: Sequence[Sequence[Hashable]], today: Sequence[Participant], history: History | None, apart: set[Pair]
) -> Reuse:
    """Recreate ``last`` (groups of ids) with ``today``'s people.

    People not here are dropped and groups left empty disappear. Someone whose old group now holds a
    person they are kept apart from (a rule made since) moves to :func:`best_group`; so does each
    newcomer (facilitators first, so they spread over the groups that lost theirs). Then, while one
    group has two or more people more than another, the cheapest move by the planner's cost evens
    them out.
    """
    here = {p.id: p for p in today}
    placed: set[Hashable] = set()
    groups: list[list[Participant]] = []
    dropped: list[Hashable] = []
    #: People here whose old group now holds someone they are kept apart from, with that old group.
    displaced: list[tuple[Participant, int]] = []
    for group in last:
        kept: list[Participant] = []
        for uid in group:
            if uid in here and uid not in placed:
                placed.add(uid)
                if _conflicts(here[uid], kept, apart):
                    displaced.append((here[uid], len(groups)))
                else:
                    kept.append(here[uid])
            elif uid not in here:
                dropped.append(uid)
        groups.append(kept)
    # Groups left empty disappear; the numbers of the groups that remain shift down.
    number = {old: new for new, old in enumerate(i for i, g in enumerate(groups) if g)}
    groups = [g for g in groups if g]
    if not groups:
        raise UserError(NOBODY_FROM_LAST)
    result = Reuse(groups=groups, dropped=dropped)
    for person, old in displaced:
        index = best_group(groups, person, history, apart)
        if index is None:
            raise UserError(_NO_ROOM_FOR_NEWCOMER)
        groups[index].append(person)
        result.separated.append((person.id, number.get(old, index), index))
    newcomers = sorted((p for p in today if p.id not in placed), key=lambda p: not p.is_facilitator)
    for person in newcomers:
        index = best_group(groups, person, history, apart)
        if index is None:
            raise UserError(_NO_ROOM_FOR_NEWCOMER)
        groups[index].append(person)
        result.added.append((person.id, index))
    _even_out(result, history, apart)
    return result


def _even_out(result: Reuse, history: History | None, apart: set[Pair]) -> None:
    """Move one person at a time from the biggest group to the smallest until sizes differ by one at most."""
    groups = result.groups
    while True:
        big = max(range(len(groups)), key=lambda i: (len(groups[i]), -i))
        small = min(range(len(groups)), key=lambda i: (len(groups[i]), i))
        if len(groups[big]) - len(groups[small]) <= 1:
            return
        choices = []
        for person in groups[big]:
            if _conflicts(person, groups[small], apart):
                continue
            rest = [p for p in groups[big] if p is not person]
            change = (
                added_cost(groups[small], person, history)
                + objective([rest], history, ONE_PERSON)
                - objective([groups[big]], history, ONE_PERSON)
            )
            choices.append((person.is_facilitator, round(change, 9), groups[big].index(person), person))
        if not choices:
            return  # every move breaks a keep-apart rule: uneven sizes are the lesser harm
        *_, person = min(choices, key=lambda c: c[:3])
        groups[big].remove(person)
        groups[small].append(person)
        result.evened.append((person.id, big, small))


def _participants(groups: Iterable[Iterable[PlannedMember]]) -> list[list[Participant]]:
    return [[Participant(m.user_id, m.role, m.is_facilitator) for m in g] for g in groups]


def _planned(groups: Iterable[Iterable[Participant]]) -> list[list[PlannedMember]]:
    return [[PlannedMember(int(p.id), p.role, p.is_facilitator) for p in g] for g in groups]  # type: ignore[call-overload]


def group_of(session: BreakoutSession, user_id: int) -> int | None:
    """The index of the group ``user_id`` is in, or None."""
    for index, group in enumerate(session.groups):
        if any(m.user_id == user_id for m in group):
            return index
    return None


@dataclass(frozen=True, slots=True)
class HelpRequest:
    """The outcome of "Ask for help": which room, and whether the facilitators are to be told now."""

    session: BreakoutSession
    room: int
    asked_at: datetime
    #: False when this room already asked within the cool-down; ``last_asked`` says when.
    new: bool
    last_asked: datetime | None


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a person now is: the session after the change, their group (from 0) and where they were."""

    session: BreakoutSession
    group: int
    was_in: int | None


class BreakoutRoomService:
    """Everything that happens to open rooms, between the cog and the repository.

    Changes to an open session's groups (a move, a late joiner) are made one at a time per server
    (an asyncio lock), because each reads the groups, decides and writes them back.
    """

    def __init__(self, repo: BreakoutRepository, *, help_cooldown: timedelta) -> None:
        self.repo = repo
        self.help_cooldown = help_cooldown
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def _open(self, guild_id: int) -> BreakoutSession:
        session = await self.repo.live(guild_id)
        if session is None or session.status != "open":
            raise UserError(NO_ROOMS_OPEN)
        return session

    # ------------------------------------------------------------------ ask for help

    async def ask_for_help(self, session_id: int, channel_id: int) -> HelpRequest:
        """Claim this room's help request, or report that it was already made within the cool-down."""
        session = await self.repo.get(session_id)
        if session is None or session.status != "open" or channel_id not in session.channel_ids:
            raise UserError(NOT_A_ROOM)
        room = session.channel_ids.index(channel_id) + 1
        now = utcnow()
        new = await self.repo.claim_help(session.id, room, now, unless_after=now - self.help_cooldown)
        fresh = await self.repo.get(session.id)
        assert fresh is not None
        return HelpRequest(fresh, room, now, new, None if new else fresh.help_asked.get(room))

    async def help_not_delivered(self, request: HelpRequest) -> None:
        """Nobody could be told: forget the request, so the next press tries again."""
        await self.repo.release_help(request.session.id, request.room, request.asked_at)

    # ---------------------------------------------------------------- more time

    async def add_time(self, session_id: int, guild_id: int, minutes: int = EXTRA_MINUTES) -> BreakoutSession:
        """Move the end (and so the warning) ``minutes`` later. Durable: the new end is in the row, which
        is what the timers are rebuilt from after a restart."""
        for _ in range(5):  # compare-and-set: retry when another facilitator pressed at the same moment
            session = await self.repo.get(session_id)
            if session is None or session.guild_id != guild_id or session.status != "open":
                raise UserError(NO_ROOMS_OPEN)
            if session.ends_at is None:
                raise UserError(NO_TIMER)
            new_end = max(session.ends_at, utcnow()) + timedelta(minutes=minutes)
            if await self.repo.move_end(session.id, session.ends_at, new_end):
                fresh = await self.repo.get(session.id)
                assert fresh is not None
                return fresh
        raise UserError("Several people changed the time at once. Please try again.")

    # ----------------------------------------------------------- recreate the last groups

    async def reuse_last(self, guild_id: int, today: Sequence[Participant]) -> Reuse:
        """The last breakout's groups with ``today``'s people (see :func:`reuse_groups`).

        Run in a thread: with a thousand people it is a few hundred milliseconds of CPU
        (``tests/benchmarks/bench_breakout_rooms.py``), too long to hold the event loop.
        """
        last = await self.repo.last_groups(guild_id)
        if not last:
            raise UserError(NOTHING_TO_REUSE)
        history = await self.repo.history(guild_id)
        apart = apart_pairs(await self.repo.keep_apart_rules(guild_id))
        return await asyncio.to_thread(reuse_groups, last, list(today), history, apart)

    # ------------------------------------------------------------ moves and late joiners

    async def move(self, guild_id: int, person: Participant, group_number: int) -> Placement:
        """Put ``person`` in group ``group_number`` (from 1) of the open rooms, and record it, so the
        history says who actually met whom: at close they count as in both groups."""
        async with self._lock(guild_id):
            session = await self._open(guild_id)
            if not 1 <= group_number <= len(session.groups):
                count = len(session.groups)
                raise UserError(
                    f"Please choose a group from 1 to {count}: there {'is' if count == 1 else 'are'} "
                    f"{count} {'group' if count == 1 else 'groups'} open."
                )
            target = group_number - 1
            was_in = group_of(session, int(person.id))  # type: ignore[call-overload]
            if was_in == target:
                raise UserError(f"They are already in {room_name(group_number)}, so nothing was changed.")
            groups = [[p for p in g if p.id != person.id] for g in _participants(session.groups)]
            apart = apart_pairs(await self.repo.keep_apart_rules(guild_id))
            if _conflicts(person, groups[target], apart):
                raise UserError(
                    f"They are kept apart from someone in {room_name(group_number)} (`/breakout keep-apart-list`), "
                    "so nothing was changed."
                )
            if was_in is not None:
                person = next(p for p in _participants(session.groups)[was_in] if p.id == person.id)
            groups[target].append(person)
            return await self._save(session, groups, person, target, was_in)

    async def place(self, guild_id: int, person: Participant, came_from: int | None) -> Placement | None:
        """A person who joined the main voice channel (from ``came_from``, a channel id, or from outside
        voice) while rooms are open: their own group if they are in the plan, else the best group
        (:func:`best_group`), recorded.

        None, and nothing changes, when rooms are not open; when they came back from a breakout room
        (they chose to be in the main channel); when they made the plan (the host stays in the main
        channel); or when every group holds someone they are kept apart from.
        """
        async with self._lock(guild_id):
            session = await self.repo.live(guild_id)
            if session is None or session.status != "open":
                return None
            if person.id == session.created_by or came_from in session.channel_ids:
                return None
            mine = group_of(session, int(person.id))  # type: ignore[call-overload]
            if mine is not None:
                return Placement(session, mine, mine)
            groups = _participants(session.groups)
            history = await self.repo.history(guild_id)
            apart = apart_pairs(await self.repo.keep_apart_rules(guild_id))
            target = best_group(groups, person, history, apart)
            if target is None:
                return None
            groups[target].append(person)
            return await self._save(session, groups, person, target, None)

    async def _save(
        self,
        session: BreakoutSession,
        groups: list[list[Participant]],
        person: Participant,
        target: int,
        was_in: int | None,
    ) -> Placement:
        """Store the groups with ``person`` now in ``target``; a move from ``was_in`` is kept too, so that
        at close they are recorded in both groups."""
        moved = None if was_in is None else (int(person.id), was_in)  # type: ignore[call-overload]
        if not await self.repo.set_groups(session.id, _planned(groups), moved):
            raise UserError(NO_ROOMS_OPEN)
        fresh = await self.repo.get(session.id)
        assert fresh is not None
        return Placement(fresh, target, was_in)
