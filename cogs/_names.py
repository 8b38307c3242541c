"""One way of naming a meeting wherever members read it: its title and its date.

A meeting's number (``#3``) is for the facilitators who type it (``/meeting start id``, ``/meeting
cancel id``, ``/pulse results meeting``); members are never asked to, so they never see it. The date is
a Discord timestamp, so each reader sees it in their own calendar; for a meeting that began early or
late it is the date it was planned for (``MeetingSession.held_on``), the one members were told.
"""

from __future__ import annotations

from datetime import datetime

from discord.utils import escape_markdown, format_dt

from bot.text_limits import escape_then_fit

#: Characters of a meeting title shown, after escaping.
TITLE_SHOWN = 120


def meeting_title(title: str) -> str:
    """A meeting title as shown: escaped first, then fitted (escaping can double its length)."""
    return escape_then_fit(title, TITLE_SHOWN, escape_markdown)


def meeting_name(title: str, on: datetime, style: str = "D") -> str:
    """A meeting as members see it named: its title in bold and its date (``style``: a Discord
    timestamp style, ``"F"`` to add the time)."""
    return f"**{meeting_title(title)}** on {format_dt(on, style)}"
