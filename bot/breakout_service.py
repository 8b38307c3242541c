"""Breakout sessions from plan to close: the orchestration behind ``/breakout`` and its buttons.

No Discord here. The breakouts cog parses commands and clicks and renders what people see; this
service decides and sequences: it plans (through :func:`bot.breakouts.make_plan`, run off the event
loop), opens the rooms in a pipeline that keeps Discord's rate-limit buckets busy, times them with a
warning and a close (APScheduler jobs rebuilt from the database row, the truth), brings everyone
back and records who met whom. What happens to rooms while they are open (help requests, more time,
moves, late joiners, the last groups again) is :class:`bot.breakout_rooms.BreakoutRoomService`,
reached as :attr:`BreakoutService.rooms`.

The service reaches Discord through :class:`RoomsOnDiscord`, one server's Discord as breakouts need
it, which the cog implements (make a room, move a person, post a note) and hands over with
:meth:`BreakoutService.attach`; timers look it up there too, since no interaction starts them.
Concurrent steps are joined by polling and stopped with a flag (:mod:`bot.concurrency`).

Every Discord step is recorded in :class:`bot.storage.breakouts.BreakoutRepository` as soon as it
is taken, so a session can always be closed, even after a crash or a restart part-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger

from bot.breakout_rooms import NO_ROOMS_OPEN, BreakoutRoomService
from bot.breakouts import (
    Candidate,
    MoveResult,
    attendance_for_planning,
    build_roster,
    check_plan_options,
    make_plan,
    participants_from_plan,
    people,
    planned_groups,
    progress_text,
    room_name,
)
from bot.clock import utcnow
from bot.concurrency import POLL_SECONDS, join
from bot.config import BreakoutsConfig
from bot.errors import UserError
from bot.grouping import Participant, Plan
from bot.grouping.meeting import ATTENDANCE_WINDOW
from bot.meeting_session import MeetingSessionService
from bot.roles import short_label
from bot.storage.breakouts import ALREADY_OPEN, NOT_PLANNED, BreakoutRepository, BreakoutSession, PlannedMember
from bot.storage.members import MemberRepository
from bot.storage.settings import SettingsRepository

log = logging.getLogger(__name__)

#: The longest timer ``/breakout open`` and the **Open rooms** form accept, in minutes.
MAX_MINUTES = 240
#: The timers the **Open rooms** form offers (0: no timer, the facilitator closes the rooms).
TIMER_CHOICES = (0, 5, 10, 15, 20, 30, 45, 60)
NO_PLAN = "There is no breakout plan to open. Use `/breakout plan` first."
JOB_PREFIX = "breakouts:"
UNAVAILABLE = "Breakout rooms are not available right now. Please try again in a moment."


class RoomsRefused(Exception):
    """Discord would not make a room (or the category): the service undoes what was made."""


class ProgressLine(Protocol):
    """Where the facilitator watches long work; :meth:`show` must never wait."""

    def show(self, text: str) -> None: ...


class RoomsOnDiscord(Protocol):
    """One server's Discord, as breakouts need it (implemented by the breakouts cog).

    Only the room makers raise (:class:`RoomsRefused`); every other step reports a refusal in what it
    returns, because one room or one closed DM must never stop the others.
    """

    async def ready(self) -> None:
        """Load the member list if Discord has not sent it yet (just after a restart)."""

    async def missing_permission(self) -> str | None:
        """The sentence naming what copbot lacks to make rooms and move people, or None."""

    def in_voice(self, user_ids: Iterable[int]) -> dict[int, bool]:
        """For each of ``user_ids`` still in the server: whether they are in a voice channel now."""

    def people_in(self, channel_id: int) -> list[int] | None:
        """Who is in a voice room now; None when the room no longer exists."""

    def is_voice(self, channel_id: int | None) -> bool:
        """Whether a voice channel with this id exists (somewhere to bring people back to)."""

    async def create_category(self) -> int: ...

    async def create_room(self, category_id: int, name: str) -> int: ...

    async def move(self, user_id: int, channel_id: int | None) -> bool:
        """Move someone to a voice channel (None: out of voice); False when Discord refused."""

    async def delete(self, channel_id: int) -> bool:
        """Delete a channel; True once it is gone (or was already)."""

    async def tell_rooms(self, people: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """DM each (person, room) where to go; returns the pairs whose DMs are closed."""

    async def name_in_meeting_channel(self, people: Sequence[tuple[int, int]]) -> None:
        """The fallback for closed DMs: mention each person with their room in the meeting channel."""

    async def post_note(
        self, session: BreakoutSession, room_id: int, group: Sequence[PlannedMember], ends_at: datetime | None
    ) -> int:
        """A room's welcome note (members, prompt, end, the help button); its id, or 0 if refused."""

    async def edit_note(
        self,
        session: BreakoutSession,
        room_id: int,
        note_id: int,
        group: Sequence[PlannedMember],
        ends_at: datetime | None,
    ) -> None: ...

    async def post(self, room_id: int, text: str) -> bool:
        """Post ``text`` in a room's chat; False when refused."""

    async def post_timer_note(self, session: BreakoutSession) -> tuple[int, int] | None:
        """The end time and **Add 5 minutes** where every facilitator sees them: (channel, message)."""

    async def edit_timer_note(self, session: BreakoutSession, *, closed: bool) -> None: ...

    async def time_is_up(self, closed: Closed) -> None:
        """Tell the facilitators that the timer closed the rooms, and how it went."""


