"""``/breakout``: plan mixed groups, open voice rooms, move people, time, broadcast, bring everyone back.

The cog is the Discord side only. Who takes part and how groups are planned live in
:mod:`bot.breakouts`; what happens to open rooms (help requests, more time, moves, late joiners, the
last groups again) in :mod:`bot.breakout_rooms`; what exists is recorded in :mod:`bot.storage.breakouts`
after every Discord step, so a session can always be closed, even after a crash or restart part-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import ClassVar, Literal, TypeVar

import discord
from apscheduler.jobstores.base import JobLookupError
from apscheduler.triggers.date import DateTrigger
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot, send_ephemeral
from bot.breakout_rooms import EXTRA_MINUTES, NO_ROOMS_OPEN, BreakoutRoomService, Placement
from bot.breakouts import (
    CATEGORY_NAME,
    Candidate,
    attendance_for_planning,
    build_roster,
    check_plan_options,
    make_plan,
    missing_permission,
    open_report,
    participants_from_plan,
    people,
    planned_groups,
    room_name,
)
from bot.clock import utcnow
from bot.errors import UserError
from bot.grouping import Participant, Plan
from bot.grouping.meeting import ATTENDANCE_WINDOW
from bot.roles import short_label
from bot.storage.breakouts import ALREADY_OPEN, NOT_PLANNED, BreakoutRepository, BreakoutSession, PlannedMember
from bot.text_limits import MESSAGE, fit, fit_lines
from cogs._permissions import in_channel, in_server
from cogs._shared import FACILITATOR_COMMANDS, NO_PINGS, HelpSection, facilitator_only, guild_of
from cogs.breakouts._messages import (
    mention_in_meeting_channel,
    post_in_rooms,
    tell_facilitator,
    tell_rooms,
    to_facilitators,
)
from cogs.breakouts._progress import POLL_SECONDS, OpenWork, Progress, join, members_ready
from cogs.breakouts._render import (
    TIMER_NOTE_CLOSED,
    name_of,
    plan_summary,
    render_plan,
    room_note,
    timer_note,
    without_role_line,
)
from cogs.breakouts._views import DYNAMIC_ITEMS, plan_view, room_view, timer_view

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_MINUTES = 240


@app_commands.default_permissions(FACILITATOR_COMMANDS)
class BreakoutsCog(
    commands.GroupCog, group_name="breakout", group_description="Breakout rooms for small-group discussion"
):
    """Thin adapter over :mod:`bot.breakouts` and :class:`BreakoutRepository`."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=40,
        title="Breakout rooms",
        lines=(
            "Sometimes we split into small groups in voice rooms. copbot moves you there and back.",
            "In your room's chat, **Ask for help** calls a facilitator.",
        ),
        facilitator_lines=(
            "`/breakout plan size:` proposes groups from the main voice channel (or `voice:`), to open, "
            "reshuffle or cancel; `reuse: last` brings back the last groups with today's people.",
            "`/breakout open minutes:` opens the rooms, with an optional timer; **Add 5 minutes** under the "
            "reply gives every room more time. `/breakout move member: group:` moves one person.",
            "`/breakout broadcast message:` posts in every room; `/breakout close` brings everyone back.",
            "`/breakout keep-apart` keeps two people apart; `-list` and `-remove` show and undo these.",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.repo = BreakoutRepository(bot.db)
        self.rooms = BreakoutRoomService(
            self.repo, help_cooldown=timedelta(seconds=bot.config.breakouts.help_cooldown_seconds)
        )
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
        size="How many people in each group (2 to 25; not needed with reuse)",
        voice="The voice channel to take people from (default: the main voice channel)",
        reuse="last: the groups of the last breakout again, with the people here today",
    )
    @facilitator_only()
    async def plan(
        self,
        interaction: discord.Interaction,
        size: int | None = None,
        voice: discord.VoiceChannel | None = None,
        reuse: Literal["last"] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        check_plan_options(size, reuse)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await members_ready(guild)
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
        if reuse == "last":
            again = await self.rooms.reuse_last(guild.id, roster.participants)
            groups = [[PlannedMember(int(p.id), p.role, p.is_facilitator) for p in g] for g in again.groups]  # type: ignore[call-overload]
            summary = again.summary(lambda uid: name_of(guild.get_member(int(uid)), int(uid)), source)  # type: ignore[call-overload]
            summary += without_role_line(roster.without_role)
            size = max(len(g) for g in groups)
        else:
            assert size is not None  # check_plan_options: a size is given when it is used
            plan = await self._run_planner(guild, roster.participants, size, seed)
            groups, summary = planned_groups(plan), plan_summary(plan, roster.without_role, source)
        session = await self.repo.create_plan(
            guild.id,
            size=size,
            seed=seed,
            groups=groups,
            summary=summary,
            source_channel_id=source_channel.id if source_channel else None,
            created_by=interaction.user.id,
        )
        await interaction.edit_original_response(
            content=render_plan(guild, session), view=plan_view(session), allowed_mentions=NO_PINGS
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
        recorded = await self.bot.meeting_sessions.recent_attendance(guild.id, ATTENDANCE_WINDOW)

        def name(user_id: Hashable) -> str:
            return name_of(guild.get_member(int(user_id)), int(user_id))  # type: ignore[call-overload]

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
            attended=attendance_for_planning(recorded, history),
            season_meetings=self.bot.config.breakouts.season_meetings,
        )

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
            content=render_plan(guild, session), view=plan_view(session), allowed_mentions=NO_PINGS
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
        await members_ready(guild)
        await self._open(interaction, guild, session, minutes)

    async def open_from_button(self, interaction: discord.Interaction, session_id: int) -> None:
        guild = guild_of(interaction)
        session = await self._planned(guild, session_id)
        await self._check_permissions(guild)
        if await self.repo.live(guild.id) is not None:
            raise UserError(ALREADY_OPEN)
        await interaction.response.edit_message(content="Opening rooms…", view=None)
        await members_ready(guild)
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
        progress = Progress(interaction, fallback=tell_facilitator(self.bot, guild, interaction.user))
        async with self._lock(guild.id):
            session = await self.repo.start_opening(session.id, None)
            members = {p.user_id: guild.get_member(p.user_id) for g in session.groups for p in g}
            in_voice = {uid for uid, m in members.items() if m is not None and m.voice and m.voice.channel}
            work = OpenWork(rooms_total=len(session.groups), to_move=len(in_voice))
            progress.show(work.text())
            creator = asyncio.create_task(self._create_rooms(guild, session, work, progress))
            mover = asyncio.create_task(self._move_in_voice(session, members, in_voice, creator, work, progress))
            try:
                (rooms,) = await join([creator])
            except discord.HTTPException:
                log.warning("Creating breakout rooms failed", exc_info=True)
                work.aborted = True  # the mover stops before its next move (no cancel: see join)
                await join([mover])
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
            told = asyncio.create_task(tell_rooms(guild, not_in_voice))
            await join([mover])
            # The clock starts now that everyone who could be moved is in their room.
            ends_at = utcnow() + timedelta(minutes=minutes) if minutes else None
            if ends_at is not None:
                await self.repo.set_ends_at(session.id, ends_at)
                session = await self.repo.get(session.id)  # type: ignore[assignment]
                assert session is not None
                self._schedule(session)
            welcomes = asyncio.create_task(self._post_room_notes(guild, session, rooms, ends_at))
            result = work.result
            ((result.told, unreachable),) = await join([told])
            _, unreachable_stuck = await tell_rooms(guild, work.stuck)
            unreachable += unreachable_stuck
            if unreachable:
                await mention_in_meeting_channel(self.bot, guild, unreachable)
            result.mentioned = len(unreachable)
            (unposted,) = await join([welcomes])

        if ends_at:
            await self._post_timer_note(guild, session, len(rooms), ends_at)
        lines = open_report(len(rooms), result, unposted)
        if ends_at:
            lines.append(f"The rooms close {discord.utils.format_dt(ends_at, 'R')}, with a one-minute warning first.")
        lines.append("Use `/breakout broadcast` to message every room and `/breakout close` to bring everyone back.")
        await progress.finish("\n".join(lines), view=timer_view(session) if ends_at else None)

    async def _create_rooms(
        self, guild: discord.Guild, session: BreakoutSession, work: OpenWork, progress: Progress
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
        work: OpenWork,
        progress: Progress,
    ) -> None:
        """Move the people in voice, group by group, each group as soon as its room exists."""
        for index, group in enumerate(session.groups):
            while len(work.rooms) <= index:
                if creator.done() or work.aborted:
                    return  # creating the rooms failed; the caller undoes what was made
                await asyncio.sleep(POLL_SECONDS)
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
                    work.result.not_moved.append(name_of(member, member.id))
                    work.stuck.append((member, room))
                progress.show(work.text())

    async def _undo_open(self, guild: discord.Guild, session: BreakoutSession, work: OpenWork) -> str:
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
        """Each room's chat gets its welcome note with the "Ask for help" button. The rooms are
        different channels with buckets of their own, so the notes go out together. The notes' ids are
        stored (to show a new end time there later). Returns how many posts failed."""

        async def post(room: discord.VoiceChannel, group: tuple[PlannedMember, ...]) -> int:
            try:
                note = await room.send(
                    room_note(guild, room.name, group, ends_at),
                    view=room_view(session),
                    allowed_mentions=NO_PINGS,
                )
                return note.id
            except discord.HTTPException:
                log.warning("Could not post the welcome note in %s", room.id, exc_info=True)
                return 0

        ids = await join([asyncio.create_task(post(r, g)) for r, g in zip(rooms, session.groups, strict=False)])
        await self.repo.set_notes(session.id, ids)
        return sum(1 for note_id in ids if not note_id)

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
        text = fit(f"**Message from {name_of(interaction.user, interaction.user.id)}:** {message}", MESSAGE)
        sent = await post_in_rooms(guild, session, text)
        await interaction.edit_original_response(
            content=f"Sent to {sent} of {len(session.channel_ids)} rooms.", allowed_mentions=NO_PINGS
        )

    # ------------------------------------------------------- the rooms' own buttons

    async def ask_for_help(self, interaction: discord.Interaction, session_id: int) -> None:
        """The room's **Ask for help**: the facilitators get a link to the room, once per room per cool-down."""
        guild = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        request = await self.rooms.ask_for_help(session_id, interaction.channel_id or 0)
        channel_id = request.session.channel_ids[request.room - 1]
        room = guild.get_channel(channel_id)
        label = room.name if room is not None else room_name(request.room)
        if not request.new:
            when = f" {discord.utils.format_dt(request.last_asked, 'R')}" if request.last_asked else ""
            await send_ephemeral(
                interaction,
                f"A facilitator has already been asked to come to {label}{when}. They will join you as soon as "
                "they can. Thank you for waiting.",
            )
            return
        link = room.jump_url if room is not None else f"https://discord.com/channels/{guild.id}/{channel_id}"
        who = name_of(interaction.user, interaction.user.id)
        text = f"🙋 **{label}** would like a facilitator to join them (asked by {who}). Join the room: {link}"
        if await to_facilitators(self.bot, guild, text) is None:
            await self.rooms.help_not_delivered(request)
            raise UserError("I could not reach the facilitators just now. Please try again in a moment.")
        await send_ephemeral(
            interaction, f"Thank you. I have asked a facilitator to come to {label}. They will join you soon."
        )

    async def add_time(self, interaction: discord.Interaction, session_id: int) -> None:
        """**Add 5 minutes**: a later end and warning (stored, then rescheduled), shown everywhere it is."""
        guild = guild_of(interaction)
        await interaction.response.defer()
        session = await self.rooms.add_time(session_id, guild.id)
        assert session.ends_at is not None
        self._schedule(session)
        stamp = discord.utils.format_dt(session.ends_at, "R")
        if interaction.message is not None:
            shown = re.sub(r"<t:\d+:R>", stamp, interaction.message.content)
            await interaction.edit_original_response(content=shown, view=timer_view(session))
        if interaction.message is None or interaction.message.id != session.timer_message_id:
            note = timer_note(len(session.channel_ids), session.ends_at)
            await self._edit_timer_note(guild, session, content=note, view=timer_view(session))
        await self._show_end(guild, session)
        await post_in_rooms(guild, session, f"⏰ **{EXTRA_MINUTES} more minutes.** This room now closes {stamp}.")
        await send_ephemeral(interaction, f"Done: {EXTRA_MINUTES} more minutes. The rooms now close {stamp}.")

    async def _post_timer_note(
        self, guild: discord.Guild, session: BreakoutSession, rooms: int, ends_at: datetime
    ) -> None:
        """The end time with "Add 5 minutes" in the facilitators' channel, for every facilitator (the
        opener's reply is private, and Discord drops private replies when the app reloads)."""
        settings = await self.bot.settings.get(guild.id)
        channel = guild.get_channel(settings.facilitator_channel_id) if settings.facilitator_channel_id else None
        if not isinstance(channel, discord.TextChannel) or not channel.permissions_for(guild.me).send_messages:
            return
        try:
            note = await channel.send(timer_note(rooms, ends_at), view=timer_view(session), allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.warning("Could not post the breakout timer in %s", channel.id, exc_info=True)
            return
        await self.repo.set_timer_note(session.id, channel.id, note.id)

    async def _edit_timer_note(self, guild: discord.Guild, session: BreakoutSession, **changes: object) -> None:
        """Edit the facilitators' timer note, if there is one; a refusal only costs a stale note."""
        channel = guild.get_channel(session.timer_channel_id) if session.timer_channel_id else None
        if not isinstance(channel, discord.TextChannel) or session.timer_message_id is None:
            return
        try:
            await channel.get_partial_message(session.timer_message_id).edit(**changes)  # type: ignore[arg-type]
        except discord.HTTPException:
            log.warning("Could not update the breakout timer in %s", channel.id, exc_info=True)

    async def _show_end(self, guild: discord.Guild, session: BreakoutSession) -> None:
        """Edit each room's welcome note to show the new end time (all rooms at once)."""

        async def edit(channel_id: int, note_id: int, group: tuple[PlannedMember, ...]) -> None:
            room = guild.get_channel(channel_id)
            if not isinstance(room, discord.VoiceChannel) or not note_id:
                return
            try:
                await room.get_partial_message(note_id).edit(
                    content=room_note(guild, room.name, group, session.ends_at), view=room_view(session)
                )
            except discord.HTTPException:
                log.warning("Could not show the new end time in %s", channel_id, exc_info=True)

        rooms = zip(session.channel_ids, session.note_ids, session.groups, strict=False)
        await join([asyncio.create_task(edit(c, n, g)) for c, n, g in rooms])

    # -------------------------------------------------------- moves and late joiners

    @app_commands.command(
        name="move", description="Move someone to another breakout group while rooms are open (facilitators)"
    )
    @app_commands.describe(member="The person to move", group="The number of the group to move them to (Group 1 is 1)")
    @facilitator_only()
    async def move(self, interaction: discord.Interaction, member: discord.Member, group: int) -> None:
        guild = guild_of(interaction)
        if member.bot:
            raise UserError("Bots don't take part in groups, so there is nobody to move.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        placement = await self.rooms.move(guild.id, await self._participant(guild, member), group)
        how = await self._send_to_room(guild, placement, member)
        who, room = name_of(member, member.id), room_name(placement.group + 1)
        if placement.was_in is not None:
            text = f"Moved {who} from {room_name(placement.was_in + 1)} to {room}."
        else:
            text = f"Added {who} to {room}."
        text += {
            "moved": "",
            "told": " They are not in voice, so I sent them a message with a link to the room.",
            "stuck": " Discord would not move them, so I sent them a message with a link to the room.",
            "unreachable": " They are not in voice and I could not message them, so please tell them where to go.",
        }[how]
        await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Someone joins the main voice channel while rooms are open: :meth:`BreakoutRoomService.place`
        says which group (or to leave them be); this moves them there and tells the room."""
        if member.bot or after.channel is None or before.channel == after.channel:
            return
        if not self.bot.config.breakouts.place_late_joiners:
            return
        settings = await self.bot.settings.get(member.guild.id)
        if after.channel.id != settings.main_voice_id:
            return
        live = await self.repo.live(member.guild.id)
        if live is None or live.status != "open":
            return  # the usual case (no rooms open): no need to look up the member's role
        came_from = before.channel.id if before.channel is not None else None
        placement = await self.rooms.place(member.guild.id, await self._participant(member.guild, member), came_from)
        if placement is not None:
            await self._send_to_room(member.guild, placement, member)

    async def _participant(self, guild: discord.Guild, member: discord.Member) -> Participant:
        """One member as the planner sees them: their stakeholder role, facilitator or not."""
        settings = await self.bot.settings.get(guild.id)
        role_id = settings.facilitator_role_id
        candidate = Candidate(member.id, role_id is not None and member.get_role(role_id) is not None)
        return build_roster([candidate], await self.bot.members.roles_for(guild.id)).participants[0]

    async def _send_to_room(self, guild: discord.Guild, placement: Placement, member: discord.Member) -> str:
        """Move ``member`` to their group's room (or message them the way), and tell the room who joined.

        Returns how it went: ``moved``, ``told`` (not in voice, sent a message), ``stuck`` (Discord
        would not move them, sent a message) or ``unreachable`` (neither worked).
        """
        room = guild.get_channel(placement.session.channel_ids[placement.group])
        if not isinstance(room, discord.VoiceChannel):
            return "unreachable"
        how = "told"
        if member.voice is not None and member.voice.channel is not None:
            try:
                await member.move_to(room, reason="copbot breakout rooms")
                how = "moved"
            except discord.HTTPException:
                log.warning("Could not move %s to %s", member.id, room.id, exc_info=True)
                how = "stuck"
        if how != "moved":
            told, _ = await tell_rooms(guild, [(member, room)])
            how = how if told else "unreachable"
        try:
            await room.send(f"👋 **{name_of(member, member.id)}** has joined this group.", allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.warning("Could not tell %s who joined", room.id, exc_info=True)
        return how

    # ------------------------------------------------------------------- closing

    @app_commands.command(name="close", description="Bring everyone back and remove the breakout rooms (facilitators)")
    @facilitator_only()
    async def close(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        if await self.repo.live(guild.id) is None:
            raise UserError(NO_ROOMS_OPEN)
        await interaction.response.defer(ephemeral=True, thinking=True)
        progress = Progress(interaction, fallback=tell_facilitator(self.bot, guild, interaction.user))
        text = await self._close(guild, progress)
        await progress.finish(text)

    async def _close(self, guild: discord.Guild, progress: Progress | None = None) -> str:
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
            await members_ready(guild)
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
            for room, deleted in zip(rooms, await join(deletions), strict=True):
                if not deleted:
                    left.append(room.id)
            category = guild.get_channel(session.category_id) if session.category_id else None
            if category is not None and not await self._delete_channel(category):
                left.append(category.id)
            await self.repo.finish(session)
            await self._edit_timer_note(guild, session, content=TIMER_NOTE_CLOSED, view=None)
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
        await post_in_rooms(
            guild, session, f"⏰ **{when.capitalize()} left.** Please start wrapping up: everyone comes back soon."
        )

    async def _auto_close(self, guild_id: int, session_id: int) -> None:
        session = await self.repo.live(guild_id)
        guild = self.bot.get_guild(guild_id)
        if session is None or session.id != session_id or guild is None:
            return
        if session.ends_at is not None and session.ends_at > utcnow() + timedelta(seconds=1):
            self._schedule(session)  # the end was moved ("Add 5 minutes") after this job was set
            return
        text = await self._close(guild)
        # Tell the facilitators where they talk; if copbot cannot post there, the meeting channel hears it.
        if await to_facilitators(self.bot, guild, f"Time is up. {text}") is None:
            log.warning("Could not tell facilitators the breakouts closed in server %s", guild_id)

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
                f"{name_of(member_a, member_a.id)} and {name_of(member_b, member_b.id)} are not kept apart, "
                "so nothing was changed."
            )
        await interaction.response.send_message(
            f"{member_a.mention} and {member_b.mention} may be put in the same group again.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
