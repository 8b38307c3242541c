"""The Discord side of ``/meeting report``: build the report in :mod:`bot.report` and send it privately.

The command itself is declared with the other ``/meeting`` commands (:class:`cogs.tasks._meetings.MeetingsCog`);
this module only gathers the server's settings, asks :func:`bot.report.service.build_report` for the
page and its CSV, and attaches both to a private reply.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord

from bot.clock import utcnow
from bot.report.service import build_report
from cogs._shared import NO_PINGS, guild_of

if TYPE_CHECKING:
    from bot.app import CopBot

HELP_LINE = (
    "`/meeting report` makes a web page about the last 6 meetings, or as many as you choose. It shows who came, "
    "how people felt, and if tasks got done and questions answered. Anyone can open or print it. It names nobody."
)


async def send_report(bot: CopBot, interaction: discord.Interaction, last: int) -> None:
    """Reply privately with the report page and its CSV (errors are the bot-wide handler's sentence)."""
    guild = guild_of(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    settings = await bot.settings.get(guild.id)
    files = await build_report(
        bot.db,
        guild.id,
        last=last,
        community=guild.name,
        timezone=settings.timezone_or(bot.config.community.timezone),
        min_group=bot.config.pulse.min_group,
        now=utcnow(),
    )
    count = len(files.figures.meetings)
    fewer = f" Only {count} have been held, so it covers those." if count < last else ""
    await interaction.followup.send(
        f"Here is the report of the last {count} {'meeting' if count == 1 else 'meetings'}.{fewer} "
        "Open the web page in any browser; you can print it or save it as a PDF. "
        "The CSV file has the same numbers for a spreadsheet. The report names nobody.",
        files=[
            discord.File(io.BytesIO(files.html.encode("utf-8")), filename=files.html_name),
            discord.File(io.BytesIO(files.csv.encode("utf-8")), filename=files.csv_name),
        ],
        ephemeral=True,
        allowed_mentions=NO_PINGS,
    )
