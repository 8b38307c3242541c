"""The words copbot uses for tasks, reminders and digests: plain, kind, and with Discord timestamps."""

from __future__ import annotations

from datetime import datetime

from discord.utils import escape_markdown, format_dt

from bot.community_text import shown
from bot.meeting_session import Carried
from bot.privacy.registry import FORGOTTEN
from bot.storage.meetings import Meeting
from bot.storage.tasks import Task
from bot.text_limits import escape_then_fit, fit
from bot.welcome.steps import aims_summary

LATE = "Sorry this is late: copbot was offline for a while.\n"
NOBODY = "nobody yet (copbot no longer keeps anything about the person who was doing it)"


def who(user_id: int) -> str:
    """A mention, or words for a task whose person was forgotten."""
    return NOBODY if user_id == FORGOTTEN else f"<@{user_id}>"


def quoted(task: Task) -> str:
    return f"**#{task.number}** “{escape_markdown(task.description)}”"


def task_line(task: Task, now_overdue: bool, *, owner: bool = True) -> str:
    line = f"{quoted(task)}"
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
            f"Hello! A friendly reminder {where}: your task {quoted(task)} is due "
            f"{format_dt(task.due_at, 'F')} ({format_dt(task.due_at, 'R')})."
        )
    elif kind == "due":
        text = f"Hello! Your task {quoted(task)} {where} is due today, at {format_dt(task.due_at, 't')}."
    else:
        text = (
            f"Hello! Just checking in about your task {quoted(task)} {where}, which was due "
            f"{format_dt(task.due_at, 'D')}. No worries if it has slipped. If it's done, press **Done**. "
            "If you need more time, that's fine too: press **Need more time** and pick a new date."
        )
    return (LATE if late else "") + text


def digest_entries(meeting: Meeting, tasks: list[Task], now: datetime, late: bool) -> list[tuple[str, list[int]]]:
    """The digest as ``(line, ids of the people it mentions)``, for :func:`bot.text_limits.chunk_mentions`."""
    title = escape_then_fit(meeting.title, 120, escape_markdown)
    head = (
        f"{LATE if late else ''}**Coming up: meeting #{meeting.number}, {title}**, "
        f"{format_dt(meeting.starts_at, 'F')} ({format_dt(meeting.starts_at, 'R')})."
    )
    if not tasks:
        return [(head, []), ("There are no open tasks. Well done, everyone!", [])]
    entries: list[tuple[str, list[int]]] = [
        (head, []),
        ("Here are the open tasks, by person. If yours is done, use `/task done`.", []),
    ]
    by_owner: dict[int, list[Task]] = {}
    for task in tasks:
        by_owner.setdefault(task.assignee_id, []).append(task)
    for owner, owned in by_owner.items():
        # One entry per owner, so a message never splits a person from their own tasks' mention.
        lines = [f"\n{who(owner)}:", *(f"• {task_line(t, t.is_overdue(now), owner=False)}" for t in owned)]
        entries.append((fit("\n".join(lines), 1900), [] if owner == FORGOTTEN else [owner]))
    return entries


def aims_line(aims: str) -> str:
    """The community's current aims in the digest (issue 30): the heart of them, and where the rest is."""
    summary, cut = aims_summary(aims)
    return f"**Our aims:** {shown(summary)}" + (" (More with /aims.)" if cut else "")


def carried_entries(carried: Carried | None) -> list[tuple[str, list[int]]]:
    """What the last meeting left for this one, as digest entries ``(line, ids it mentions)``: its open
    questions and its tasks still open."""
    if carried is None or not (carried.questions or carried.tasks):
        return []
    s = carried.session
    entries: list[tuple[str, list[int]]] = [
        (f"\n**Carried from meeting #{s.number}, {escape_then_fit(s.title, 120, escape_markdown)}**", [])
    ]
    if carried.questions:
        entries.append(("Questions still open:", []))
        for q in carried.questions:
            text = escape_then_fit(" ".join(q.text.split()), 200, escape_markdown)
            entries.append((f"• Question #{q.number}: {text}", []))
    if carried.tasks:
        entries.append(("Tasks agreed then and still open:", []))
        for t in carried.tasks:
            line = (
                f"• **#{t.number}** “{escape_then_fit(t.description, 300, escape_markdown)}” for "
                f"{who(t.assignee_id)}, due {format_dt(t.due_at, 'D')}"
            )
            entries.append((line, [] if t.assignee_id == FORGOTTEN else [t.assignee_id]))
    return entries