@dataclass(slots=True)
class OpenWork:
    """How far opening has got, shared by the room maker, the mover and the progress line."""

    rooms_total: int
    to_move: int
    rooms_done: int = 0
    #: Set when making the rooms failed: the mover stops before its next move.
    aborted: bool = False
    #: Rooms made so far (channel ids), in group order: the mover takes each as soon as it is here.
    rooms: list[int] = field(default_factory=list)
    result: MoveResult = field(default_factory=MoveResult)
    #: People moved so far (brought back if opening fails part-way).
    moved: list[int] = field(default_factory=list)
    #: People in voice whom Discord would not move, with their room (they are told by DM).
    stuck: list[tuple[int, int]] = field(default_factory=list)

    def text(self) -> str:
        return progress_text(self.rooms_done, self.rooms_total, self.result.moved, self.to_move)


@dataclass(frozen=True, slots=True)
class Opened:
    """How opening went: the session as it now is, who was moved or told, and when the rooms close."""

    session: BreakoutSession
    #: Counts of who was moved, told by DM or named in the meeting channel (``not_moved`` is left to the
    #: cog, which names the people in :attr:`not_moved`).
    result: MoveResult
    unposted: int
    ends_at: datetime | None
    #: People in voice whom Discord would not move (they were told their room instead).
    not_moved: tuple[int, ...] = ()
    #: Set when Discord refused part-way and what was made was undone: the sentence to show instead.
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class Closed:
    """How closing went: people brought back (and not), where to, and rooms Discord would not delete."""

    moved: int
    failed: int
    back_id: int | None
    left: tuple[int, ...]
    #: False when there were no rooms to close (nothing was done).
    was_open: bool = True


def without_role_line(without_role: int) -> str:
    """The plan's note about people counted as Other, on a line of its own (empty when there are none)."""
    if not without_role:
        return ""
    who = "1 member has" if without_role == 1 else f"{without_role} members have"
    return f"\n{who} not chosen a role yet and counted as Other (they can use `/profile`)."


def plan_summary(plan: Plan, without_role: int, source: str) -> str:
    """The mix report in plain words: totals only (each member's role is shown in the group list)."""
    lines = plan.report.lines(short_label)[len(plan.groups) :]
    lines.insert(0, f"Drawn from {source}.")
    return "\n".join(lines) + without_role_line(without_role)


