"""The words copbot uses for tasks, reminders and digests: plain, kind, and with Discord timestamps.

A meeting is named the same way everywhere members read it (:mod:`cogs._names`): its title and its date.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from zoneinfo import ZoneInfo

import discord
from discord.utils import escape_markdown, format_dt

from bot.attendance_chart import attendance_lines, chart_description
from bot.community_text import shown
from bot.meeting_session import AttendanceRow
from bot.privacy.registry import FORGOTTEN
from bot.reminders.digest import Digest, DigestItem
from bot.storage.tasks import Task
from bot.text_limits import MESSAGE, escape_then_fit, fit, fit_lines
from bot.welcome.steps import aims_summary
from cogs._names import meeting_name, meeting_title

LATE = "Sorry this is late: copbot was offline for a while.\n"
NOBODY = "nobody yet (copbot no longer keeps anything about the person who was doing it)"
#: How the public list says a task's date has passed (only from the day after it): kind, not "overdue".
RUNNING_LATE = "running late, and that's OK"
PRESS = "Press **Done** when it's finished, or **Need more time** if you need it."


def who(user_id: int) -> str:
    """A mention, or words for a task whose person was forgotten."""
    return NOBODY if user_id == FORGOTTEN else f"<@{user_id}>"


def quoted(task: Task) -> str:
    """A task as people read it: its own words, never its number. Nobody needs the number: the
    ``id`` option of ``/task done``, ``edit`` and ``remove`` lists tasks by their words (issue 25)."""
    return f"“{escape_markdown(task.description)}”"


def choice_name(task: Task, tz: ZoneInfo) -> str:
    """A task in the ``id`` option's list: its words and the day it is due, within Discord's 100
    characters (the number is what Discord sends back, so nobody has to type it)."""
    day = task.due_at.astimezone(tz)
    due = f", due {day.day} {day:%B}"
    room = 100 - len(due)
    words = task.description if len(task.description) <= room else task.description[: room - 1].rstrip() + "…"
    return words + due


def task_line(task: Task, now_overdue: bool, *, owner: bool = True) -> str:
    """A task in a private list (``/task list``): the word "overdue" is for the person asking only."""
    line = quoted(task)
    if owner:
        line += f" for {who(task.assignee_id)}"
    line += f", due {format_dt(task.due_at, 'f')}"
    if now_overdue:
        line += " (**overdue**)"
    return line


def reminder_text(task: Task, kind: str, guild_name: str, late: bool) -> str:
    where = f"in **{escape_markdown(guild_name)}**"
    if kind.startswith("before:"):
        text = (
            f"Hello! A friendly reminder {where}. Your task {quoted(task)} is due "
            f"{format_dt(task.due_at, 'F')} ({format_dt(task.due_at, 'R')}). {PRESS}"
        )
    elif kind == "due":
        today = format_dt(task.due_at, "t")
        text = f"Hello! Your task {quoted(task)} {where} is due today, at {today}. {PRESS}"
    else:
        text = (
            f"Hello! Just checking in about your task {quoted(task)} {where}, which was due "
            f"{format_dt(task.due_at, 'D')}. No worries if it has slipped. If it's done, press **Done**. "
            "If you need more time, that's fine too: press **Need more time**."
        )
    return (LATE if late else "") + text


def given_text(task: Task, by_name: str, guild_name: str, *, new: bool) -> str:
    """The DM to the person a task was given (or passed) to."""
    what = "gave you a task" if new else "passed a task to you"
    return (
        f"Hello! {escape_markdown(by_name)} {what} in **{escape_markdown(guild_name)}**: "
        f"{quoted(task)}, due {format_dt(task.due_at, 'F')} ({format_dt(task.due_at, 'R')}). "
        f"I'll send you a reminder before then. {PRESS}"
    )


def digest_line(item: DigestItem) -> str:
    """One task in the list before a meeting: late only from the day after its date, and kindly."""
    line = f"{quoted(item.task)}, due {format_dt(item.task.due_at, 'D')}"
    notes = [RUNNING_LATE] if item.past_due else []
    if item.agreed_last_time:
        notes.append("agreed at the last meeting")
    return line + (f" ({'; '.join(notes)})" if notes else "")


def digest_entries(digest: Digest, late: bool, pinged: Collection[int]) -> list[tuple[str, list[int]]]:
    """The public digest as ``(line, ids it pings)`` for :func:`bot.text_limits.chunk_mentions`.

    Everyone with an open task is named; only ``pinged`` (people whose own list could not reach them by
    DM) are notified by it. Each task appears once.
    """
    meeting = digest.meeting
    head = (
        f"{LATE if late else ''}**Coming up: {meeting_title(meeting.title)}**, "
        f"{format_dt(meeting.starts_at, 'F')} ({format_dt(meeting.starts_at, 'R')})."
    )
    entries: list[tuple[str, list[int]]] = [(head, [])]
    if digest.by_owner:
        entries.append(("Here are the open tasks, by person. Everyone also has their own list by message.", []))
        for owner, items in digest.by_owner:
            # One entry per person, so a message never splits a person from their own tasks.
            lines = [f"\n{who(owner)}:", *(f"• {digest_line(i)}" for i in items)]
            entries.append((fit("\n".join(lines), 1900), [owner] if owner in pinged else []))
    else:
        entries.append(("There are no open tasks. Well done, everyone!", []))
    if digest.questions:
        entries.append(("\nQuestions still open from last time:", []))
        for q in digest.questions:
            text = escape_then_fit(" ".join(q.text.split()), 200, escape_markdown)
            entries.append((f"• {text}", []))
    return entries


def aims_line(aims: str) -> str:
    """The community's current aims in the digest (issue 30): the heart of them, and where the rest is."""
    summary, cut = aims_summary(aims)
    return f"**Our aims:** {shown(summary)}" + (" (More with /aims.)" if cut else "")


def digest_dm(digest: Digest, owner: int, guild_name: str, buttons: int) -> str:
    """A person's own list before a meeting (``buttons``: how many of the tasks have buttons below)."""
    meeting = digest.meeting
    items = digest.dms[owner]
    head = (
        f"Hello! {meeting_name(meeting.title, meeting.starts_at, 'F')} ({format_dt(meeting.starts_at, 'R')}). "
        f"Here are your open tasks in **{escape_markdown(guild_name)}**:"
    )
    if len(items) == 1:
        return fit_lines([f"• {digest_line(items[0])}"], MESSAGE, head=head, foot=PRESS)
    # Numbered as their buttons are (:func:`cogs.tasks._views.task_view`).
    lines = [f"{place}. {digest_line(item)}" for place, item in enumerate(items, 1)]
    if buttons < len(items):
        foot = f"The buttons below are for tasks 1 to {buttons}. `/task list` shows them all. Thank you!"
    else:
        foot = "Each task has its own **Done** and **Need more time** buttons below, with its number. Thank you!"
    return fit_lines(
        lines,
        MESSAGE,
        head=head,
        foot=foot,
        more=lambda n: f"…and {n} more: `/task list` shows them all.",
    )


def attendance_message(rows: list[AttendanceRow], png: bytes, tz_name: str) -> tuple[str, discord.File]:
    """``/meeting attendance``: a list a screen reader reads in order (each date once, as a timestamp), and
    the chart with a description, its alternative text."""
    head = f"**Attendance by role, last {len(rows)} {'meeting' if len(rows) == 1 else 'meetings'}**"
    text = fit_lines(attendance_lines(rows, lambda when: format_dt(when, "D")), MESSAGE, head=head)
    described = chart_description(rows, tz_name)
    return text, discord.File(io.BytesIO(png), filename="attendance.png", description=described)
