"""The recap of a meeting: its words (thread embeds and the short DM) and where it is posted.

Pure string work for what the recap says; :func:`post_recap` and :func:`send_recap_dms` post it. Used by
``/meeting end``, the panel's **End the meeting** and the auto-close timer (:mod:`cogs._meeting`). Links are
masked (``[Read the recap](…)``), so a screen reader says words instead of an address with three long
numbers, and each date is given once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord.utils import escape_markdown, format_dt

from bot import permissions
from bot.community_text import shown
from bot.meeting_session import NO_ROLE, Recap
from bot.privacy.registry import FORGOTTEN
from bot.roles import label
from bot.text_limits import MESSAGE, chunk_mentions, fit, pack_sections
from cogs._names import session_name
from cogs._shared import NO_PINGS

if TYPE_CHECKING:
    from bot.app import CopBot

log = logging.getLogger(__name__)

LIMIT = 1900
RECAP_COLOUR = discord.Colour.blurple()
STATUS_WORDS = {"open": "still open", "answered": "answered"}
#: A question with a written answer that no facilitator has marked *Answered* yet: it is carried to the
#: next meeting (DESIGN.md keeps the two apart), but "still open" above its answer reads as if nobody
#: had answered the person who asked.
ANSWERED_IN_WRITING = "answered below, and kept for next time"


def _who(user_id: int) -> str:
    return "nobody yet" if user_id == FORGOTTEN else f"<@{user_id}>"


def _role_name(key: str) -> str:
    return "No role chosen yet" if key == NO_ROLE else label(key)


def _quote(text: str, limit: int = 300) -> str:
    one_line = " ".join(text.split())
    if len(one_line) > limit:
        one_line = one_line[: limit - 1] + "…"
    return escape_markdown(one_line)


def recap_heading(recap: Recap) -> str:
    """The recap's first line: the meeting named with its date once, then only the times it ran."""
    s = recap.session
    return (
        f"Recap of {session_name(s)} ({format_dt(s.started_at, 't')} to {format_dt(s.ended_at or s.started_at, 't')})"
    )


def recap_sections(recap: Recap) -> list[tuple[str, list[str]]]:
    """The recap as titled sections of lines (one embed each, packed by the caller). Pure string work."""
    n = recap.attendance_count
    who: list[str] = []
    for role, ids in recap.by_role.items():
        line = f"• {_role_name(role)}: {len(ids)}"
        if recap.show_names:
            line += " (" + ", ".join(_who(i) for i in ids) + ")"
        who.append(line)
    sections: list[tuple[str, list[str]]] = [(f"Who came: {n} {'person' if n == 1 else 'people'}", who)]
    questions: list[str] = []
    for q in recap.questions:
        votes = f", {q.votes} “me too”" if q.votes else ""
        # No numbers: nobody types a question's number, and its words say which one it was (issue 25).
        status = ANSWERED_IN_WRITING if q.status == "open" and q.answer else STATUS_WORDS.get(q.status, q.status)
        questions.append(f"• {_quote(q.text)} ({status}{votes})")
        if q.answer:
            questions.append(f"  Answer: {_quote(q.answer, 600)}")
    sections.append((f"Questions asked ({len(recap.questions)})", questions or ["None."]))
    if recap.terms:
        sections.append(
            (
                f"Words explained ({len(recap.terms)})",
                [f"• **{shown(t.term)}**: {_quote(t.meaning, 600)}" for t in recap.terms]
                + ["They are in the glossary: type /glossary to see them again."],
            )
        )
    tasks = [
        f"• “{_quote(t.description)}”, for {_who(t.assignee_id)}, due {format_dt(t.due_at, 'D')}" for t in recap.tasks
    ]
    sections.append((f"Tasks agreed ({len(recap.tasks)})", tasks or ["None."]))
    if recap.breakouts:
        groups: list[str] = []
        for index, breakout in enumerate(recap.breakouts, start=1):
            if len(recap.breakouts) > 1:
                groups.append(f"Breakout {index}:")
            for g, members in enumerate(breakout, start=1):
                groups.append(f"• Group {g}: " + ", ".join(_who(m) for m in members))
        sections.append(("Breakout groups", groups))
    open_now = len(recap.carried)
    carried = (
        [
            f"{open_now} {'question is' if open_now == 1 else 'questions are'} kept for next time (above). "
            f"{'It' if open_now == 1 else 'They'} will be listed before the next meeting."
        ]
        if recap.carried
        else ["No open questions."]
    )
    sections.append(("Carried to the next meeting", carried))
    return sections


def recap_messages(recap: Recap) -> list[list[discord.Embed]]:
    """The recap's thread messages: embeds, so a long recap takes few messages (see ``pack_sections``)."""
    return [
        [discord.Embed(title=title, description=text, colour=RECAP_COLOUR) for title, text in message]
        for message in pack_sections(recap_sections(recap))
    ]


