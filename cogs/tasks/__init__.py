"""Tasks, meetings and reminders: ``/task …``, ``/meeting …``, ``/next-meeting``, ``/calendar``, and the
reminder DMs and digests."""

from __future__ import annotations

from bot.app import CopBot
from cogs.tasks._cog import TasksCog
from cogs.tasks._meetings import MeetingsCog
from cogs.tasks._schedule import ScheduleCog


async def setup(bot: CopBot) -> None:
    tasks = TasksCog(bot)
    await bot.add_cog(tasks)
    await bot.add_cog(MeetingsCog(bot, tasks))
    await bot.add_cog(ScheduleCog(bot, tasks))
