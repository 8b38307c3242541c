"""``/breakout``: plan mixed groups, open voice rooms, move people, time, broadcast, bring everyone back.

The cog is the Discord side only. Who takes part and how groups are planned live in
:mod:`bot.breakouts`; what exists is recorded in :mod:`bot.storage.breakouts` after every Discord step,
so a session can always be closed, even after a crash or restart part-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar, TypeVar

import discord
from apscheduler.jobstores.base import JobLookupError
from apscheduler.triggers.date import DateTrigger
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.breakouts import (
    CATEGORY_NAME,
    DISCUSSION_PROMPT,
    Candidate,
    MoveResult,
    build_roster,
    check_size,
    make_plan,
    missing_permission,
    open_report,
    participants_from_plan,
    people,
    planned_groups,
    progress_text,
    room_name,
)
from bot.clock import utcnow
from bot.errors import UserError
from bot.grouping import Plan
from bot.roles import short_label
from bot.storage.breakouts import ALREADY_OPEN, NOT_PLANNED, BreakoutRepository, BreakoutSession, PlannedMember
from bot.text_limits import MESSAGE, chunk_mentions, fit, fit_lines
from cogs._permissions import in_channel, in_server
from cogs._shared import NO_PINGS, HelpSection, facilitator_only, guild_of
from cogs.breakouts._views import DYNAMIC_ITEMS, plan_view

log = logging.getLogger(__name__)
T = TypeVar("T")

NO_ROOMS_OPEN = "There are no breakout rooms open right now."
MAX_MINUTES = 240
_MESSAGE_LIMIT = 1900


def _name(member: discord.abc.User | None, user_id: int) -> str:
    if member is None:
        return f"someone who has left (#{user_id})"
    return discord.utils.escape_markdown(member.display_name)


def _plan_summary(plan: Plan, without_role: int, source: str) -> str:
    """The mix report in plain words: totals only (each member's role is shown in the group list)."""
    lines = plan.report.lines(short_label)[len(plan.groups) :]
    lines.insert(0, f"Drawn from {source}.")
    if without_role:
        who = "1 member has" if without_role == 1 else f"{without_role} members have"
        lines.append(f"{who} not chosen a role yet and counted as Other (they can use `/profile`).")
    return "\n".join(lines)


#: How often a step that waits for other concurrent steps checks on them.
_POLL_SECONDS = 0.05


async def _join(tasks: list[asyncio.Task[T]]) -> list[T]:
    """The tasks' results once all are done (the first failure is raised, after all have finished).

    It checks every 50 ms instead of awaiting the tasks: under SimCord (the test harness), a task
    awaiting another task that is sleeping on a Discord call never counts as settled while SimCord
    moves its clock, and the test would hang; a task that sleeps itself does. In production the
    polling costs nothing measurable.
    """
    while not all(t.done() for t in tasks):
        await asyncio.sleep(_POLL_SECONDS)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    return [t.result() for t in tasks]


async def _members_ready(guild: discord.Guild) -> None:
    """Make sure the member list is loaded: just after a restart Discord may not have sent it yet, and
    who is in which voice room can only be read for members the bot knows."""
    if not guild.chunked:
        await guild.chunk()


class BreakoutsCog(
    commands.GroupCog, group_name="breakout", group_description="Breakout rooms for small-group discussion"
):
    """Thin adapter over :mod:`bot.breakouts` and :class:`BreakoutRepository`."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=40,
        title="Breakout rooms",
        lines=(
            "During a meeting, facilitators may split everyone into small, mixed groups, each in its own voice "
            "room. copbot moves you there and tells you where to go; at the end, everyone is brought back.",
        ),
        facilitator_lines=(
            "`/breakout plan size:` proposes groups from the people in the main voice channel (or `voice:`), "
            "with buttons to open the rooms, reshuffle, or cancel. Each group gets a facilitator first, then an "
            "even mix of roles, then people who have not met yet.",
            "`/breakout open minutes:` opens the rooms of the latest plan, with an optional timer.",
            "`/breakout broadcast message:` posts in every room; `/breakout close` brings everyone back.",
            "`/breakout keep-apart` keeps two people out of the same group; `/breakout keep-apart-list` and "
            "`/breakout keep-apart-remove` show and undo these.",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.repo = BreakoutRepository(bot.db)
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, guild_id: int) -> asyncio.Lock:
        """One open-or-close at a time per server, so a timer and a facilitator never race."""
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        for session in await self.repo.all_live():
            self._schedule(session)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        for job in self.bot.scheduler.get_jobs():
            if job.id.startswith("breakouts:"):
                job.remove()

    # ------------------------------------------------------------------ planning

    @app_commands.command(name="plan", description="Plan mixed breakout groups (facilitators)")
    @app_commands.describe(
        size="How many people in each group (2 to 25)",
        voice="The voice channel to take people from (default: the main voice channel)",
    )
    @facilitator_only()
    async def plan(
        self, interaction: discord.Interaction, size: int, voice: discord.VoiceChannel | None = None
    ) -> None:
        guild = guild_of(interaction)
        check_size(size)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await _members_ready(guild)
        settings = await self.bot.settings.get(guild.id)

        source_channel: discord.VoiceChannel | discord.StageChannel | None = voice
        if source_channel is None and settings.main_voice_id is not None:
            found = guild.get_channel(settings.main_voice_id)
            if isinstance(found, discord.VoiceChannel | discord.StageChannel):
                source_channel = found
        members = [m for m in source_channel.members if not m.bot] if source_channel else []
        if voice is not None and not members:
            raise UserError(f"Nobody is in {voice.mention} right now, so there is nobody to put into groups.")
        roles = await self.bot.members.roles_for(guild.id)
        if members:
            assert source_channel is not None
            source = source_channel.mention
        else:
            source_channel = None
            source = "everyone who has chosen a role"
            members = [m for uid in roles if (m := guild.get_member(uid)) is not None and not m.bot]
        role_id = settings.facilitator_role_id
        roster = build_roster(
            (Candidate(m.id, role_id is not None and m.get_role(role_id) is not None) for m in members), roles
        )
        seed = interaction.id % 1_000_000
        plan = await self._run_planner(guild, roster.participants, size, seed)
        session = await self.repo.create_plan(
            guild.id,
            size=size,
            seed=seed,
            groups=planned_groups(plan),
            summary=_plan_summary(plan, roster.without_role, source),
            source_channel_id=source_channel.id if source_channel else None,
            created_by=interaction.user.id,
        )
        await interaction.edit_original_response(
            content=self._render_plan(guild, session), view=plan_view(session.id), allowed_mentions=NO_PINGS
        )

    async def _run_planner(
        self,
        guild: discord.Guild,
        participants: list,  # type: ignore[type-arg]
        size: int,
        seed: int,
        avoid: list[list[list[int]]] | None = None,
    ) -> Plan:
        """Plan off the event loop: the search takes up to ``planning_seconds`` of CPU."""
        history = await self.repo.history(guild.id)
        rules = await self.repo.keep_apart_rules(guild.id)
        roles = await self.bot.members.roles_for(guild.id)

        def name(user_id: Hashable) -> str:
            return _name(guild.get_member(int(user_id)), int(user_id))  # type: ignore[call-overload]

        return await asyncio.to_thread(
            make_plan,
            participants,
            size=size,
            history=history,
            keep_apart=rules,
            seed=seed,
            time_budget=self.bot.config.breakouts.planning_seconds,
            name=name,
            avoid=avoid or (),
            roles=roles,
            season_meetings=self.bot.config.breakouts.season_meetings,
        )

    def _render_plan(self, guild: discord.Guild, session: BreakoutSession) -> str:
        """The groups (names, roles, ★ for facilitators) and the mix report; shorter forms for big plans."""
        head = (
            f"**Breakout plan** ({session.member_count} people, {len(session.groups)} groups of about {session.size})"
        )
        foot = "★ marks each group's facilitator. Choose **Open rooms** to start, or **Reshuffle** for another mix."

        def full(number: int, group: tuple) -> str:  # type: ignore[type-arg]
            lines = [f"**{room_name(number)}**"]
            for m in group:
                mark = "★ " if m.is_facilitator else "• "
                lines.append(f"{mark}{_name(guild.get_member(m.user_id), m.user_id)} ({short_label(m.role)})")
            return "\n".join(lines)

        def compact(number: int, group: tuple) -> str:  # type: ignore[type-arg]
            names = ", ".join(
                ("★" if m.is_facilitator else "") + _name(guild.get_member(m.user_id), m.user_id) for m in group
            )
            return f"**{room_name(number)}**: {names}"

        for render in (full, compact):
            body = "\n".join(render(i, g) for i, g in enumerate(session.groups, start=1))
            text = f"{head}\n\n{body}\n\n{session.summary}\n\n{foot}"
            if len(text) <= _MESSAGE_LIMIT:
                return text
        room = _MESSAGE_LIMIT - len(head) - len(session.summary) - len(foot) - 80
        shown: list[str] = []
        for i, g in enumerate(session.groups, start=1):
            line = compact(i, g)
            if sum(len(s) + 1 for s in shown) + len(line) > room:
                shown.append(f"…and {len(session.groups) - i + 1} more groups (each room will list its members).")
                break
            shown.append(line)
        return f"{head}\n\n" + "\n".join(shown) + f"\n\n{session.summary}\n\n{foot}"

    async def reshuffle(self, interaction: discord.Interaction, session_id: int) -> None:
        """Plan the same people again: another plan of the same cost, or say that there is none."""
        guild = guild_of(interaction)
        session = await self._planned(guild, session_id)
        await interaction.response.defer()
        seed = session.seed + 1
        shown = [[m.user_id for m in group] for group in session.groups]
        plan = await self._run_planner(guild, participants_from_plan(session.groups), session.size, seed, avoid=[shown])
        summary_head, _, _ = session.summary.partition("\n")
        without = session.summary.splitlines()[-1] if "counted as Other" in session.summary else ""
        summary = "\n".join(
            [summary_head, *plan.report.lines(short_label)[len(plan.groups) :], *([without] if without else [])]
        )
        session = await self.repo.replan(session.id, seed=seed, groups=planned_groups(plan), summary=summary)
        await interaction.edit_original_response(
            content=self._render_plan(guild, session), view=plan_view(session.id), allowed_mentions=NO_PINGS
        )

    async def cancel(self, interaction: discord.Interaction, session_id: int) -> None:
        guild = guild_of(interaction)
        session = await self._planned(guild, session_id)
        await self.repo.cancel(session.id)
        await interaction.response.edit_message(content="Plan cancelled. No rooms were opened.", view=None)

    async def _planned(self, guild: discord.Guild, session_id: int) -> BreakoutSession:
        session = await self.repo.get(session_id)
        if session is None or session.guild_id != guild.id or session.status != "planned":
            raise UserError(NOT_PLANNED)
        return session

    # ------------------------------------------------------------------- opening

    @app_commands.command(name="open", description="Open the rooms of the latest breakout plan (facilitators)")
    @app_commands.describe(minutes="Close the rooms automatically after this many minutes (optional)")
    @facilitator_only()
    async def open(self, interaction: discord.Interaction, minutes: int | None = None) -> None:
        guild = guild_of(interaction)
        if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
            raise UserError(f"Please choose a time from 1 to {MAX_MINUTES} minutes, or leave it out.")
        session = await self.repo.latest_planned(guild.id)
        if session is None:
            raise UserError("There is no breakout plan to open. Use `/breakout plan` first.")
        await self._check_permissions(guild)
        if await self.repo.live(guild.id) is not None:
            raise UserError(ALREADY_OPEN)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await _members_ready(guild)
        await self._open(interaction, guild, session, minutes)

    async def open_from_button(self, interaction: discord.Interaction, session_id: int) -> None:
        guild = guild_of(interaction)
        session = await self._planned(guild, session_id)
        await self._check_permissions(guild)
        if await self.repo.live(guild.id) is not None:
            raise UserError(ALREADY_OPEN)
        await interaction.response.edit_message(content="Opening rooms…", view=None)
        await _members_ready(guild)
        await self._open(interaction, guild, session, None)

    async def _check_permissions(self, guild: discord.Guild) -> None:
        """Before anything is created: what :data:`bot.permissions.BREAKOUTS` lists, and Connect on the way back."""
        settings = await self.bot.settings.get(guild.id)
        voice = guild.get_channel(settings.main_voice_id) if settings.main_voice_id else None
        sentence = missing_permission(
            in_server(guild),
            main_voice=in_channel(guild, voice) if isinstance(voice, discord.VoiceChannel) else None,
        )
        if sentence:
            raise UserError(sentence)

    async def _open(
        self, interaction: discord.Interaction, guild: discord.Guild, session: BreakoutSession, minutes: int | None
    ) -> None:
        """Create the rooms and move people, in a pipeline that keeps Discord's buckets busy.

        Under Discord's rate limits the work is bounded by its busiest bucket (usually moves, about
        ten per ten seconds per server), so the steps overlap instead of queueing one after another:

        * rooms are created one by one and the mover starts on Group 1 as soon as it exists, so
          channel creations (their own bucket) run while people are moved;
        * people in voice are moved first; nothing else waits in front of a move. Direct messages to
          people who are not in voice go out once every room exists, alongside the moves (DMs use
          other buckets);
        * the facilitator's progress is edited at most once every 2 s, from a task of its own;
        * when the last person is moved the timer starts (so ``minutes:1`` really is one minute in
          the room), and each room's welcome note is posted with the end time as a relative timestamp.

        On a Discord error while creating rooms, anyone already moved is brought back and what was
        made is removed.
        """
        progress = _Progress(interaction, fallback=self._tell_facilitator(guild, interaction.user))
        async with self._lock(guild.id):
            session = await self.repo.start_opening(session.id, None)
            members = {p.user_id: guild.get_member(p.user_id) for g in session.groups for p in g}
            in_voice = {uid for uid, m in members.items() if m is not None and m.voice and m.voice.channel}
            work = _OpenWork(rooms_total=len(session.groups), to_move=len(in_voice))
            progress.show(work.text())
            creator = asyncio.create_task(self._create_rooms(guild, session, work, progress))
            mover = asyncio.create_task(self._move_in_voice(session, members, in_voice, creator, work, progress))
            try:
                (rooms,) = await _join([creator])
            except discord.HTTPException:
                log.warning("Creating breakout rooms failed", exc_info=True)
                work.aborted = True  # the mover stops before its next move (no cancel: see _join)
                await _join([mover])
                await progress.finish(await self._undo_open(guild, session, work))
                return
            session = await self.repo.get(session.id)  # type: ignore[assignment]
            assert session is not None
            await self.repo.set_status(session.id, "open")
            not_in_voice = [
                (m, rooms[i])
                for i, g in enumerate(session.groups)
                for p in g
                if (m := members[p.user_id]) is not None and p.user_id not in in_voice
            ]
            told = asyncio.create_task(self._tell_rooms(guild, not_in_voice))
            await _join([mover])
            # The clock starts now that everyone who could be moved is in their room.
            ends_at = utcnow() + timedelta(minutes=minutes) if minutes else None
            if ends_at is not None:
                await self.repo.set_ends_at(session.id, ends_at)
                session = await self.repo.get(session.id)  # type: ignore[assignment]
                assert session is not None
                self._schedule(session)
            welcomes = asyncio.create_task(self._post_room_notes(guild, session, rooms, ends_at))
            result = work.result
            ((result.told, unreachable),) = await _join([told])
            _, unreachable_stuck = await self._tell_rooms(guild, work.stuck)
            unreachable += unreachable_stuck
            if unreachable:
                await self._mention_in_meeting_channel(guild, unreachable)
            result.mentioned = len(unreachable)
            (unposted,) = await _join([welcomes])

        lines = open_report(len(rooms), result, unposted)
        if ends_at:
            lines.append(f"The rooms close {discord.utils.format_dt(ends_at, 'R')}, with a one-minute warning first.")
        lines.append("Use `/breakout broadcast` to message every room and `/breakout close` to bring everyone back.")
        await progress.finish("\n".join(lines))

    async def _create_rooms(
        self, guild: discord.Guild, session: BreakoutSession, work: _OpenWork, progress: _Progress
    ) -> list[discord.VoiceChannel]:
        """The category and one voice room per group. Each id is stored as soon as Discord has made the
        channel, and each room is added to ``work.rooms`` at once, for the mover."""
        category = await guild.create_category(CATEGORY_NAME, reason="copbot breakout rooms")
        await self.repo.set_rooms(session.id, category.id, [])
        for number in range(1, len(session.groups) + 1):
            room = await category.create_voice_channel(room_name(number), reason="copbot breakout rooms")
            work.rooms.append(room)
            await self.repo.set_rooms(session.id, category.id, [r.id for r in work.rooms])
            work.rooms_done = number
            progress.show(work.text())
        return list(work.rooms)

    async def _move_in_voice(
        self,
        session: BreakoutSession,
        members: dict[int, discord.Member | None],
        in_voice: set[int],
        creator: asyncio.Task[list[discord.VoiceChannel]],
        work: _OpenWork,
        progress: _Progress,
    ) -> None:
        """Move the people in voice, group by group, each group as soon as its room exists."""
        for index, group in enumerate(session.groups):
            while len(work.rooms) <= index:
                if creator.done() or work.aborted:
                    return  # creating the rooms failed; the caller undoes what was made
                await asyncio.sleep(_POLL_SECONDS)
            room = work.rooms[index]
            for planned in group:
                if work.aborted:
                    return
                member = members[planned.user_id]
                if member is None or planned.user_id not in in_voice:
                    continue
                try:
                    await member.move_to(room, reason="copbot breakout rooms")
                    work.result.moved += 1
                    work.moved.append(member)
                except discord.HTTPException:
                    log.warning("Could not move %s to %s", member.id, room.id, exc_info=True)
                    work.result.not_moved.append(_name(member, member.id))
                    work.stuck.append((member, room))
                progress.show(work.text())

    async def _undo_open(self, guild: discord.Guild, session: BreakoutSession, work: _OpenWork) -> str:
        """Bring back anyone already moved and remove every room made so far; one sentence says what
        happened and what next."""
        stored = await self.repo.get(session.id)
        assert stored is not None
        settings = await self.bot.settings.get(guild.id)
        back_id = stored.source_channel_id or settings.main_voice_id
        back = guild.get_channel(back_id) if back_id else None
        if isinstance(back, discord.VoiceChannel | discord.StageChannel):
            for member in work.moved:
                try:
                    await member.move_to(back, reason="copbot breakout rooms could not be opened")
                except discord.HTTPException:
                    log.warning("Could not move %s back", member.id, exc_info=True)
        left = await self._delete_rooms(guild, stored)
        what = "Discord had a problem while I was making the breakout rooms"
        if not left:
            await self.repo.back_to_planned(session.id)
            moved = (
                f"brought back the {people(len(work.moved))} I had already moved" if work.moved else "nobody was moved"
            )
            return (
                f"{what}, so I removed the ones I had made and {moved}; please try `/breakout open` again in a moment."
            )
        category_id = stored.category_id if stored.category_id in left else None
        await self.repo.set_rooms(session.id, category_id, [c for c in left if c != category_id])
        await self.repo.set_status(session.id, "closing")
        return f"{what} and I could not remove all the ones I had made, so please use `/breakout close` to tidy up."

    async def _post_room_notes(
        self,
        guild: discord.Guild,
        session: BreakoutSession,
        rooms: list[discord.VoiceChannel],
        ends_at: datetime | None,
    ) -> int:
        """Each room's chat gets its members, the discussion prompt and, with a timer, when it closes
        (a relative timestamp). The rooms are different channels with buckets of their own, so the
        notes go out together. Returns how many posts failed."""

        async def post(room: discord.VoiceChannel, group: tuple[PlannedMember, ...]) -> bool:
            names = [
                ("★ " if m.is_facilitator else "• ")
                + _name(guild.get_member(m.user_id), m.user_id)
                + f" ({short_label(m.role)})"
                for m in group
            ]
            timer = f"This room closes {discord.utils.format_dt(ends_at, 'R')}." if ends_at else ""
            foot = f"★ facilitator\n\n**To talk about:** {DISCUSSION_PROMPT}" + (f"\n\n{timer}" if timer else "")
            text = fit_lines(names, MESSAGE, head=f"**Welcome to {room.name}!**", foot=foot)
            try:
                await room.send(text, allowed_mentions=NO_PINGS)
                return True
            except discord.HTTPException:
                log.warning("Could not post the welcome note in %s", room.id, exc_info=True)
                return False

        posted = await _join([asyncio.create_task(post(r, g)) for r, g in zip(rooms, session.groups, strict=False)])
        return sum(1 for ok in posted if not ok)

    async def _tell_rooms(
        self, guild: discord.Guild, people: list[tuple[discord.Member, discord.VoiceChannel]]
    ) -> tuple[int, list[tuple[discord.Member, discord.VoiceChannel]]]:
        """DM each person their room. Returns how many were told and who could not get a DM."""
        told = 0
        unreachable: list[tuple[discord.Member, discord.VoiceChannel]] = []
        for member, room in people:
            try:
                await member.send(
                    f"Breakout groups have started in **{discord.utils.escape_markdown(guild.name)}**. "
                    f"Your group is **{room.name}**: join it here: {room.jump_url}",
                    allowed_mentions=NO_PINGS,
                )
                told += 1
            except discord.HTTPException:
                unreachable.append((member, room))
        return told, unreachable

    async def _mention_in_meeting_channel(
        self, guild: discord.Guild, people: list[tuple[discord.Member, discord.VoiceChannel]]
    ) -> None:
        """The fallback when a DM is refused: name each person with their room in the meeting channel,
        in posts of at most 2,000 characters that each ping at most 100 people (Discord's limit), only
        those they name."""
        settings = await self.bot.settings.get(guild.id)
        channel = guild.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
        if not isinstance(channel, discord.TextChannel):
            return
        head = "Breakout groups have started. Please join your room:"
        entries = [(f"{member.mention}: {room.mention}", [member.id]) for member, room in people]
        for text, ids in chunk_mentions(entries, MESSAGE - len(head) - 1):
            try:
                await channel.send(
                    f"{head}\n{text}",
                    allowed_mentions=discord.AllowedMentions(
                        users=[discord.Object(i) for i in ids], roles=False, everyone=False
                    ),
                )
            except discord.HTTPException:
                log.warning("Could not post breakout room reminders in %s", channel.id, exc_info=True)

    def _tell_facilitator(self, guild: discord.Guild, user: discord.abc.User) -> Callable[[str], Awaitable[None]]:
        """A fresh message for the facilitator when their reply can no longer be edited (an interaction
        token lives 15 minutes): in the facilitators' channel, else the meeting channel."""

        async def tell(text: str) -> None:
            settings = await self.bot.settings.get(guild.id)
            for channel_id in (settings.facilitator_channel_id, settings.meeting_channel_id):
                channel = guild.get_channel(channel_id) if channel_id else None
                if isinstance(channel, discord.TextChannel) and channel.permissions_for(guild.me).send_messages:
                    try:
                        await channel.send(
                            fit(f"{user.mention} {text}", MESSAGE),
                            allowed_mentions=discord.AllowedMentions(users=[user], roles=False, everyone=False),
                        )
                        return
                    except discord.HTTPException:
                        log.warning("Could not tell the facilitator in %s", channel.id, exc_info=True)
            log.warning("Could not tell the facilitator the breakout result in server %s", guild.id)

        return tell

    # ---------------------------------------------------------------- while open

    @app_commands.command(name="broadcast", description="Post a message in every breakout room (facilitators)")
    @app_commands.describe(message="What to tell every group")
    @facilitator_only()
    async def broadcast(self, interaction: discord.Interaction, message: str) -> None:
        guild = guild_of(interaction)
        session = await self.repo.live(guild.id)
        if session is None or session.status != "open":
            raise UserError(NO_ROOMS_OPEN)
        # One post per room: acknowledge first, or 10 rooms at 300 ms miss Discord's 3 seconds.
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = fit(f"**Message from {_name(interaction.user, interaction.user.id)}:** {message}", MESSAGE)
        sent = await self._post_in_rooms(guild, session, text)
        await interaction.edit_original_response(
            content=f"Sent to {sent} of {len(session.channel_ids)} rooms.", allowed_mentions=NO_PINGS
        )

    async def _post_in_rooms(self, guild: discord.Guild, session: BreakoutSession, text: str) -> int:
        """Post ``text`` in every room at once (each room is its own channel, with its own bucket)."""

        async def post(channel_id: int) -> bool:
            room = guild.get_channel(channel_id)
            if not isinstance(room, discord.VoiceChannel):
                return False
            try:
                await room.send(text, allowed_mentions=NO_PINGS)
                return True
            except discord.HTTPException:
                log.warning("Could not post in breakout room %s", channel_id, exc_info=True)
                return False

        return sum(await _join([asyncio.create_task(post(c)) for c in session.channel_ids]))

    # ------------------------------------------------------------------- closing

    @app_commands.command(name="close", description="Bring everyone back and remove the breakout rooms (facilitators)")
    @facilitator_only()
    async def close(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        if await self.repo.live(guild.id) is None:
            raise UserError(NO_ROOMS_OPEN)
        await interaction.response.defer(ephemeral=True, thinking=True)
        progress = _Progress(interaction, fallback=self._tell_facilitator(guild, interaction.user))
        text = await self._close(guild, progress)
        await progress.finish(text)

    async def _close(self, guild: discord.Guild, progress: _Progress | None = None) -> str:
        """Move everyone back, delete the rooms and category, record the meeting. Safe to repeat.

        Moves (one bucket) and deletions (another) overlap: each room is deleted as soon as everyone
        in it has been moved out, while the next room is being emptied.
        """
        async with self._lock(guild.id):
            session = await self.repo.live(guild.id)
            if session is None:
                return NO_ROOMS_OPEN
            self._unschedule(session.id)
            await self.repo.set_status(session.id, "closing")
            await _members_ready(guild)
            settings = await self.bot.settings.get(guild.id)
            back_id = settings.main_voice_id or session.source_channel_id
            back = guild.get_channel(back_id) if back_id else None
            target = back if isinstance(back, discord.VoiceChannel | discord.StageChannel) else None
            rooms = [r for c in session.channel_ids if isinstance(r := guild.get_channel(c), discord.VoiceChannel)]
            total = sum(len(r.members) for r in rooms)
            moved = failed = 0
            if progress is not None:
                progress.show(f"Bringing everyone back … 0/{total}")
            left: list[int] = []
            deletions: list[asyncio.Task[bool]] = []
            for room in rooms:
                for member in list(room.members):
                    try:
                        await member.move_to(target)
                        moved += 1
                    except discord.HTTPException:
                        log.warning("Could not move %s back", member.id, exc_info=True)
                        failed += 1
                    if progress is not None:
                        progress.show(f"Bringing everyone back … {moved + failed}/{total}")
                deletions.append(asyncio.create_task(self._delete_channel(room)))
            # A room Discord will not delete must not keep the breakout open: everyone is back, so the
            # meeting is recorded and the facilitator is told which room to delete by hand.
            for room, deleted in zip(rooms, await _join(deletions), strict=True):
                if not deleted:
                    left.append(room.id)
            category = guild.get_channel(session.category_id) if session.category_id else None
            if category is not None and not await self._delete_channel(category):
                left.append(category.id)
            await self.repo.finish(session)
        where = f"to {back.mention}" if back is not None else "out of the breakout rooms"
        if left:
            return (
                f"Breakout rooms closed: {people(moved)} brought back {where}. Discord would not let me remove "
                f"{', '.join(f'<#{c}>' for c in left)}, so please delete {'it' if len(left) == 1 else 'them'} by hand."
            )
        text = f"Breakout rooms closed: {people(moved)} brought back {where}, and the rooms were removed."
        if failed:
            text += f" I could not move {people(failed)}; the room removal disconnected them."
        return text

    async def _delete_channel(self, channel: discord.abc.GuildChannel) -> bool:
        """Delete one breakout channel; True when it is gone (or was already)."""
        try:
            await channel.delete(reason="copbot breakout rooms closed")
        except discord.NotFound:
            return True
        except discord.HTTPException:
            log.warning("Could not delete breakout channel %s", channel.id, exc_info=True)
            return False
        return True

    async def _delete_rooms(self, guild: discord.Guild, session: BreakoutSession) -> list[int]:
        """Delete the session's rooms, then its category. Returns the ids that could not be deleted."""
        left: list[int] = []
        ids = [*session.channel_ids, *([session.category_id] if session.category_id else [])]
        for channel_id in ids:
            channel = guild.get_channel(channel_id)
            if channel is None:
                continue
            try:
                await channel.delete(reason="copbot breakout rooms closed")
            except discord.NotFound:
                continue
            except discord.HTTPException:
                log.warning("Could not delete breakout channel %s", channel_id, exc_info=True)
                left.append(channel_id)
        return left

    # --------------------------------------------------------------------- timer

    def _schedule(self, session: BreakoutSession) -> None:
        """Warning and close jobs from the stored end time; jobs in the past run at once (catch-up)."""
        if session.ends_at is None:
            return
        warning = self.bot.config.breakouts.warning_seconds
        warn_at = session.ends_at - timedelta(seconds=warning)
        common = {"misfire_grace_time": None, "coalesce": True, "replace_existing": True}
        if not session.warned:
            self.bot.scheduler.add_job(
                self._warn,
                DateTrigger(run_date=warn_at),
                args=[session.id],
                id=f"breakouts:warn:{session.id}",
                **common,
            )
        self.bot.scheduler.add_job(
            self._auto_close,
            DateTrigger(run_date=session.ends_at),
            args=[session.guild_id, session.id],
            id=f"breakouts:close:{session.id}",
            **common,
        )

    def _unschedule(self, session_id: int) -> None:
        for kind in ("warn", "close"):
            with contextlib.suppress(JobLookupError):
                self.bot.scheduler.remove_job(f"breakouts:{kind}:{session_id}")

    async def _warn(self, session_id: int) -> None:
        session = await self.repo.get(session_id)
        if session is None or session.status != "open" or session.warned:
            return
        guild = self.bot.get_guild(session.guild_id)
        if guild is None:
            return
        await self.repo.mark_warned(session_id)
        seconds = self.bot.config.breakouts.warning_seconds
        when = "one minute" if seconds == 60 else f"{seconds} seconds"
        await self._post_in_rooms(
            guild, session, f"⏰ **{when.capitalize()} left.** Please start wrapping up: everyone comes back soon."
        )

    async def _auto_close(self, guild_id: int, session_id: int) -> None:
        session = await self.repo.live(guild_id)
        guild = self.bot.get_guild(guild_id)
        if session is None or session.id != session_id or guild is None:
            return
        text = await self._close(guild)
        # Tell the facilitators where they talk; if copbot cannot post there, the meeting channel hears it.
        settings = await self.bot.settings.get(guild_id)
        channel = None
        for channel_id in (settings.facilitator_channel_id, settings.meeting_channel_id):
            found = guild.get_channel(channel_id) if channel_id else None
            if isinstance(found, discord.TextChannel) and found.permissions_for(guild.me).send_messages:
                channel = found
                break
        if channel is not None:
            try:
                await channel.send(f"Time is up. {text}", allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.warning("Could not tell facilitators the breakouts closed", exc_info=True)

    # ---------------------------------------------------------------- keep apart

    @app_commands.command(name="keep-apart", description="Never put these two people in the same group (facilitators)")
    @app_commands.describe(member_a="One person", member_b="The person to keep them apart from")
    @facilitator_only()
    async def keep_apart(
        self, interaction: discord.Interaction, member_a: discord.Member, member_b: discord.Member
    ) -> None:
        guild = guild_of(interaction)
        if member_a.bot or member_b.bot:
            raise UserError("Bots don't take part in groups, so there is nothing to keep apart.")
        added = await self.repo.add_keep_apart(guild.id, member_a.id, member_b.id, interaction.user.id)
        verb = "will never be" if added else "were already set never to be"
        await interaction.response.send_message(
            f"{member_a.mention} and {member_b.mention} {verb} put in the same breakout group.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(
        name="keep-apart-list", description="Show who is kept apart in breakout groups (facilitators)"
    )
    @facilitator_only()
    async def keep_apart_list(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        rules = await self.repo.keep_apart_rules(guild.id)
        if not rules:
            text = "Nobody is kept apart. Use `/breakout keep-apart` to add a pair."
        else:
            lines = [f"**Kept apart in breakout groups** ({len(rules)})"]
            lines += [f"{i}. <@{r.user_a}> and <@{r.user_b}>" for i, r in enumerate(rules, start=1)]
            lines.append("Use `/breakout keep-apart-remove` to undo one.")
            text = fit_lines(lines[1:-1], MESSAGE, head=lines[0], foot=lines[-1])
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="keep-apart-remove", description="Let two people share a group again (facilitators)")
    @app_commands.describe(member_a="One person", member_b="The other person")
    @facilitator_only()
    async def keep_apart_remove(
        self, interaction: discord.Interaction, member_a: discord.Member, member_b: discord.Member
    ) -> None:
        guild = guild_of(interaction)
        if member_a.id == member_b.id:
            raise UserError("Please choose two different members.")
        if not await self.repo.remove_keep_apart(guild.id, member_a.id, member_b.id):
            raise UserError(
                f"{_name(member_a, member_a.id)} and {_name(member_b, member_b.id)} are not kept apart, "
                "so nothing was changed."
            )
        await interaction.response.send_message(
            f"{member_a.mention} and {member_b.mention} may be put in the same group again.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


@dataclass(slots=True)
class _OpenWork:
    """How far opening has got, shared by the room maker, the mover and the progress line."""

    rooms_total: int
    to_move: int
    rooms_done: int = 0
    #: Set when creating the rooms failed: the mover stops.
    aborted: bool = False
    #: Rooms made so far, in group order (the mover takes each as soon as it is here).
    rooms: list[discord.VoiceChannel] = field(default_factory=list)
    result: MoveResult = field(default_factory=MoveResult)
    #: Members moved so far (brought back if opening fails part-way).
    moved: list[discord.Member] = field(default_factory=list)
    #: People in voice whom Discord would not move, with their room (they are told by DM).
    stuck: list[tuple[discord.Member, discord.VoiceChannel]] = field(default_factory=list)

    def text(self) -> str:
        return progress_text(self.rooms_done, self.rooms_total, self.result.moved, self.to_move)


#: An interaction token lives 15 minutes; past this, the reply is sent as a fresh message instead.
TOKEN_LIFE_SECONDS = 15 * 60
_TOKEN_MARGIN_SECONDS = 30


class _Progress:
    """The facilitator's reply while work goes on.

    :meth:`show` never waits: it notes the latest text, and a task of its own edits the reply at once
    and then at most once every ``every`` seconds, so the work never queues behind an edit and a long
    job costs one edit per 2 s, not one per person. :meth:`finish` shows the result: by editing the
    reply while the interaction's token is alive, else (or if the edit fails) as a fresh message
    through ``fallback``. (The task sleeps rather than waiting on an event: under SimCord a task
    waiting on an event set by a sleeping task never counts as settled.)
    """

    def __init__(
        self,
        interaction: discord.Interaction,
        *,
        every: float = 2.0,
        fallback: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._interaction = interaction
        self._every = every
        self._fallback = fallback
        self._wanted = ""
        self._shown = ""
        self._task: asyncio.Task[None] | None = None
        self._editing = False
        self._done = False
        self._started = asyncio.get_running_loop().time()

    def show(self, text: str) -> None:
        if self._done:
            return
        self._wanted = text
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while not self._done and not self._expired():
            if self._wanted != self._shown:
                text = self._wanted
                self._editing = True
                try:
                    await self._interaction.edit_original_response(content=text, view=None, allowed_mentions=NO_PINGS)
                    self._shown = text
                except discord.HTTPException:
                    log.info("Could not show breakout progress", exc_info=True)
                finally:
                    self._editing = False
            # Sleep in short steps so finish() never waits long (no cancel: see _join).
            until = asyncio.get_running_loop().time() + self._every
            while not self._done and asyncio.get_running_loop().time() < until:
                await asyncio.sleep(_POLL_SECONDS)

    def _expired(self) -> bool:
        elapsed = asyncio.get_running_loop().time() - self._started
        return elapsed > TOKEN_LIFE_SECONDS - _TOKEN_MARGIN_SECONDS

    async def finish(self, text: str) -> None:
        self._done = True
        if self._task is not None:
            while not self._task.done():
                await asyncio.sleep(_POLL_SECONDS)
        text = fit(text, MESSAGE)
        if not self._expired():
            try:
                await self._interaction.edit_original_response(content=text, view=None, allowed_mentions=NO_PINGS)
                return
            except discord.HTTPException:
                log.warning("Could not show the breakout result to the facilitator", exc_info=True)
        if self._fallback is not None:
            await self._fallback(text)