def recap_dm(recap: Recap, guild_name: str, link: str | None) -> str:
    """The recap for someone who missed the meeting. Never a question's text or number (see DESIGN.md)."""
    s = recap.session
    n = recap.attendance_count
    lines = [
        f"Hello! You missed {session_name(s)} in **{escape_markdown(guild_name)}**. "
        "Here is what happened, so you are not left out.",
        f"• {n} {'person' if n == 1 else 'people'} came.",
        f"• {len(recap.questions)} {'question was' if len(recap.questions) == 1 else 'questions were'} asked"
        + (f"; {len(recap.carried)} carried to the next meeting." if recap.carried else "."),
    ]
    if recap.tasks:
        lines.append("• Tasks agreed:")
        for t in recap.tasks:
            lines.append(f"  – “{_quote(t.description, 120)}”, due {format_dt(t.due_at, 'D')}")
    read = f"\n[Read the full recap]({link})." if link else ""
    stop = "\nDon't want these messages? Use `/profile` in the server and turn recaps off."
    text = "\n".join(lines) + read + stop
    if len(text) > LIMIT:
        tail = read + "\n(Some tasks are left out here: see `/task list`.)" + stop
        text = "\n".join(lines)[: LIMIT - len(tail)].rsplit("\n", 1)[0] + tail
    return text


@dataclass(frozen=True, slots=True)
class PostedRecap:
    """A closed meeting's recap and where it was posted."""

    recap: Recap
    link: str | None
    #: The recap thread (or the meeting channel where threads are not allowed); ``None`` when there
    #: was nowhere to post it.
    where: discord.abc.Messageable | None
    #: Whether "Send the check-in" is waiting on the closed facilitator panel (else it goes to the
    #: facilitator who ended the meeting, privately: never under a post members see).
    offered_on_panel: bool = False


async def send_recap_dms(bot: CopBot, guild: discord.Guild, posted: PostedRecap) -> int:
    """The short recap to each member with a role who missed the meeting (unless recaps are off).

    Members whose direct messages are closed are mentioned once under the recap instead, as
    reminders fall back to a mention, so nobody who missed the meeting is left without it.
    """
    recap = posted.recap
    here = {m.id for m in guild.members if not m.bot}
    sent = 0
    unreachable: list[int] = []
    for user_id in await bot.meeting_sessions.recap_recipients(recap, here):
        member = guild.get_member(user_id)
        if member is None:
            continue
        try:
            await member.send(recap_dm(recap, guild.name, posted.link), allowed_mentions=NO_PINGS)
            sent += 1
        except discord.HTTPException:
            log.info("Could not send the recap to member %s (DMs closed); mentioning them under it", user_id)
            unreachable.append(user_id)
    if unreachable and posted.where is not None:
        lead = "You missed this meeting and I couldn't send you a message, so here is its recap: "
        for text, ids in chunk_mentions([(f"<@{i}>", [i]) for i in unreachable], MESSAGE - len(lead), separator=" "):
            try:
                await posted.where.send(
                    lead + text, allowed_mentions=discord.AllowedMentions(users=[discord.Object(id=i) for i in ids])
                )
            except discord.HTTPException:
                log.warning("Could not mention the members who missed meeting %s under its recap", recap.session.id)
                break
    return sent


async def post_recap(
    bot: CopBot, guild: discord.Guild, recap: Recap, fallback: Any = None, *, offered_on_panel: bool = False
) -> PostedRecap:
    """Post the recap in a thread of the meeting channel (or in the channel itself)."""
    settings = await bot.settings.get(guild.id)
    channel = guild.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
    if not isinstance(channel, discord.TextChannel):
        channel = fallback if isinstance(fallback, discord.TextChannel) else None
    parts = await asyncio.to_thread(recap_messages, recap)
    link: str | None = None
    target: discord.abc.Messageable | None = None
    if channel is not None:
        me = guild.me
        can_thread = me is not None and not permissions.missing(
            permissions.RECAP_THREAD, lambda flag: getattr(channel.permissions_for(me), flag)
        )
        n = recap.attendance_count
        head = await channel.send(
            f"{recap_heading(recap)}: {n} {'person' if n == 1 else 'people'} came."
            + (" The recap is in the thread below." if can_thread else ""),
            allowed_mentions=NO_PINGS,
        )
        link = head.jump_url
        target = channel
        if can_thread:
            try:
                target = await head.create_thread(name=fit(f"Recap of {recap.session.title}", 100))
            except discord.HTTPException:
                log.info("Could not open a recap thread in channel %s; posting in the channel", channel.id)
                target = channel
        for index, embeds in enumerate(parts):
            await target.send(recap_heading(recap) if index == 0 else None, embeds=embeds, allowed_mentions=NO_PINGS)
        await bot.meeting_sessions.sessions.set_recap(recap.session.id, channel.id, head.id)
    else:
        log.warning(
            "No meeting channel in server %s: the recap of meeting %s was not posted", guild.id, recap.session.id
        )
    return PostedRecap(recap, link, target, offered_on_panel)
