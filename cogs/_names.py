"""One way of naming a meeting wherever members read it: its title and its date.

A meeting's number (``#3``) is for the facilitators who type it (``/meeting start id``, ``/meeting
cancel id``, ``/pulse results meeting``); members are never asked to, so they never see it. The date is
a Discord timestamp, so each reader sees it in their own calendar; for a meeting that began early or
late it is the date it was planned for (``MeetingSession.held_on``), the one members were told.
"""

from __future__ import annotations

from datetime import datetime

from discord.utils import escape_markdown, format_dt

from bot.storage.meeting_sessions import MeetingSession
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


def session_name(session: MeetingSession, style: str = "D") -> str:
    """A held meeting as members see it named, with its date given once: a planned meeting by its title
    and date (:func:`meeting_name`); one started without a plan is already titled by its date
    (:func:`bot.meeting_session.default_title`), so by its title alone."""
    if session.meeting_id is None:
        return f"**{meeting_title(session.title)}**"
    return meeting_name(session.title, session.held_on, style)
