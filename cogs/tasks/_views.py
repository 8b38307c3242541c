"""Buttons on every task notice ("Done", "Need more time") that keep working after a restart.

Every message that tells someone about their task (the message when it is given to them, each
reminder, their own list before a meeting) carries them, so it can be answered with one press:
*Done*, or *Need more time* and then *One more day* or *One more week* (or a date of one's choosing).

They are :class:`discord.ui.DynamicItem` s whose ``custom_id`` names the task by its server and
per-server number (``copbot:tasks:done:<server>:12``), so the bot needs no memory of the message to
answer a click. Not by its row id: row ids count across every server, so they would show members how
busy other servers are. Buttons made before carry the row id (``copbot:tasks:done:40``) and still work. They follow
the commands' rule: "Done" as ``/task done``, "Need more time" and its choices as ``/task edit`` (the
person doing the task, the person who set it, or a facilitator), which matters when a nudge falls back
to the meeting channel, where everyone sees it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import NotFoundError, UserError
from bot.storage.tasks import Task
from cogs._shared import PublicRef, RefButton, replies_to_user_errors
from cogs.tasks._render import quoted

if TYPE_CHECKING:
    from cogs.tasks._cog import TasksCog


def _cog(interaction: discord.Interaction) -> TasksCog:
    cog = interaction.client.get_cog("TasksCog")  # type: ignore[attr-defined]
    if cog is None:
        raise UserError("Tasks are not available right now. Please try again in a moment.")
    return cog  # type: ignore[no-any-return]


GONE = "That task no longer exists."


def task_ref(task: Task) -> PublicRef:
    return PublicRef.numbered(task.guild_id, task.number)


async def _task_id(interaction: discord.Interaction, ref: PublicRef) -> int:
    """The row id of the task a button names (an old button's row id, or the server's task #N)."""
    if ref.row_id is not None:
        return ref.row_id
    try:
        task = await _cog(interaction).tasks.get(ref.guild_id or 0, ref.number or 0)
    except NotFoundError:
        raise UserError(GONE) from None
    return task.id


class _TaskButton(RefButton):
    """``copbot:tasks:<action>:<server>:<number>`` (or the row id, on buttons made before)."""

    prefix = "copbot:tasks"


class DoneButton(_TaskButton, action="done"):
    """Marks the task done."""

    label = "Done"
    style = discord.ButtonStyle.success

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        task = await _cog(interaction).task_for_button(
            await _task_id(interaction, self.ref), interaction.user, "finish"
        )
        done = await _cog(interaction).complete(task)
        await interaction.response.send_message(f"Thank you! {quoted(done)} is marked as done.", ephemeral=True)


class MoreTimeButton(_TaskButton, action="more"):
    """Offers new dates: one more day, one more week, or a date of your choice."""

    label = "Need more time"

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        task = await _cog(interaction).task_for_button(
            await _task_id(interaction, self.ref), interaction.user, "change"
        )
        view = discord.ui.View(timeout=None)
        view.add_item(ExtendButton(task_ref(task), 1))
        view.add_item(ExtendButton(task_ref(task), 7))
        view.add_item(PickDateButton(task_ref(task)))
        await interaction.response.send_message(
            f"Of course. When would suit you for {quoted(task)}?", view=view, ephemeral=True
        )


#: The choices *Need more time* offers, by days (14: on offers sent before one more day replaced it).
EXTEND_LABELS = {1: "One more day", 7: "One more week", 14: "Two more weeks"}


class ExtendButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"copbot:tasks:extend:(?P<ref>{PublicRef.PATTERN}):(?P<days>1|7|14)",
):
    """Moves the due date on by a day or a week."""

    def __init__(self, ref: PublicRef, days: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=EXTEND_LABELS[days],
                style=discord.ButtonStyle.primary,
                custom_id=f"copbot:tasks:extend:{ref}:{days}",
            )
        )
        self.ref = ref
        self.days = days

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> ExtendButton:
        return cls(PublicRef.parse(match["ref"]), int(match["days"]))

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        cog = _cog(interaction)
        task = await cog.task_for_button(await _task_id(interaction, self.ref), interaction.user, "change")
        updated, echo = await cog.extend(task, self.days)
        await interaction.response.send_message(
            f"Done: {quoted(updated)} is now due {echo}.",
            ephemeral=True,
        )


class PickDateButton(_TaskButton, action="pick"):
    """Opens a form to type a new due date."""

    label = "Choose a date"

    @replies_to_user_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        task = await _cog(interaction).task_for_button(
            await _task_id(interaction, self.ref), interaction.user, "change"
        )
        await interaction.response.send_modal(NewDateModal(task))


class NewDateModal(discord.ui.Modal):
    """A typed new due date, read like ``/task add due:``."""

    def __init__(self, task: Task) -> None:
        super().__init__(title="A new date for your task", custom_id=f"copbot:tasks:newdate:{task_ref(task)}")
        self.task_id = task.id
        self.due: discord.ui.TextInput[NewDateModal] = discord.ui.TextInput(
            label="New due date",
            custom_id="due",
            placeholder="for example: next friday, in 2 weeks, 2026-12-01",
            max_length=100,
        )
        self.add_item(self.due)

    @replies_to_user_errors
    async def on_submit(self, interaction: discord.Interaction) -> None:
        cog = _cog(interaction)
        task = await cog.task_for_button(self.task_id, interaction.user, "change")
        updated, echo = await cog.move_due(task, self.due.value)
        await interaction.response.send_message(
            f"Done: {quoted(updated)} is now due {echo}.",
            ephemeral=True,
        )


DYNAMIC_ITEMS = (DoneButton, MoreTimeButton, ExtendButton, PickDateButton)


#: Buttons fit five rows: a list of more tasks than this has buttons for the first five.
MOST_TASK_ROWS = 5


def task_view(tasks: Sequence[Task]) -> discord.ui.View:
    """*Done* and *Need more time* for each task, one row each. When there are several, each pair
    starts with the task's place in the message's numbered list (:func:`~cogs.tasks._render.digest_dm`),
    so a screen reader, which reads the buttons one after another, says which task each is for."""
    view = discord.ui.View(timeout=None)
    for row, task in enumerate(tasks[:MOST_TASK_ROWS]):
        place = f"{row + 1}. " if len(tasks) > 1 else ""
        done = DoneButton(task_ref(task), label=f"{place}Done")
        more = MoreTimeButton(task_ref(task), label=f"{place}Need more time")
        done.row = more.row = row
        view.add_item(done)
        view.add_item(more)
    return view
