"""``/icebreaker``: prompts that put everyone on an equal footing, and the speaking round."""

from __future__ import annotations

from bot.app import CopBot
from cogs.icebreakers._cog import IcebreakersCog


async def setup(bot: CopBot) -> None:
    await bot.add_cog(IcebreakersCog(bot))
