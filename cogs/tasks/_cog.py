"""``/task`` and ``/meeting``: thin adapters over :mod:`bot.storage.tasks`, :mod:`bot.storage.meetings`
and the reminder service, plus the Discord side of delivering reminders (DMs with a fallback)."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import datetime, timedelta
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown, format_dt

from bot import permissions
from bot.app import CopBot
from bot.attendance_chart import chart_png, table
from bot.clock import utcnow
from bot.errors import UserError
from bot.meetings import REPEAT_WORDS, REPEATS
from bot.privacy.registry import FORGOTTEN
from bot.reminders.nonces import part_nonce
from bot.reminders.policy import ReminderPolicy, plan_digest, plan_task
from bot.reminders.rules import digest_when
from bot.reminders.service import ReminderService, RetryLater
from bot.storage.meetings import Meeting, MeetingRepository
from bot.storage.reminders import ReminderRepository
from bot.storage.tasks import Task, TaskRepository
from bot.tasks import (
    MAX_DESCRIPTION,
    clean_description,
    extended_due,
    require_can_change,
    require_can_remove,
    require_open,
)
from bot.text_limits import MESSAGE, chunk_lines, chunk_mentions, escape_then_fit, fit, fit_lines
from bot.timeparse import ParsedWhen, describe, parse_when, warm_up
from cogs._meeting import end_meeting, ended_sentence, offer_check_in, send_recap_dms, start_meeting
from cogs._permissions import in_server
from cogs._report import HELP_LINE as REPORT_HELP
from cogs._report import send_report
from cogs._shared import (
    FACILITATOR_COMMANDS,
    NO_PINGS,
    HelpSection,
    facilitator_only,
    guild_of,
    is_facilitator,
    replies_to_user_errors,
)
from cogs.tasks._render import carried_entries, digest_entries, quoted, reminder_text, task_line, who
from cogs.tasks._views import DYNAMIC_ITEMS, nudge_view

log = logging.getLogger(__name__)

DM_CLOSED = 50007
MEETING_LENGTH = timedelta(hours=1)
#: Characters of a meeting title shown in a list, after escaping.
TITLE_SHOWN = 120
SCOPES = [
    app_commands.Choice(name="My tasks", value="mine"),
    app_commands.Choice(name="Everyone's open tasks", value="all"),
    app_commands.Choice(name="Overdue tasks", value="overdue"),
]
REPEAT_CHOICES = [app_commands.Choice(name=REPEAT_WORDS[r].capitalize(), value=r) for r in REPEATS]


def _title(title: str) -> str:
    """A meeting title as shown: escaped first, then fitted (escaping can double its length)."""
    return escape_then_fit(title, TITLE_SHOWN, escape_markdown)


def _mentioning(*user_ids: int) -> discord.AllowedMentions:
    """Ping exactly these people and nobody else."""
    return discord.AllowedMentions(
        everyone=False, roles=False, users=[discord.Object(u) for u in user_ids], replied_user=False
    )


@app_commands.guild_only()
class TasksCog(commands.GroupCog, group_name="task", group_description="Tasks agreed at meetings"):
    """``/task`` commands, and delivery of every reminder and digest (the service's notifier)."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=40,
        title="Tasks and reminders",
        lines=(
            "`/task add` gives someone a task with a date, and a reminder before it.",
            "`/task list` shows your tasks, and `/task done` marks one finished.",
        ),
        facilitator_lines=("`/settings reminders` changes when reminders go out here (see Settings).",),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.tasks = TaskRepository(bot.db)
        self.meetings = MeetingRepository(bot.db, shards=bot.served_shards)
        self.service = ReminderService(
            scheduler=bot.scheduler,
            tasks=self.tasks,
            meetings=self.meetings,
            reminders=ReminderRepository(bot.db, shards=bot.served_shards),
            notifier=self,
            timezone_for=self.timezone_for,
            policy_for=self.policy_for,
        )
        self._start_task: asyncio.Task[None] | None = None
        self._make_task_menu = app_commands.ContextMenu(name="Make a task", callback=self.make_task)
        self._make_task_menu.guild_only = True

    async def cog_load(self) -> None:
        await asyncio.to_thread(warm_up)  # dateparser's first call is slow; keep it off the event loop
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.tree.add_command(self._make_task_menu)
        self.bot.task_form = self.task_form
        self._start_task = asyncio.create_task(self._start_reminders())

    async def cog_unload(self) -> None:
        self.service.stop()
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.tree.remove_command(self._make_task_menu.name, type=discord.AppCommandType.message)
        self.bot.task_form = None
        if self._start_task is not None and not self._start_task.done():
            self._start_task.cancel()

    async def _start_reminders(self) -> None:
        """Once connected (so channels and members are known), send what is overdue and arm the job."""
        await self.bot.wait_until_ready()
        await self.service.start()

    # -- shared helpers -------------------------------------------------------------------------

    async def timezone_for(self, guild_id: int) -> str:
        settings = await self.bot.settings.get(guild_id)
        return settings.timezone_or(self.bot.config.community.timezone)

    async def policy_for(self, guild_id: int) -> ReminderPolicy:
        """The server's reminder rules (``/settings reminders``), read fresh: see the service's docstring."""
        return await self.bot.reminder_policies.policy_for(guild_id)

    @commands.Cog.listener()
    async def on_reminders_replanned(self, guild_id: int) -> None:
        """``/settings reminders`` or a new timezone re-planned this server's reminders: point the job at
        the new next one."""
        await self.service.rearm()

    async def parse(self, text: str, guild_id: int) -> ParsedWhen:
        tz_name = await self.timezone_for(guild_id)
        return await asyncio.to_thread(parse_when, text, tz_name, now=utcnow())

    async def _plan(self, guild_id: int, due_at: datetime, not_before: datetime) -> list:
        return plan_task(due_at, not_before, await self.timezone_for(guild_id), await self.policy_for(guild_id))

    async def task_for_button(self, task_id: int, user: discord.abc.User, action: str) -> Task:
        """The open task behind a reminder button, if ``user`` may ``action`` it.

        The buttons follow the commands' rule (:func:`bot.tasks.require_can_change`, as ``/task done``
        and ``/task edit``): a nudge that fell back to the meeting channel is pressed in public, and
        a facilitator tidying up there is as welcome as with the commands. In a DM the clicker is a
        plain user, so the facilitator check looks them up in the task's server.
        """
        task = await self.tasks.by_id(task_id)
        if task is None or task.status == "removed":
            raise UserError("That task no longer exists.")
        member = user
        if not isinstance(member, discord.Member):
            guild = self.bot.get_guild(task.guild_id)
            member = (guild.get_member(user.id) if guild else None) or user
        require_can_change(task, user.id, await is_facilitator(self.bot, member), action)
        require_open(task)
        return task

    async def complete(self, task: Task) -> Task:
        done = await self.tasks.close(task.id, "done")
        await self.service.rearm()
        return done

    async def move_due(self, task: Task, text: str) -> tuple[Task, str]:
        when = await self.parse(text, task.guild_id)
        return await self._set_due(task, when.at), f"{when.echo}. {when.note}" if when.note else when.echo

    async def extend(self, task: Task, days: int) -> tuple[Task, str]:
        tz_name = await self.timezone_for(task.guild_id)
        due = extended_due(task, days, tz_name, utcnow())
        return await self._set_due(task, due), describe(due, tz_name)

    async def _set_due(self, task: Task, due_at: datetime) -> Task:
        plan = await self._plan(task.guild_id, due_at, utcnow())
        updated = await self.tasks.update(task.id, due_at=due_at, plan=plan)
        await self.service.rearm()
        return updated

    def _guild_name(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild else "your community"

    async def send_to_member(
        self,
        guild_id: int,
        user_id: int,
        content: str,
        *,
        view: discord.ui.View | None = None,
        nonce: str | None = None,
    ) -> None:
        """DM someone; if their DMs are closed, mention them in the meeting channel instead.

        ``nonce`` (:mod:`bot.reminders.nonces`, derived from the outbox row) makes the message
        idempotent: discord.py sends it with ``enforce_nonce``, so if a crashed process already sent
        it, Discord returns that message instead of posting it again. The channel fallback carries it
        too: it is the same scheduled message.
        """
        extra: dict[str, object] = {"nonce": nonce} if nonce is not None else {}
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            if view is not None:
                await user.send(content, view=view, allowed_mentions=NO_PINGS, **extra)  # type: ignore[arg-type]
            else:
                await user.send(content, allowed_mentions=NO_PINGS, **extra)  # type: ignore[arg-type]
            return
        except discord.Forbidden:
            pass
        except discord.NotFound:
            log.info("Member %s no longer exists; not reminding them", user_id)
            return
        except discord.HTTPException as error:
            if error.code != DM_CLOSED:
                raise RetryLater() from error
        settings = await self.bot.settings.get(guild_id)
        channel = self.bot.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("Could not DM member %s and no meeting channel is set in server %s", user_id, guild_id)
            return
        text = f"<@{user_id}>, I couldn't send you a direct message, so here it is:\n\n{content}"
        if view is not None:
            await channel.send(fit(text, MESSAGE), view=view, allowed_mentions=_mentioning(user_id), **extra)  # type: ignore[arg-type]
        else:
            await channel.send(fit(text, MESSAGE), allowed_mentions=_mentioning(user_id), **extra)  # type: ignore[arg-type]

    # -- the service's notifier -----------------------------------------------------------------

    async def task_reminder(self, task: Task, kind: str, late: bool, *, nonce: str | None = None) -> None:
        if task.assignee_id == FORGOTTEN:  # nobody is doing it: there is nobody to remind
            return
        content = reminder_text(task, kind, self._guild_name(task.guild_id), late)
        view = nudge_view(task.id) if kind.startswith("overdue:") else None
        await self.send_to_member(task.guild_id, task.assignee_id, content, view=view, nonce=nonce)

    async def meeting_digest(self, meeting: Meeting, late: bool, *, nonce: str | None = None) -> None:
        """Post the digest in the meeting channel and DM each owner their own list.

        ``nonce`` names this digest occurrence (its outbox row); each message gets its own nonce from
        it (:func:`bot.reminders.nonces.part_nonce`: the channel part's number, the owner's id), so a
        digest sent again after a crash repeats no message on Discord.
        """
        open_tasks = await self.tasks.open_tasks(meeting.guild_id)
        now = utcnow()
        settings = await self.bot.settings.get(meeting.guild_id)
        channel = self.bot.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
        if isinstance(channel, discord.abc.Messageable):
            entries = digest_entries(meeting, open_tasks, now, late)
            entries += carried_entries(await self.bot.meeting_sessions.carried(meeting.guild_id))
            await self._post_digest(channel, entries, nonce=nonce)
        else:
            log.warning("No meeting channel in server %s: the digest goes by DM only", meeting.guild_id)
        # Each owner's own list goes by DM whatever happened to the post: a DM never waits on it.
        by_owner: dict[int, list[Task]] = {}
        for task in open_tasks:
            by_owner.setdefault(task.assignee_id, []).append(task)
        by_owner.pop(FORGOTTEN, None)
        for owner, owned in by_owner.items():
            head = (
                f"Hello! Before meeting **#{meeting.number}, {_title(meeting.title)}** "
                f"({format_dt(meeting.starts_at, 'F')}), here are your open tasks in "
                f"**{escape_markdown(self._guild_name(meeting.guild_id))}**:"
            )
            text = fit_lines(
                [f"• {task_line(t, t.is_overdue(now), owner=False)}" for t in owned],
                MESSAGE,
                head=head,
                foot="If one is finished, `/task done` lets everyone know. Thank you!",
                more=lambda n: f"…and {n} more: `/task list` shows them all.",
            )
            dm_nonce = part_nonce(nonce, "dm", owner) if nonce is not None else None
            await self.send_to_member(meeting.guild_id, owner, text, nonce=dm_nonce)

    async def _post_digest(
        self, channel: discord.abc.Messageable, entries: list[tuple[str, list[int]]], *, nonce: str | None
    ) -> None:
        """Post the digest in as many messages as it needs: each fits 2,000 characters and pings at most
        100 people (Discord's ``allowed_mentions`` limit), exactly those its own lines name."""
        for number, (text, ids) in enumerate(chunk_mentions(entries, MESSAGE)):
            extra: dict[str, object] = {"nonce": part_nonce(nonce, "post", number)} if nonce is not None else {}
            try:
                await channel.send(text, allowed_mentions=_mentioning(*ids), **extra)  # type: ignore[arg-type]
            except discord.HTTPException:
                log.warning("Could not post part of the meeting digest", exc_info=True)

    async def meeting_rolled(self, meeting: Meeting) -> None:
        guild = self.bot.get_guild(meeting.guild_id)
        if guild is not None:
            event_id = await create_event(self.bot, guild, meeting)
            await self.meetings.set_event(meeting.id, event_id)

    # -- commands -------------------------------------------------------------------------------

    @app_commands.command(name="add", description="Give someone a task with a due date")
    @app_commands.describe(
        description="What needs doing, in a few words",
        assignee="Who will do it",
        due="When it is due, for example: next friday, in 3 days, 2026-12-01 17:00",
    )
    async def add(self, interaction: discord.Interaction, description: str, assignee: discord.Member, due: str) -> None:
        await self.create_task(interaction, description, assignee, due)

    async def create_task(
        self, interaction: discord.Interaction, description: str, assignee: discord.abc.User, due: str
    ) -> Task:
        """``/task add``, and the "Make a task" form: the same checks, the same replies."""
        guild = guild_of(interaction)
        text = clean_description(description)
        if assignee.bot:
            raise UserError("Tasks are for people, not bots. Please choose a member. Nothing was saved.")
        when = await self.parse(due, guild.id)
        now = utcnow()
        plan = await self._plan(guild.id, when.at, now)
        limits = {
            "per_hour": self.bot.config.limits.tasks_per_hour,
            "open_per_assignee": self.bot.config.limits.open_tasks_per_assignee,
        }
        # Every refusal is found by reads, before the acknowledgement, so it can still be private.
        # Saving then may wait behind other servers' writes at a busy hour (bench_load.py), which
        # must not run past Discord's 3 seconds: acknowledge first (everyone sees "thinking").
        await self.tasks.check_limits(guild.id, interaction.user.id, assignee.id, now, **limits)
        await interaction.response.defer(thinking=True)
        task = await self.tasks.add(
            guild.id, text, assignee.id, interaction.user.id, when.at, plan, created_at=now, **limits
        )
        await self.service.rearm()
        await interaction.followup.send(
            f"Task {quoted(task)} is set for {assignee.mention}, due **{when.echo}** ({format_dt(task.due_at, 'F')}). "
            + (f"{when.note} " if when.note else "")
            + "If that date is not what you meant, change it with `/task edit`.",
            allowed_mentions=NO_PINGS,
        )
        await self._tell_assignee(task, interaction.user, new=True)
        return task

    def task_form(self, description: str, assignee_id: int, *, choose_assignee: bool = False) -> TaskForm:
        """The form behind "Make a task" and the panel's "Add an action" (which lets the facilitator
        choose who does it, starting from themselves)."""
        return TaskForm(self, description[:MAX_DESCRIPTION], assignee_id, choose_assignee=choose_assignee)

    async def make_task(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Message context menu "Make a task": the form, prefilled with the message and its author."""
        guild_of(interaction)
        text = " ".join(message.content.split())
        await interaction.response.send_modal(self.task_form(text, message.author.id))

    async def _tell_assignee(self, task: Task, by: discord.abc.User, *, new: bool) -> None:
        what = "gave you a task" if new else "passed a task to you"
        content = (
            f"Hello! {escape_markdown(by.display_name)} {what} in "
            f"**{escape_markdown(self._guild_name(task.guild_id))}**: "
            f"{quoted(task)}, due {format_dt(task.due_at, 'F')} ({format_dt(task.due_at, 'R')}). "
            "I'll send you a reminder before then. When it's finished, use `/task done` in the server."
        )
        try:
            await self.send_to_member(task.guild_id, task.assignee_id, content)
        except RetryLater:
            log.warning("Could not tell member %s about task %s", task.assignee_id, task.id)

    @app_commands.command(name="list", description="See tasks: yours, everyone's, or the overdue ones")
    @app_commands.describe(scope="Which tasks to show (yours if you don't choose)")
    @app_commands.choices(scope=SCOPES)
    async def list_tasks(self, interaction: discord.Interaction, scope: app_commands.Choice[str] | None = None) -> None:
        guild = guild_of(interaction)
        chosen = scope.value if scope else "mine"
        now = utcnow()
        if chosen == "mine":
            found = await self.tasks.open_tasks(guild.id, assignee_id=interaction.user.id)
            title, empty = "**Your open tasks**", "You have no open tasks. Enjoy the quiet!"
        else:
            found = await self.tasks.open_tasks(guild.id)
            if chosen == "overdue":
                found = [t for t in found if t.is_overdue(now)]
                title, empty = "**Overdue tasks**", "No task is overdue. Well done, everyone!"
            else:
                title, empty = "**Everyone's open tasks**", "There are no open tasks."
        if not found:
            await interaction.response.send_message(empty, ephemeral=True)
            return
        lines = [title, *(task_line(t, t.is_overdue(now), owner=chosen != "mine") for t in found)]
        parts = chunk_lines(lines, MESSAGE)
        await interaction.response.send_message(parts[0], ephemeral=True, allowed_mentions=NO_PINGS)
        for part in parts[1:]:
            await interaction.followup.send(part, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="done", description="Mark a task as finished")
    @app_commands.describe(task_id="The task's number, for example 3 for #3")
    @app_commands.rename(task_id="id")
    async def done(self, interaction: discord.Interaction, task_id: int) -> None:
        guild = guild_of(interaction)
        task = await self.tasks.get(guild.id, task_id)
        require_can_change(task, interaction.user.id, await is_facilitator(self.bot, interaction.user), "finish")
        require_open(task)
        finished = await self.complete(task)
        await interaction.response.send_message(
            f"Task {quoted(finished)} is done. Thank you, {who(finished.assignee_id)}!", allowed_mentions=NO_PINGS
        )

    @app_commands.command(name="edit", description="Change a task's description, who does it, or its due date")
    @app_commands.describe(
        task_id="The task's number, for example 3 for #3",
        description="A new description",
        assignee="Someone else to do it",
        due="A new due date, for example: next friday, 2026-12-01",
    )
    @app_commands.rename(task_id="id")
    async def edit(
        self,
        interaction: discord.Interaction,
        task_id: int,
        description: str | None = None,
        assignee: discord.Member | None = None,
        due: str | None = None,
    ) -> None:
        guild = guild_of(interaction)
        task = await self.tasks.get(guild.id, task_id)
        require_can_change(task, interaction.user.id, await is_facilitator(self.bot, interaction.user), "change")
        require_open(task)
        if description is None and assignee is None and due is None:
            raise UserError("Nothing to change: choose a new description, person or due date.")
        text = clean_description(description) if description is not None else None
        if assignee is not None and assignee.bot:
            raise UserError("Tasks are for people, not bots. Please choose a member. Nothing was changed.")
        when = await self.parse(due, guild.id) if due is not None else None
        plan = await self._plan(guild.id, when.at, utcnow()) if when else None
        reassigned = assignee is not None and assignee.id != task.assignee_id
        updated = await self.tasks.update(
            task.id,
            description=text,
            assignee_id=assignee.id if reassigned and assignee else None,
            due_at=when.at if when else None,
            plan=plan,
        )
        await self.service.rearm()
        lines = [
            f"Task {quoted(updated)} is updated: for {who(updated.assignee_id)}, due {format_dt(updated.due_at, 'F')}."
        ]
        if when:
            lines.append(f"I read the new date as **{when.echo}**." + (f" {when.note}" if when.note else ""))
        await interaction.response.send_message("\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS)
        if reassigned:
            await self._tell_assignee(updated, interaction.user, new=False)

    @app_commands.command(name="remove", description="Delete a task (the person who set it, or facilitators)")
    @app_commands.describe(task_id="The task's number, for example 3 for #3")
    @app_commands.rename(task_id="id")
    async def remove(self, interaction: discord.Interaction, task_id: int) -> None:
        guild = guild_of(interaction)
        task = await self.tasks.get(guild.id, task_id)
        require_can_remove(task, interaction.user.id, await is_facilitator(self.bot, interaction.user))
        await self.tasks.close(task.id, "removed")
        await self.service.rearm()
        await interaction.response.send_message(
            f"Task {quoted(task)} is removed. No more reminders will be sent for it.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


class TaskForm(discord.ui.Modal, title="Make a task"):
    """What needs doing (prefilled) and when. The person doing it is the message's author for "Make a
    task"; the panel's "Add an action" adds a member picker (``custom_id="assignee"``) set to the
    facilitator, because an action agreed in a meeting is usually someone else's."""

    description: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What needs doing", custom_id="description", style=discord.TextStyle.paragraph, max_length=MAX_DESCRIPTION
    )
    due: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="When is it due?", custom_id="due", placeholder="next friday, in 3 days, 2026-12-01 17:00", max_length=100
    )

    def __init__(self, cog: TasksCog, description: str, assignee_id: int, *, choose_assignee: bool = False) -> None:
        super().__init__()
        self.cog = cog
        self.assignee_id = assignee_id
        if description:
            self.description.default = description
        self.assignee: discord.ui.UserSelect[Any] | None = None
        if choose_assignee:
            self.assignee = discord.ui.UserSelect(
                custom_id="assignee", min_values=1, max_values=1, default_values=[discord.Object(id=assignee_id)]
            )
            self.add_item(discord.ui.Label(text="Who will do it?", component=self.assignee))

    @replies_to_user_errors
    async def on_submit(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        chosen = self.assignee.values[0].id if self.assignee is not None and self.assignee.values else self.assignee_id
        assignee = guild.get_member(chosen)
        if assignee is None:
            raise UserError("That person is no longer in the server, so I can't give them a task. Nothing was saved.")
        await self.cog.create_task(interaction, str(self.description.value), assignee, str(self.due.value))


async def create_event(bot: CopBot, guild: discord.Guild, meeting: Meeting) -> int | None:
    """A Discord scheduled event for the meeting: in the main voice channel if set, else "online"."""
    settings = await bot.settings.get(guild.id)
    voice = guild.get_channel(settings.main_voice_id) if settings.main_voice_id else None
    lacking = permissions.missing(permissions.EVENTS, in_server(guild))
    if lacking:
        # Discord would refuse with 403; say which permission instead of logging a traceback.
        log.warning("Not adding meeting %s to the Events list: the bot lacks %s", meeting.id, lacking[0].label)
        return None
    try:
        if isinstance(voice, discord.VoiceChannel):
            event = await guild.create_scheduled_event(
                name=meeting.title[:100],
                start_time=meeting.starts_at,
                entity_type=discord.EntityType.voice,
                channel=voice,
                privacy_level=discord.PrivacyLevel.guild_only,
                description=f"Meeting #{meeting.number}",
            )
        else:
            meeting_channel = guild.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
            event = await guild.create_scheduled_event(
                name=meeting.title[:100],
                start_time=meeting.starts_at,
                end_time=meeting.starts_at + MEETING_LENGTH,
                entity_type=discord.EntityType.external,
                location=f"#{meeting_channel.name}" if meeting_channel else "Online",
                privacy_level=discord.PrivacyLevel.guild_only,
                description=f"Meeting #{meeting.number}",
            )
    except discord.HTTPException:
        log.warning("Could not create a scheduled event in server %s", guild.id, exc_info=True)
        return None
    return event.id


@app_commands.guild_only()
@app_commands.default_permissions(FACILITATOR_COMMANDS)
class MeetingsCog(commands.GroupCog, group_name="meeting", group_description="Run the meetings (facilitators)"):
    """``/meeting`` commands; the digest before each meeting is sent by :class:`TasksCog`."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=41,
        title="Planning meetings",
        lines=(),
        facilitator_lines=(
            "`/meeting schedule` plans a meeting (once, or every week, two weeks, month or three months) and "
            "adds it to the server's events. `/meeting cancel` calls one off.",
            REPORT_HELP,
        ),
    )

    def __init__(self, bot: CopBot, tasks: TasksCog) -> None:
        self.bot = bot
        self.tasks_cog = tasks
        self.meetings = tasks.meetings

    @app_commands.command(name="schedule", description="Plan a meeting (facilitators)")
    @app_commands.describe(
        when="When it starts, for example: next tuesday 7pm, 2026-12-01 18:30",
        title="What the meeting is called",
        repeat="Whether it happens again (once if you don't choose)",
    )
    @app_commands.choices(repeat=REPEAT_CHOICES)
    @facilitator_only()
    async def schedule(
        self,
        interaction: discord.Interaction,
        when: str,
        title: str,
        repeat: app_commands.Choice[str] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        clean_title = " ".join(title.split())[:100]
        if not clean_title:
            raise UserError("Please give the meeting a short title.")
        parsed = await self.tasks_cog.parse(when, guild.id)
        repeat_value = repeat.value if repeat else "none"
        tz_name = await self.tasks_cog.timezone_for(guild.id)
        policy = await self.tasks_cog.policy_for(guild.id)
        digest = plan_digest(parsed.at, tz_name, policy)
        meeting = await self.meetings.add(guild.id, clean_title, parsed.at, repeat_value, interaction.user.id, digest)
        await interaction.response.defer()
        event_id = await create_event(self.bot, guild, meeting)
        await self.meetings.set_event(meeting.id, event_id)
        await self.tasks_cog.service.rearm()
        note = ""
        if not event_id:
            lacking = permissions.missing(permissions.EVENTS, in_server(guild))
            why = permissions.missing_sentence(lacking, "to add meetings to the server's Events list")
            note = "\n(" + (why or "I couldn't add it to the server's events this time.") + ")"
        await interaction.followup.send(
            f"Meeting **#{meeting.number}, {escape_markdown(clean_title)}** is planned for **{parsed.echo}** "
            f"({format_dt(meeting.starts_at, 'F')}), {REPEAT_WORDS[repeat_value]}. "
            f"I'll post the open tasks {digest_when(policy.digest_hours_before)}."
            + (f" {parsed.note}" if parsed.note else "")
            + note,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="start", description="Open the meeting now: attendance, panel, recap (facilitators)")
    @app_commands.describe(meeting_id="The planned meeting's number (the one starting soon if you don't choose)")
    @app_commands.rename(meeting_id="id")
    @facilitator_only()
    async def start(self, interaction: discord.Interaction, meeting_id: int | None = None) -> None:
        await start_meeting(self.bot, interaction, meeting_id)

    @app_commands.command(name="end", description="Close the meeting and post its recap (facilitators)")
    @facilitator_only()
    async def end(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        await self.bot.meeting_sessions.require_current(guild.id)
        await interaction.response.defer()
        posted = await end_meeting(self.bot, guild, fallback=interaction.channel)
        await interaction.followup.send(ended_sentence(posted), allowed_mentions=NO_PINGS)
        await offer_check_in(self.bot, interaction, posted)
        await send_recap_dms(self.bot, guild, posted)

    @app_commands.command(name="attendance", description="Who came to recent meetings, by role (facilitators)")
    @app_commands.describe(last="How many recent meetings to show (6 if you don't choose)")
    @facilitator_only()
    async def attendance(self, interaction: discord.Interaction, last: app_commands.Range[int, 1, 50] = 6) -> None:
        guild = guild_of(interaction)
        rows = await self.bot.meeting_sessions.attendance_history(guild.id, last)
        await interaction.response.defer(ephemeral=True)
        text = table(rows, await self.tasks_cog.timezone_for(guild.id))
        png = await asyncio.to_thread(chart_png, rows, f"Attendance by role, last {len(rows)} meetings")
        await interaction.followup.send(
            f"**Attendance by role, last {len(rows)} {'meeting' if len(rows) == 1 else 'meetings'}**\n```\n"
            f"{text[:1800]}\n```",
            file=discord.File(io.BytesIO(png), filename="attendance.png"),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="report", description="A report of recent meetings, as a web page (facilitators)")
    @app_commands.describe(last="How many recent meetings to cover (6 if you don't choose)")
    @facilitator_only()
    async def report(self, interaction: discord.Interaction, last: app_commands.Range[int, 1, 50] = 6) -> None:
        await send_report(self.bot, interaction, last)

    @app_commands.command(name="cancel", description="Call off a planned meeting (facilitators)")
    @app_commands.describe(meeting_id="The meeting's number, for example 2 for #2")
    @app_commands.rename(meeting_id="id")
    @facilitator_only()
    async def cancel(self, interaction: discord.Interaction, meeting_id: int) -> None:
        guild = guild_of(interaction)
        meeting = await self.meetings.get(guild.id, meeting_id)
        await self.meetings.cancel(meeting.id)
        await self.tasks_cog.service.rearm()
        await interaction.response.defer(ephemeral=True)
        if meeting.event_id is not None:
            try:
                event = guild.get_scheduled_event(meeting.event_id) or await guild.fetch_scheduled_event(
                    meeting.event_id
                )
                await event.delete()
            except discord.NotFound:
                pass
            except discord.HTTPException:
                log.warning("Could not delete scheduled event %s", meeting.event_id, exc_info=True)
        await interaction.followup.send(
            f"Meeting **#{meeting.number}, {escape_markdown(meeting.title)}** is cancelled"
            + (" (and any repeats)." if meeting.repeat != "none" else "."),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
