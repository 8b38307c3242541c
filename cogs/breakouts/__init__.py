"""Breakout rooms (issue 5): the cog lives in ``_cog.py``, its buttons in ``_views.py``."""

from __future__ import annotations

from bot.app import CopBot
from cogs.breakouts._cog import BreakoutsCog


async def setup(bot: CopBot) -> None:
    await bot.add_cog(BreakoutsCog(bot))
