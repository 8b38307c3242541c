"""The welcome: new members' stepwise direct message, ``/welcome``, and the "Start here" post."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import CopBot


async def setup(bot: CopBot) -> None:
    from cogs.welcome._cog import WelcomeCog

    await bot.add_cog(WelcomeCog(bot))
