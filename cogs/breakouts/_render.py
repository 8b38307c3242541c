"""What the breakout feature shows: plans, room notes, names. Text only: no Discord calls are made here.

Kept apart from the cog so ``_cog.py`` holds commands, buttons and the Discord steps they take.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.breakouts import DISCUSSION_PROMPT, room_name
from bot.grouping import Plan
from bot.roles import short_label
from bot.storage.breakouts import BreakoutSession, PlannedMember
from bot.text_limits import MESSAGE, fit_lines

#: A plan's longest text: a little under Discord's 2,000 characters.
_MESSAGE_LIMIT = 1900


def name_of(member: discord.abc.User | None, user_id: int) -> str:
    """A member's display name, safe to put in bold text; someone who has left is still named somehow."""
    if member is None:
        return f"someone who has left (#{user_id})"
    return discord.utils.escape_markdown(member.display_name)


def plan_summary(plan: Plan, without_role: int, source: str) -> str:
    """The mix report in plain words: totals only (each member's role is shown in the group list)."""
    lines = plan.report.lines(short_label)[len(plan.groups) :]
    lines.insert(0, f"Drawn from {source}.")
    return "\n".join(lines) + without_role_line(without_role)


def without_role_line(without_role: int) -> str:
    """The plan's note about people counted as Other, on a line of its own (empty when there are none)."""
    if not without_role:
        return ""
    who = "1 member has" if without_role == 1 else f"{without_role} members have"
    return f"\n{who} not chosen a role yet and counted as Other (they can use `/profile`)."


def render_plan(guild: discord.Guild, session: BreakoutSession) -> str:
    """The groups (names, roles, ★ for facilitators) and the mix report; shorter forms for big plans."""
    head = f"**Breakout plan** ({session.member_count} people, {len(session.groups)} groups of about {session.size})"
    foot = "★ marks each group's facilitator. Choose **Open rooms** to start, or **Reshuffle** for another mix."

    def full(number: int, group: tuple) -> str:  # type: ignore[type-arg]
        lines = [f"**{room_name(number)}**"]
        for m in group:
            mark = "★ " if m.is_facilitator else "• "
            lines.append(f"{mark}{name_of(guild.get_member(m.user_id), m.user_id)} ({short_label(m.role)})")
        return "\n".join(lines)

    def compact(number: int, group: tuple) -> str:  # type: ignore[type-arg]
        names = ", ".join(
            ("★" if m.is_facilitator else "") + name_of(guild.get_member(m.user_id), m.user_id) for m in group
        )
        return f"**{room_name(number)}**: {names}"

    for render in (full, compact):
        body = "\n".join(render(i, g) for i, g in enumerate(session.groups, start=1))
        text = f"{head}\n\n{body}\n\n{session.summary}\n\n{foot}"
        if len(text) <= _MESSAGE_LIMIT:
            return text
    room = _MESSAGE_LIMIT - len(head) - len(session.summary) - len(foot) - 80
    shown: list[str] = []
    for i, g in enumerate(session.groups, start=1):
        line = compact(i, g)
        if sum(len(s) + 1 for s in shown) + len(line) > room:
            shown.append(f"…and {len(session.groups) - i + 1} more groups (each room will list its members).")
            break
        shown.append(line)
    return f"{head}\n\n" + "\n".join(shown) + f"\n\n{session.summary}\n\n{foot}"


def room_note(guild: discord.Guild, room: str, group: tuple[PlannedMember, ...], ends_at: datetime | None) -> str:
    """A room's welcome: its members, the discussion prompt, when it closes (a relative timestamp,
    so everyone sees a countdown in their own time) and what the help button does."""
    names = [
        ("★ " if m.is_facilitator else "• ")
        + name_of(guild.get_member(m.user_id), m.user_id)
        + f" ({short_label(m.role)})"
        for m in group
    ]
    timer = f"\n\nThis room closes {discord.utils.format_dt(ends_at, 'R')}." if ends_at else ""
    foot = (
        f"★ facilitator\n\n**To talk about:** {DISCUSSION_PROMPT}{timer}\n\n"
        "Stuck, or need a facilitator? Press **Ask for help** and one will come to this room."
    )
    return fit_lines(names, MESSAGE, head=f"**Welcome to {room}!**", foot=foot)


def timer_note(rooms: int, ends_at: datetime) -> str:
    """The facilitators' note for a timed breakout: when it ends, and that any of them may add time."""
    return (
        f"⏱️ **Breakout rooms are open** ({rooms} rooms). They close {discord.utils.format_dt(ends_at, 'R')}, "
        "with a one-minute warning first. Any facilitator may press **Add 5 minutes** to give every room more time."
    )


TIMER_NOTE_CLOSED = "⏱️ The breakout rooms have closed."
