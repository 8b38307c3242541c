"""The words copbot uses for tasks, reminders and digests: plain, kind, and with Discord timestamps."""

from __future__ import annotations

from datetime import datetime

from discord.utils import escape_markdown, format_dt

from bot.meeting_session import Carried
from bot.privacy.registry import FORGOTTEN
from bot.storage.meetings import Meeting
from bot.storage.tasks import Task

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


def chunks(lines: list[str], limit: int = 1900) -> list[str]:
    """Split lines into messages that fit Discord's 2,000-character limit."""
    out: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            out.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:limit]
    if current:
        out.append(current)
    return out


def digest_lines(meeting: Meeting, tasks: list[Task], now: datetime, late: bool) -> list[str]:
    head = (
        f"{LATE if late else ''}**Coming up: meeting #{meeting.number}, {escape_markdown(meeting.title)}**, "
        f"{format_dt(meeting.starts_at, 'F')} ({format_dt(meeting.starts_at, 'R')})."
    )
    if not tasks:
        return [head, "There are no open tasks. Well done, everyone!"]
    lines = [head, "Here are the open tasks, by person. If yours is done, use `/task done`."]
    by_owner: dict[int, list[Task]] = {}
    for task in tasks:
        by_owner.setdefault(task.assignee_id, []).append(task)
    for owner, owned in by_owner.items():
        lines.append(f"\n{who(owner)}:")
        lines.extend(f"• {task_line(t, t.is_overdue(now), owner=False)}" for t in owned)
    return lines


def carried_lines(carried: Carried | None) -> list[str]:
    """What the last meeting left for this one: its open questions and its tasks still open."""
    if carried is None or not (carried.questions or carried.tasks):
        return []
    s = carried.session
    lines = [f"\n**Carried from meeting #{s.number}, {escape_markdown(s.title)}**"]
    if carried.questions:
        lines.append("Questions still open:")
        for q in carried.questions:
            text = " ".join(q.text.split())
            text = text if len(text) <= 200 else text[:199] + "…"
            lines.append(f"• Question #{q.number}: {escape_markdown(text)}")
    if carried.tasks:
        lines.append("Tasks agreed then and still open:")
        lines.extend(
            f"• **#{t.number}** “{escape_markdown(t.description)}” for {who(t.assignee_id)}, "
            f"due {format_dt(t.due_at, 'D')}"
            for t in carried.tasks
        )
    return lines