def warning_text(seconds: int) -> str:
    """What every room reads shortly before a timed breakout ends."""
    when = "One minute" if seconds == 60 else f"{seconds} seconds"
    return f"**{when} left.** Please start to wrap up. Everyone comes back soon."


class BreakoutService:
    """Plan, open, time and close breakout rooms (see the module docstring)."""

    def __init__(
        self,
        repo: BreakoutRepository,
        *,
        members: MemberRepository,
        meetings: MeetingSessionService,
        settings: SettingsRepository,
        scheduler: BaseScheduler,
        config: BreakoutsConfig,
    ) -> None:
        self.repo = repo
        self.members = members
        #: Who came to recent meetings: the planner weighs the people expected later by how often they come.
        self.meetings = meetings
        self.settings = settings
        self.scheduler = scheduler
        self.config = config
        self.rooms = BreakoutRoomService(repo, help_cooldown=timedelta(seconds=config.help_cooldown_seconds))
        self._locks: dict[int, asyncio.Lock] = {}
        self._discord: Callable[[int], RoomsOnDiscord | None] | None = None

    def _lock(self, guild_id: int) -> asyncio.Lock:
        """One open-or-close at a time per server, so a timer and a facilitator never race."""
        return self._locks.setdefault(guild_id, asyncio.Lock())

    # ------------------------------------------------------------------ lifecycle

    async def attach(self, discord_for: Callable[[int], RoomsOnDiscord | None]) -> None:
        """The cog hands over its Discord side (per server) and the timers of live sessions come back."""
        self._discord = discord_for
        for session in await self.repo.all_live():
            self._schedule(session)

    def detach(self) -> None:
        """The cog is unloading: no Discord side any more, and no timer left to fire."""
        self._discord = None
        for job in self.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX):
                job.remove()

    # ------------------------------------------------------------------ planning

    async def participant(self, guild_id: int, candidate: Candidate) -> Participant:
        """One member as the planner sees them: their stakeholder role, facilitator or not."""
        return build_roster([candidate], await self.members.roles_for(guild_id)).participants[0]

    async def roles(self, guild_id: int) -> dict[int, str]:
        """Everyone's stakeholder role here (the people to plan from when nobody is in voice)."""
        return await self.members.roles_for(guild_id)

    async def plan(
        self,
        guild_id: int,
        candidates: Iterable[Candidate],
        *,
        size: int | None,
        seed: int,
        reuse_last: bool,
        source: str,
        source_channel_id: int | None,
        created_by: int,
        name: Callable[[int], str],
    ) -> BreakoutSession:
        """Plan groups of ``size`` from ``candidates`` (or the last groups again, where no size is used)
        and store the plan."""
        check_plan_options(size, "last" if reuse_last else None)
        roster = build_roster(candidates, await self.members.roles_for(guild_id))
        if reuse_last:
            again = await self.rooms.reuse_last(guild_id, roster.participants)
            groups = [[PlannedMember(int(p.id), p.role, p.is_facilitator) for p in g] for g in again.groups]  # type: ignore[call-overload]
            summary = again.summary(lambda uid: name(int(uid)), source) + without_role_line(roster.without_role)  # type: ignore[call-overload]
            size = max(len(g) for g in groups)
        else:
            assert size is not None  # check_plan_options: a size is given when it is used
            plan = await self._run_planner(guild_id, roster.participants, size, seed, name)
            groups, summary = planned_groups(plan), plan_summary(plan, roster.without_role, source)
        return await self.repo.create_plan(
            guild_id,
            size=size,
            seed=seed,
            groups=groups,
            summary=summary,
            source_channel_id=source_channel_id,
            created_by=created_by,
        )

    async def reshuffle(self, guild_id: int, session_id: int, name: Callable[[int], str]) -> BreakoutSession:
        """Plan the same people again: another plan of the same cost, or one sentence saying there is none."""
        session = await self.planned(guild_id, session_id)
        seed = session.seed + 1
        shown = [[m.user_id for m in group] for group in session.groups]
        plan = await self._run_planner(
            guild_id, participants_from_plan(session.groups), session.size, seed, name, avoid=[shown]
        )
        summary_head, _, _ = session.summary.partition("\n")
        without = session.summary.splitlines()[-1] if "counted as Other" in session.summary else ""
        summary = "\n".join(
            [summary_head, *plan.report.lines(short_label)[len(plan.groups) :], *([without] if without else [])]
        )
        return await self.repo.replan(session.id, seed=seed, groups=planned_groups(plan), summary=summary)

    async def cancel(self, guild_id: int, session_id: int) -> None:
        session = await self.planned(guild_id, session_id)
        await self.repo.cancel(session.id)

    async def id_for_token(self, token: int) -> int:
        """The session a button's random token names (buttons carry a token, not the cross-server row id)."""
        found = await self.repo.id_for_token(token)
        if found is None:
            raise UserError("That breakout plan no longer exists.")
        return found

    async def planned(self, guild_id: int, session_id: int) -> BreakoutSession:
        """The plan behind a button, if it is still this server's and still waiting to be opened."""
        session = await self.repo.get(session_id)
        if session is None or session.guild_id != guild_id or session.status != "planned":
            raise UserError(NOT_PLANNED)
        return session

    async def _run_planner(
        self,
        guild_id: int,
        participants: list[Participant],
        size: int,
        seed: int,
        name: Callable[[int], str],
        avoid: list[list[list[int]]] | None = None,
    ) -> Plan:
        """Plan off the event loop: the search takes up to ``planning_seconds`` of CPU."""
        history = await self.repo.history(guild_id)
        rules = await self.repo.keep_apart_rules(guild_id)
        roles = await self.members.roles_for(guild_id)
        recorded = await self.meetings.recent_attendance(guild_id, ATTENDANCE_WINDOW)

        def named(user_id: Hashable) -> str:
            return name(int(user_id))  # type: ignore[call-overload]

        return await asyncio.to_thread(
            make_plan,
            participants,
            size=size,
            history=history,
            keep_apart=rules,
            seed=seed,
            time_budget=self.config.planning_seconds,
            name=named,
            avoid=avoid or (),
            roles=roles,
            attended=attendance_for_planning(recorded, history),
            season_meetings=self.config.season_meetings,
        )

    # ------------------------------------------------------------------- opening

    async def ready_to_open(
        self, guild_id: int, discord: RoomsOnDiscord, session_id: int | None, minutes: int | None
    ) -> BreakoutSession:
        """Every refusal before anything is made (so it can still be a private reply): the plan (the
        latest when ``session_id`` is None), the timer, copbot's permissions, no rooms already open."""
        if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
            raise UserError(f"Please choose a time from 1 to {MAX_MINUTES} minutes, or leave it out.")
        if session_id is None:
            session = await self.repo.latest_planned(guild_id)
            if session is None:
                raise UserError(NO_PLAN)
        else:
            session = await self.planned(guild_id, session_id)
        sentence = await discord.missing_permission()
        if sentence:
            raise UserError(sentence)
        if await self.repo.live(guild_id) is not None:
            raise UserError(ALREADY_OPEN)
        return session

    async def open(
        self,
        discord: RoomsOnDiscord,
        session: BreakoutSession,
        minutes: int | None,
        progress: ProgressLine,
    ) -> Opened:
        """Make the rooms and move people, in a pipeline that keeps Discord's buckets busy.

        Under Discord's rate limits the work is bounded by its busiest bucket (usually moves, about
        ten per ten seconds per server), so the steps overlap instead of queueing one after another:

        * rooms are made one by one and the mover starts on Group 1 as soon as it exists, so channel
          creations (their own bucket) run while people are moved;
        * people in voice are moved first; nothing else waits in front of a move. Direct messages to
          people who are not in voice go out once every room exists, alongside the moves (DMs use
          other buckets);
        * when the last person is moved the timer starts (so one minute really is one minute in the
          room), and each room's welcome note is posted with the end time.

        When Discord refuses to make a room, anyone already moved is brought back and what was made
        is removed (:attr:`Opened.failure` says so).
        """
        await discord.ready()
        async with self._lock(session.guild_id):
            session = await self.repo.start_opening(session.id, None)
            where = discord.in_voice(p.user_id for g in session.groups for p in g)
            in_voice = {uid for uid, voice in where.items() if voice}
            work = OpenWork(rooms_total=len(session.groups), to_move=len(in_voice))
            progress.show(work.text())
            maker = asyncio.create_task(self._make_rooms(discord, session, work, progress))
            mover = asyncio.create_task(self._move_in_voice(discord, session, in_voice, maker, work, progress))
            try:
                (rooms,) = await join([maker])
            except RoomsRefused:
                log.warning("Making breakout rooms failed in server %s", session.guild_id, exc_info=True)
                work.aborted = True  # the mover stops before its next move (no cancel: see bot.concurrency)
                await join([mover])
                failure = await self._undo_open(discord, session, work)
                return Opened(session, work.result, 0, None, failure=failure)
            await self.repo.set_status(session.id, "open")
            not_in_voice = [
                (p.user_id, rooms[i])
                for i, g in enumerate(session.groups)
                for p in g
                if p.user_id in where and p.user_id not in in_voice
            ]
            told = asyncio.create_task(discord.tell_rooms(not_in_voice))
            await join([mover])
            # The clock starts now that everyone who could be moved is in their room.
            ends_at = utcnow() + timedelta(minutes=minutes) if minutes else None
            if ends_at is not None:
                await self.repo.set_ends_at(session.id, ends_at)
            session = await self._fresh(session.id)
            self._schedule(session)
            notes = asyncio.create_task(self._post_notes(discord, session, rooms, ends_at))
            (unreachable,) = await join([told])
            work.result.told = len(not_in_voice) - len(unreachable)
            unreachable += await discord.tell_rooms(work.stuck)
            if unreachable:
                await discord.name_in_meeting_channel(unreachable)
            work.result.mentioned = len(unreachable)
            (unposted,) = await join([notes])
        if ends_at is not None:
            posted = await discord.post_timer_note(session)
            if posted is not None:
                await self.repo.set_timer_note(session.id, *posted)
        stuck = tuple(user_id for user_id, _ in work.stuck)
        return Opened(await self._fresh(session.id), work.result, unposted, ends_at, not_moved=stuck)

    async def _make_rooms(
        self, discord: RoomsOnDiscord, session: BreakoutSession, work: OpenWork, progress: ProgressLine
    ) -> list[int]:
        """The category and one voice room per group. Each id is stored as soon as Discord has made the
        channel, and each room joins ``work.rooms`` at once, for the mover."""
        category = await discord.create_category()
        await self.repo.set_rooms(session.id, category, [])
        for number in range(1, len(session.groups) + 1):
            work.rooms.append(await discord.create_room(category, room_name(number)))
            await self.repo.set_rooms(session.id, category, list(work.rooms))
            work.rooms_done = number
            progress.show(work.text())
        return list(work.rooms)

    async def _move_in_voice(
        self,
        discord: RoomsOnDiscord,
        session: BreakoutSession,
        in_voice: set[int],
        maker: asyncio.Task[list[int]],
        work: OpenWork,
        progress: ProgressLine,
    ) -> None:
        """Move the people in voice, group by group, each group as soon as its room exists."""
        for index, group in enumerate(session.groups):
            while len(work.rooms) <= index:
                if maker.done() or work.aborted:
                    return  # making the rooms failed; the caller undoes what was made
                await asyncio.sleep(POLL_SECONDS)
            room = work.rooms[index]
            for planned in group:
                if work.aborted:
                    return
                if planned.user_id not in in_voice:
                    continue
                if await discord.move(planned.user_id, room):
                    work.result.moved += 1
                    work.moved.append(planned.user_id)
                else:
                    work.stuck.append((planned.user_id, room))
                progress.show(work.text())

    async def _undo_open(self, discord: RoomsOnDiscord, session: BreakoutSession, work: OpenWork) -> str:
        """Bring back anyone already moved and remove every room made so far; one sentence says what
        happened and what next."""
        stored = await self._fresh(session.id)
        settings = await self.settings.get(session.guild_id)
        back = stored.source_channel_id or settings.main_voice_id
        if discord.is_voice(back):
            for user_id in work.moved:
                await discord.move(user_id, back)
        ids = [*stored.channel_ids, *([stored.category_id] if stored.category_id else [])]
        left = [c for c in ids if not await discord.delete(c)]
        what = "Discord had a problem while I was making the breakout rooms"
        if not left:
            await self.repo.back_to_planned(session.id)
            moved = (
                f"brought back the {people(len(work.moved))} I had already moved" if work.moved else "nobody was moved"
            )
            return (
                f"{what}, so I removed the ones I had made and {moved}. Please try `/breakout open` again in a moment."
            )
        category_id = stored.category_id if stored.category_id in left else None
        await self.repo.set_rooms(session.id, category_id, [c for c in left if c != category_id])
        await self.repo.set_status(session.id, "closing")
        return f"{what} and I could not remove all the ones I had made, so please use `/breakout close` to tidy up."

    async def _post_notes(
        self, discord: RoomsOnDiscord, session: BreakoutSession, rooms: list[int], ends_at: datetime | None
    ) -> int:
        """Each room's welcome note, all at once (each room is its own channel with its own bucket). The
        notes' ids are stored, to show a new end time there later. Returns how many posts failed."""
        ids = await join(
            [
                asyncio.create_task(discord.post_note(session, room, group, ends_at))
                for room, group in zip(rooms, session.groups, strict=False)
            ]
        )
        await self.repo.set_notes(session.id, ids)
        return sum(1 for note_id in ids if not note_id)

    async def _fresh(self, session_id: int) -> BreakoutSession:
        session = await self.repo.get(session_id)
        assert session is not None, "sessions are never deleted while the bot runs"
        return session

    # ---------------------------------------------------------------- while open

    async def open_session(self, guild_id: int) -> BreakoutSession:
        """The session whose rooms are open now, or one sentence saying there are none."""
        session = await self.repo.live(guild_id)
        if session is None or session.status != "open":
            raise UserError(NO_ROOMS_OPEN)
        return session

    async def is_room(self, guild_id: int, channel_id: int) -> bool:
        """Whether ``channel_id`` is one of this server's breakout rooms now (people there are at the meeting)."""
        live = await self.repo.live(guild_id)
        return live is not None and channel_id in live.channel_ids

    async def post_in_rooms(self, discord: RoomsOnDiscord, session: BreakoutSession, text: str) -> int:
        """Post ``text`` in every room at once; returns in how many it arrived."""
        return sum(await join([asyncio.create_task(discord.post(c, text)) for c in session.channel_ids]))

    async def add_time(self, discord: RoomsOnDiscord, guild_id: int, session_id: int) -> BreakoutSession:
        """**Add 5 minutes**: a later end and warning (stored, then rescheduled), shown in every room's note
        and on the facilitators' timer note."""
        session = await self.rooms.add_time(session_id, guild_id)
        self._schedule(session)
        await discord.edit_timer_note(session, closed=False)
        rooms = zip(session.channel_ids, session.note_ids, session.groups, strict=False)
        await join(
            [
                asyncio.create_task(discord.edit_note(session, room, note, group, session.ends_at))
                for room, note, group in rooms
                if note
            ]
        )
        return session

    # ------------------------------------------------------------------- closing

    async def close(self, discord: RoomsOnDiscord, guild_id: int, progress: ProgressLine | None = None) -> Closed:
        """Move everyone back, delete the rooms and category, record the meeting. Safe to repeat.

        Moves (one bucket) and deletions (another) overlap: each room is deleted as soon as everyone
        in it has been moved out, while the next room is being emptied. A room Discord will not delete
        must not keep the breakout open: everyone is back, so the meeting is recorded and the
        facilitator is told which room to delete by hand.
        """
        async with self._lock(guild_id):
            session = await self.repo.live(guild_id)
            if session is None:
                return Closed(0, 0, None, (), was_open=False)
            self._unschedule(session.id)
            await self.repo.set_status(session.id, "closing")
            await discord.ready()
            settings = await self.settings.get(guild_id)
            back = settings.main_voice_id or session.source_channel_id
            target = back if discord.is_voice(back) else None
            rooms = [(c, who) for c in session.channel_ids if (who := discord.people_in(c)) is not None]
            total = sum(len(who) for _, who in rooms)
            moved = failed = 0
            if progress is not None:
                progress.show(f"Bringing everyone back … 0/{total}")
            deletions: list[asyncio.Task[bool]] = []
            for room, who in rooms:
                for user_id in who:
                    if await discord.move(user_id, target):
                        moved += 1
                    else:
                        failed += 1
                    if progress is not None:
                        progress.show(f"Bringing everyone back … {moved + failed}/{total}")
                deletions.append(asyncio.create_task(discord.delete(room)))
            left = [room for (room, _), deleted in zip(rooms, await join(deletions), strict=True) if not deleted]
            if session.category_id and not await discord.delete(session.category_id):
                left.append(session.category_id)
            await self.repo.finish(session)
            await discord.edit_timer_note(session, closed=True)
        return Closed(moved, failed, target, tuple(left))

    # --------------------------------------------------------------------- timer

    def _schedule(self, session: BreakoutSession) -> None:
        """Warning and close jobs from the stored end time; jobs in the past run at once (catch-up)."""
        if session.ends_at is None:
            return
        warn_at = session.ends_at - timedelta(seconds=self.config.warning_seconds)
        common = {"misfire_grace_time": None, "coalesce": True, "replace_existing": True}
        if not session.warned:
            self.scheduler.add_job(
                self._warn,
                DateTrigger(run_date=warn_at),
                args=[session.id],
                id=f"{JOB_PREFIX}warn:{session.id}",
                **common,
            )
        self.scheduler.add_job(
            self._auto_close,
            DateTrigger(run_date=session.ends_at),
            args=[session.guild_id, session.id],
            id=f"{JOB_PREFIX}close:{session.id}",
            **common,
        )

    def _unschedule(self, session_id: int) -> None:
        for kind in ("warn", "close"):
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(f"{JOB_PREFIX}{kind}:{session_id}")

    def _discord_for(self, guild_id: int) -> RoomsOnDiscord | None:
        return self._discord(guild_id) if self._discord is not None else None

    def on_discord(self, guild_id: int) -> RoomsOnDiscord:
        """The server's Discord side, for a command or a click (one sentence if breakouts are not loaded)."""
        found = self._discord_for(guild_id)
        if found is None:
            raise UserError(UNAVAILABLE)
        return found

    async def _warn(self, session_id: int) -> None:
        session = await self.repo.get(session_id)
        if session is None or session.status != "open" or session.warned:
            return
        discord = self._discord_for(session.guild_id)
        if discord is None:
            return
        await self.repo.mark_warned(session_id)
        await self.post_in_rooms(discord, session, warning_text(self.config.warning_seconds))

    async def _auto_close(self, guild_id: int, session_id: int) -> None:
        session = await self.repo.live(guild_id)
        discord = self._discord_for(guild_id)
        if session is None or session.id != session_id or discord is None:
            return
        if session.ends_at is not None and session.ends_at > utcnow() + timedelta(seconds=1):
            self._schedule(session)  # the end was moved ("Add 5 minutes") after this job was set
            return
        await discord.time_is_up(await self.close(discord, guild_id))
