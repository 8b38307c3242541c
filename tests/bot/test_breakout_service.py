"""The breakout service without Discord: open, undo, close and the timer, through an in-memory port.

:class:`Rooms` is copbot's own port (:class:`bot.breakout_service.RoomsOnDiscord`) kept in memory, not a
fake of Discord: it records what the service asked for, so the order of the steps can be checked without
a server. End-to-end behaviour under SimCord is in ``tests/cogs/test_breakouts.py`` and
``test_breakout_rooms.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import time_machine
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.breakout_service import BreakoutService, Closed, RoomsRefused, warning_text
from bot.breakouts import Candidate
from bot.config import BreakoutsConfig
from bot.meeting_session import MeetingSessionService
from bot.storage.breakouts import BreakoutRepository, BreakoutSession, PlannedMember
from bot.storage.meeting_sessions import MeetingSessionRepository
from bot.storage.meetings import MeetingRepository
from bot.storage.members import MemberRepository
from bot.storage.settings import SettingsRepository

GUILD, MAIN, LEAD = 1, 900, 10


class Rooms:
    """One server's voice rooms, in memory. ``refuse_room`` makes the n-th room fail to be made."""

    def __init__(self, in_voice: Iterable[int], away: Iterable[int] = (), *, refuse_room: int | None = None) -> None:
        self.where: dict[int, int | None] = {u: MAIN for u in in_voice} | {u: None for u in away}
        self.channels: set[int] = {MAIN}
        self.refuse_room = refuse_room
        self.made = 0
        self.log: list[tuple[object, ...]] = []
        self.told: list[tuple[int, int]] = []
        self.posts: dict[int, list[str]] = {}
        self.closed_by_timer: Closed | None = None

    async def ready(self) -> None: ...

    async def missing_permission(self) -> str | None:
        return None

    def in_voice(self, user_ids: Iterable[int]) -> dict[int, bool]:
        return {u: self.where[u] is not None for u in user_ids if u in self.where}

    def people_in(self, channel_id: int) -> list[int] | None:
        return [u for u, c in self.where.items() if c == channel_id] if channel_id in self.channels else None

    def is_voice(self, channel_id: int | None) -> bool:
        return channel_id in self.channels

    async def create_category(self) -> int:
        self.channels.add(500)
        return 500

    async def create_room(self, category_id: int, name: str) -> int:
        self.made += 1
        if self.made == self.refuse_room:
            raise RoomsRefused()
        self.channels.add(500 + self.made)
        self.log.append(("room", name))
        return 500 + self.made

    async def move(self, user_id: int, channel_id: int | None) -> bool:
        self.where[user_id] = channel_id
        self.log.append(("move", user_id, channel_id))
        return True

    async def delete(self, channel_id: int) -> bool:
        self.channels.discard(channel_id)
        self.log.append(("delete", channel_id))
        return True

    async def tell_rooms(self, people: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        self.told += people
        return []

    async def name_in_meeting_channel(self, people: Sequence[tuple[int, int]]) -> None: ...

    async def post_note(
        self, session: BreakoutSession, room_id: int, group: Sequence[PlannedMember], ends_at: datetime | None
    ) -> int:
        self.posts.setdefault(room_id, []).append(f"note {len(group)}")
        return room_id * 10

    async def edit_note(self, *args: object) -> None: ...

    async def post(self, room_id: int, text: str) -> bool:
        self.posts.setdefault(room_id, []).append(text)
        return True

    async def post_timer_note(self, session: BreakoutSession) -> tuple[int, int] | None:
        return None

    async def edit_timer_note(self, session: BreakoutSession, *, closed: bool) -> None: ...

    async def time_is_up(self, closed: Closed) -> None:
        self.closed_by_timer = closed


class Quiet:
    """A progress line nobody watches."""

    def show(self, text: str) -> None: ...


async def _service(database) -> BreakoutService:
    settings = SettingsRepository(database)
    await settings.update(GUILD, main_voice_id=MAIN)
    members = MemberRepository(database)
    for user_id, role in zip(range(11, 17), ["lay", "gp", "clinician", "lay", "researcher", "manager"], strict=True):
        await members.set_role(GUILD, user_id, role)
    config = BreakoutsConfig(
        warning_seconds=60, planning_seconds=0.2, help_cooldown_seconds=180, place_late_joiners=True, season_meetings=1
    )
    meetings = MeetingSessionService(
        MeetingSessionRepository(database), MeetingRepository(database), members, recap_names=False, max_hours=4
    )
    return BreakoutService(
        BreakoutRepository(database),
        members=members,
        meetings=meetings,
        settings=settings,
        scheduler=AsyncIOScheduler(),
        config=config,
    )


async def _plan(service: BreakoutService) -> BreakoutSession:
    people = [Candidate(LEAD, True), Candidate(20, True), *(Candidate(u, False) for u in range(11, 17))]
    return await service.plan(
        GUILD,
        people,
        size=4,
        seed=1,
        reuse_last=False,
        source="the main voice channel",
        source_channel_id=MAIN,
        created_by=LEAD,
        name=str,
    )


async def test_opening_moves_each_group_once_its_room_exists_and_closing_records_who_met(database) -> None:
    service = await _service(database)
    session = await _plan(service)
    rooms = Rooms(in_voice=[LEAD, 20, 11, 12, 13, 14, 15], away=[16])
    ready = await service.ready_to_open(GUILD, rooms, session.id, 10)
    opened = await service.open(rooms, ready, 10, Quiet())

    assert opened.failure is None and opened.result.moved == 7 and opened.result.told == 1
    assert opened.ends_at is not None and opened.session.status == "open"
    # Everyone is in their planned room; the one away from voice was told where to go.
    for room, group in zip(opened.session.channel_ids, opened.session.groups, strict=True):
        assert {m.user_id for m in group if m.user_id != 16} == {u for u, c in rooms.where.items() if c == room}
        assert rooms.posts[room] == [f"note {len(group)}"]
    assert [u for u, _ in rooms.told] == [16]
    assert opened.session.note_ids == tuple(r * 10 for r in opened.session.channel_ids)
    # The timer is scheduled from the stored end: a warning a minute before, then the close.
    jobs = {job.id for job in service.scheduler.get_jobs()}
    assert jobs == {f"breakouts:warn:{session.id}", f"breakouts:close:{session.id}"}

    closed = await service.close(rooms, GUILD)
    assert closed == Closed(moved=7, failed=0, back_id=MAIN, left=())
    assert all(c == MAIN for u, c in rooms.where.items() if u != 16) and rooms.channels == {MAIN}
    assert service.scheduler.get_jobs() == []
    history = await service.repo.history(GUILD)
    assert history.meeting_count == 1
    assert sorted(map(sorted, history.meetings()[0])) == sorted(
        sorted(m.user_id for m in g) for g in opened.session.groups
    )


async def test_a_refused_room_undoes_everything_and_keeps_the_plan(database) -> None:
    service = await _service(database)
    session = await _plan(service)
    rooms = Rooms(in_voice=[LEAD, 20, 11, 12, 13, 14, 15, 16], refuse_room=2)
    opened = await service.open(rooms, session, None, Quiet())

    assert opened.failure is not None and opened.failure.startswith("Discord had a problem")
    assert rooms.channels == {MAIN} and all(c == MAIN for c in rooms.where.values())
    assert (await service.repo.latest_planned(GUILD)).id == session.id  # it can be tried again
    assert await service.repo.live(GUILD) is None


async def test_the_timer_warns_every_room_then_closes_and_tells_the_facilitators(database) -> None:
    service = await _service(database)
    session = await _plan(service)
    rooms = Rooms(in_voice=[LEAD, 20, 11, 12, 13, 14, 15, 16])
    await service.attach(lambda guild_id: rooms if guild_id == GUILD else None)
    opened = await service.open(rooms, session, 5, Quiet())

    await service._warn(session.id)
    await service._warn(session.id)  # a repeated job warns nobody twice
    for room in opened.session.channel_ids:
        assert rooms.posts[room][1:] == [warning_text(60)]
    assert warning_text(60) == "**One minute left.** Please start to wrap up. Everyone comes back soon."

    with time_machine.travel(opened.ends_at + timedelta(seconds=1), tick=False):
        await service._auto_close(GUILD, session.id)
    assert rooms.closed_by_timer == Closed(moved=8, failed=0, back_id=MAIN, left=())
    assert await service.repo.live(GUILD) is None
    service.detach()
