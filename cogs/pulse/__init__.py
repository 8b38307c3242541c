"""The anonymous check-in after a meeting: ``/pulse start|results|close`` and its DM form."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import CopBot


async def setup(bot: CopBot) -> None:
    from cogs.pulse._cog import PulseCog

    await bot.add_cog(PulseCog(bot))
