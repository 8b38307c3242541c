"""Anonymous questions: ``/ask``, ``/explain``, ``/questions``, and questions sent by DM."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import CopBot


async def setup(bot: CopBot) -> None:
    from cogs.questions._cog import QuestionsCog

    await bot.add_cog(QuestionsCog(bot))
