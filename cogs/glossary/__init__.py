"""The community's glossary: ``/glossary``, and the facilitators' buttons and forms to write it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import CopBot


async def setup(bot: CopBot) -> None:
    from cogs.glossary._cog import GlossaryCog

    await bot.add_cog(GlossaryCog(bot))
