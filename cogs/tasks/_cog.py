"""``/task`` and ``/meeting``: thin adapters over :class:`bot.task_service.TaskService` (``bot.tasks``).

The cogs parse what a member typed or pressed, call the service, and render its answer. Delivering
reminders on Discord (DMs with a fallback, the digest post, Events entries) is :mod:`cogs.tasks._delivery`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown, format_dt

from bot.app import CopBot
from bot.clock import utcnow
from bot.errors import UserError
from bot.reminders.policy import ReminderPolicy
from bot.storage.tasks import Task
from bot.tasks import MAX_DESCRIPTION
from bot.text_limits import MESSAGE, chunk_lines
from bot.timeparse import ParsedWhen, warm_up
from cogs._shared import (
    NO_PINGS,
    HelpSection,
    guild_of,
    is_facilitator,
)
from cogs.tasks._delivery import Delivery
from cogs.tasks._form import TaskForm
from cogs.tasks._render import choice_name, quoted, task_line, who
from cogs.tasks._views import DYNAMIC_ITEMS

log = logging.getLogger(__name__)

SCOPES = [
    app_commands.Choice(name="My tasks", value="mine"),
    app_commands.Choice(name="Everyone's open tasks", value="all"),
    app_commands.Choice(name="Overdue tasks", value="overdue"),
]
#: What the ``id`` option says: a member picks the task by its words from the list, and never needs its number.
PICK_TASK = "Start typing the task's words, then pick it from the list"


@app_commands.guild_only()
class TasksCog(commands.GroupCog, group_name="task", group_description="Tasks agreed at meetings"):
    """``/task`` commands, and the Discord side of every reminder and digest (:class:`Delivery`)."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=40,
        title="Tasks and reminders",
        lines=(
            "`/task add` gives someone a task with a date, and a reminder before it.",
            "`/task list` shows your tasks. Each reminder has a **Done** button.",
        ),
        facilitator_lines=("`/settings reminders` changes when reminders go out here (see Settings).",),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.service = bot.tasks
        self.tasks = bot.tasks.tasks  # the repository, for tests and the calendar
        self.meetings = bot.tasks.meetings
        self.delivery = Delivery(bot)
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
        await self.service.start(self.delivery)

    # -- shared helpers -------------------------------------------------------------------------

    async def timezone_for(self, guild_id: int) -> str:
        return await self.service.timezone_for(guild_id)

    async def policy_for(self, guild_id: int) -> ReminderPolicy:
        return await self.service.policy_for(guild_id)

    @commands.Cog.listener()
    async def on_reminders_replanned(self, guild_id: int) -> None:
        """``/settings update timezone`` re-planned this server's reminders: point the job at the new
        next one."""
        await self.service.rearm()

    async def parse(self, text: str, guild_id: int) -> ParsedWhen:
        return await self.service.parse(text, guild_id)

    async def _facilitator(self, user: discord.abc.User, guild_id: int) -> bool:
        """Whether ``user`` facilitates in the task's server (in a DM the clicker is a plain user)."""
        member = user
        if not isinstance(member, discord.Member):
            guild = self.bot.get_guild(guild_id)
            member = (guild.get_member(user.id) if guild else None) or user
        return await is_facilitator(self.bot, member)

    async def task_for_button(self, task_id: int, user: discord.abc.User, action: str) -> Task:
        """The open task behind a reminder button, if ``user`` may ``action`` it.

        The buttons follow the commands' rule (:func:`bot.tasks.require_can_change`, as ``/task done``
        and ``/task edit``): a reminder that fell back to the meeting channel is pressed in public, and
        a facilitator tidying up there is as welcome as with the commands.
        """
        found = await self.tasks.by_id(task_id)
        guild_id = found.guild_id if found is not None else 0
        return await self.service.for_change(task_id, user.id, await self._facilitator(user, guild_id), action)

    async def complete(self, task: Task) -> Task:
        return await self.service.complete(task)

    async def move_due(self, task: Task, text: str) -> tuple[Task, str]:
        return await self.service.move_due(task, text)

    async def extend(self, task: Task, days: int) -> tuple[Task, str]:
        return await self.service.extend(task, days)

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
        if assignee.bot:
            raise UserError("Tasks are for people, not bots. Please choose a member. Nothing was saved.")
        # Every refusal is found by reads, before the acknowledgement, so it can still be private.
        # Saving then may wait behind other servers' writes at a busy hour (bench_load.py), which
        # must not run past Discord's 3 seconds: acknowledge first (everyone sees "thinking").
        new = await self.service.check_new(guild.id, interaction.user.id, assignee.id, description, due, utcnow())
        await interaction.response.defer(thinking=True)
        task = await self.service.add(new)
        when = new.when
        await interaction.followup.send(
            # The date once, as it was read (named in the server's time): a timestamp beside it said it twice.
            f"Task {quoted(task)} is set for {assignee.mention}, due **{when.echo}**. "
            + (f"{when.note} " if when.note else "")
            + "If that date is not what you meant, change it with `/task edit`.",
            allowed_mentions=NO_PINGS,
        )
        await self.delivery.tell_assignee(task, interaction.user, new=True)
        return task

    def task_form(
        self, description: str, assignee_id: int, *, choose_assignee: bool = False, named: str | None = None
    ) -> TaskForm:
        """The form behind "Make a task" and the panel's "Add an action" (which lets the facilitator
        choose who does it, starting from themselves). ``named`` is shown when there is no choice."""
        return TaskForm(self, description[:MAX_DESCRIPTION], assignee_id, choose_assignee=choose_assignee, named=named)

    async def make_task(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Message context menu "Make a task": the form, prefilled with the message, says who will do the
        task (the message's writer); a facilitator may choose someone else there, as in "Add an action"."""
        guild_of(interaction)
        text = " ".join(message.content.split())
        chooser = await is_facilitator(self.bot, interaction.user)
        named = escape_markdown(message.author.display_name)
        await interaction.response.send_modal(
            self.task_form(text, message.author.id, choose_assignee=chooser, named=named)
        )

    @app_commands.command(name="list", description="See tasks: yours, everyone's, or the overdue ones")
    @app_commands.describe(scope="Which tasks to show (yours if you don't choose)")
    @app_commands.choices(scope=SCOPES)
    async def list_tasks(self, interaction: discord.Interaction, scope: app_commands.Choice[str] | None = None) -> None:
        guild = guild_of(interaction)
        chosen = scope.value if scope else "mine"
        now = utcnow()
        found = await self.service.listed(guild.id, chosen, interaction.user.id, now)
        title, empty = {
            "mine": ("**Your open tasks**", "You have no open tasks. Enjoy the quiet!"),
            "overdue": ("**Overdue tasks**", "No task is overdue. Well done, everyone!"),
            "all": ("**Everyone's open tasks**", "There are no open tasks."),
        }[chosen]
        if not found:
            await interaction.response.send_message(empty, ephemeral=True)
            return
        lines = [title, *(task_line(t, t.is_overdue(now), owner=chosen != "mine") for t in found)]
        parts = chunk_lines(lines, MESSAGE)
        await interaction.response.send_message(parts[0], ephemeral=True, allowed_mentions=NO_PINGS)
        for part in parts[1:]:
            await interaction.followup.send(part, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="done", description="Mark a task as finished")
    @app_commands.describe(task_id=PICK_TASK)
    @app_commands.rename(task_id="id")
    async def done(self, interaction: discord.Interaction, task_id: int) -> None:
        guild = guild_of(interaction)
        facilitator = await is_facilitator(self.bot, interaction.user)
        finished = await self.service.finish(guild.id, task_id, interaction.user.id, facilitator)
        await interaction.response.send_message(
            f"Task {quoted(finished)} is done. Thank you, {who(finished.assignee_id)}!", allowed_mentions=NO_PINGS
        )

    @app_commands.command(name="edit", description="Change a task's description, who does it, or its due date")
    @app_commands.describe(
        task_id=PICK_TASK,
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
        if assignee is not None and assignee.bot:
            raise UserError("Tasks are for people, not bots. Please choose a member. Nothing was changed.")
        edited = await self.service.edit(
            guild.id,
            task_id,
            interaction.user.id,
            await is_facilitator(self.bot, interaction.user),
            description=description,
            assignee_id=assignee.id if assignee is not None else None,
            due=due,
        )
        updated, when = edited.task, edited.when
        due = f"**{when.echo}**" if when else format_dt(updated.due_at, "F")  # the date once, as read if new
        lines = [f"Task {quoted(updated)} is updated: for {who(updated.assignee_id)}, due {due}."]
        if when and when.note:
            lines.append(when.note)
        await interaction.response.send_message("\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS)
        if edited.reassigned:
            await self.delivery.tell_assignee(updated, interaction.user, new=False)

    @app_commands.command(name="remove", description="Delete a task (the person who set it, or facilitators)")
    @app_commands.describe(task_id=PICK_TASK)
    @app_commands.rename(task_id="id")
    async def remove(self, interaction: discord.Interaction, task_id: int) -> None:
        guild = guild_of(interaction)
        facilitator = await is_facilitator(self.bot, interaction.user)
        task = await self.service.remove(guild.id, task_id, interaction.user.id, facilitator)
        await interaction.response.send_message(
            f"Task {quoted(task)} is removed. No more reminders will be sent for it.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    async def _options(
        self, interaction: discord.Interaction, typed: str, *, remove: bool
    ) -> list[app_commands.Choice[int]]:
        """The open tasks this person may act on, by their words and due day (their own first)."""
        if interaction.guild is None:
            return []
        facilitator = await is_facilitator(self.bot, interaction.user)
        found = await self.service.choosable(
            interaction.guild.id, interaction.user.id, facilitator, typed, remove=remove
        )
        tz = ZoneInfo(await self.timezone_for(interaction.guild.id))
        return [app_commands.Choice(name=choice_name(t, tz), value=t.number) for t in found[:25]]

    async def _changeable(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        return await self._options(interaction, current, remove=False)

    async def _removable(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        return await self._options(interaction, current, remove=True)

    done.autocomplete("task_id")(_changeable)
    edit.autocomplete("task_id")(_changeable)
    remove.autocomplete("task_id")(_removable)
