"""Tasks, meetings and reminders: ``/task …``, ``/meeting …`` and the reminder DMs and digests."""

from __future__ import annotations

from bot.app import CopBot
from cogs.tasks._cog import MeetingsCog, TasksCog


async def setup(bot: CopBot) -> None:
    tasks = TasksCog(bot)
    await bot.add_cog(tasks)
    await bot.add_cog(MeetingsCog(bot, tasks))
