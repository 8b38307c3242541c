"""What the breakout feature shows: plans, room notes, reports, names. Text only: no Discord calls here.

Member-facing texts (a room's welcome, where to go, more time, the help reply) are short and plain,
with no decorative emoji a screen reader would speak, and each time given once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

import discord
from discord.utils import format_dt

from bot.breakout_rooms import EXTRA_MINUTES, HelpRequest
from bot.breakout_service import Closed, Opened
from bot.breakouts import DISCUSSION_PROMPT, open_report, people, room_name
from bot.roles import FACILITATOR, short_label
from bot.storage.breakouts import BreakoutSession, PlannedMember
from bot.text_limits import MESSAGE, fit_lines

#: A plan's longest text: a little under Discord's 2,000 characters.
_MESSAGE_LIMIT = 1900
TIMER_NOTE_CLOSED = "The breakout rooms have closed."


def name_of(member: discord.abc.User | None, user_id: int) -> str:
    """A member's display name, safe to put in bold text; someone who has left is still named somehow."""
    if member is None:
        return f"someone who has left (#{user_id})"
    return discord.utils.escape_markdown(member.display_name)


def namer(guild: discord.Guild) -> Callable[[int], str]:
    """``name(user_id)`` for the service's sentences (plans, refusals that name people)."""
    return lambda user_id: name_of(guild.get_member(user_id), user_id)


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


def _member_line(guild: discord.Guild, member: PlannedMember) -> str:
    """One person in a room's note, in words a screen reader says well (no symbols)."""
    role = short_label(member.role)
    if member.is_facilitator and member.role != FACILITATOR:
        role += ", facilitator"
    return f"• {name_of(guild.get_member(member.user_id), member.user_id)} ({role})"


def room_note(guild: discord.Guild, room: str, group: Sequence[PlannedMember], ends_at: datetime | None) -> str:
    """A room's welcome: its members, the discussion prompt, when it closes (a relative timestamp, so
    everyone sees a countdown in their own time) and what the help button does."""
    names = [_member_line(guild, m) for m in group]
    timer = f"\n\nThis room closes {format_dt(ends_at, 'R')}." if ends_at else ""
    foot = (
        f"**To talk about:** {DISCUSSION_PROMPT}{timer}\n\n"
        "Need a facilitator? Press **Ask for help** and one will come."
    )
    return fit_lines(names, MESSAGE, head=f"**Welcome to {room}!**", foot=foot)


def where_to_go(guild_name: str, room: str, link: str) -> str:
    """The DM for someone who is not in voice when the rooms open: a masked link, not a raw address."""
    return (
        f"Breakout groups have started in **{discord.utils.escape_markdown(guild_name)}**. "
        f"Your group is [{room}]({link}). Press the link to join it."
    )


def joined_text(name: str) -> str:
    """What a room reads when someone is added to it while it is open."""
    return f"**{name}** has joined this group."


def more_time_text(ends_at: datetime) -> str:
    """What every room reads after **Add 5 minutes**."""
    return f"**{EXTRA_MINUTES} more minutes.** This room now closes {format_dt(ends_at, 'R')}."


def timer_note(rooms: int, ends_at: datetime) -> str:
    """The facilitators' note for a timed breakout: when it ends, and that any of them may add time."""
    return (
        f"**Breakout rooms are open** ({rooms} rooms). They close {format_dt(ends_at, 'R')}, "
        "with a one-minute warning first. Any facilitator may press **Add 5 minutes** to give every room more time."
    )


def open_text(opened: Opened, name: Callable[[int], str]) -> str:
    """The facilitator's result once the rooms are open (or the sentence saying opening was undone)."""
    if opened.failure:
        return opened.failure
    named = replace(opened.result, not_moved=[name(uid) for uid in opened.not_moved])
    lines = open_report(len(opened.session.channel_ids), named, opened.unposted)
    if opened.ends_at:
        lines.append(f"The rooms close {format_dt(opened.ends_at, 'R')}, with a one-minute warning first.")
    lines.append("Use `/breakout broadcast` to message every room and `/breakout close` to bring everyone back.")
    return "\n".join(lines)


def close_text(closed: Closed) -> str:
    """The facilitator's result of closing the rooms (by hand or by the timer)."""
    where = f"to <#{closed.back_id}>" if closed.back_id is not None else "out of the breakout rooms"
    if closed.left:
        it = "it" if len(closed.left) == 1 else "them"
        rooms = ", ".join(f"<#{c}>" for c in closed.left)
        return (
            f"Breakout rooms closed: {people(closed.moved)} brought back {where}. Discord would not let me remove "
            f"{rooms}, so please delete {it} by hand."
        )
    text = f"Breakout rooms closed: {people(closed.moved)} brought back {where}, and the rooms were removed."
    if closed.failed:
        text += f" I could not move {people(closed.failed)}; the room removal disconnected them."
    return text


def help_call(role_id: int | None, room_id: int, who: str) -> str:
    """The facilitators' call from a room's **Ask for help**: their role mentioned (copbot's own words,
    never typed text), and the room as a channel link that a screen reader reads by its name."""
    call = f"<@&{role_id}> " if role_id is not None else ""
    return f"{call}<#{room_id}> would like a facilitator to join them (asked by {who}). Please go to the room."


def help_sent(room: str) -> str:
    """The member's private reply once the facilitators have been called."""
    return f"Thank you. I have asked a facilitator to come to {room}. Someone is on their way."


def help_already(request: HelpRequest, room: str) -> str:
    """The reply when the room has already asked within the cool-down."""
    when = f" {format_dt(request.last_asked, 'R')}" if request.last_asked else ""
    return (
        f"A facilitator has already been asked to come to {room}{when}. Someone is on their way. Thank you for waiting."
    )
