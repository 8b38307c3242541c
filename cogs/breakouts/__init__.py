"""Breakout rooms (issue 5): the cog lives in ``_cog.py``, its buttons and form in ``_views.py``, its Discord
steps in ``_discord.py``; the orchestration is :mod:`bot.breakout_service`."""

from __future__ import annotations

from bot.app import CopBot
from cogs.breakouts._cog import BreakoutsCog


async def setup(bot: CopBot) -> None:
    await bot.add_cog(BreakoutsCog(bot))
