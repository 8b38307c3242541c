"""The task form behind "Make a task" (a message's menu) and the panel's "Add an action".

It says who will do the task: for "Make a task" the message's writer, named in the form; a facilitator
gets a member picker instead, set to that person (or, for "Add an action", to the facilitator), so they
can choose someone else. On sending, it works exactly as ``/task add``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserError
from bot.tasks import MAX_DESCRIPTION
from cogs._shared import guild_of, replies_to_user_errors

if TYPE_CHECKING:
    from cogs.tasks._cog import TasksCog


class TaskForm(discord.ui.Modal, title="Make a task"):
    """What needs doing (prefilled) and when, and who will do it: for "Make a task" the message's writer,
    named in the form; a facilitator gets a member picker (``custom_id="assignee"``) set to that person,
    as the panel's "Add an action" sets it to the facilitator, so they can choose someone else."""

    description: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What needs doing", custom_id="description", style=discord.TextStyle.paragraph, max_length=MAX_DESCRIPTION
    )
    due: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="When is it due?", custom_id="due", placeholder="next friday, in 3 days, 2026-12-01 17:00", max_length=100
    )

    def __init__(
        self,
        cog: TasksCog,
        description: str,
        assignee_id: int,
        *,
        choose_assignee: bool = False,
        named: str | None = None,
    ) -> None:
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
        elif named:
            self.add_item(discord.ui.TextDisplay(f"**{named}** will do this task. They get a message about it."))

    @replies_to_user_errors
    async def on_submit(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        chosen = self.assignee.values[0].id if self.assignee is not None and self.assignee.values else self.assignee_id
        assignee = guild.get_member(chosen)
        if assignee is None:
            raise UserError("That person is no longer in the server, so I can't give them a task. Nothing was saved.")
        await self.cog.create_task(interaction, str(self.description.value), assignee, str(self.due.value))
