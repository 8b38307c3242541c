"""The Discord side of a meeting session: start, end, the recap (thread and DMs) and the panel.

Shared by ``/meeting start`` and ``/meeting end`` (in :mod:`cogs.tasks`), the facilitator panel's
buttons and the auto-close timer (in :mod:`cogs.meeting_session`). The decisions are made by
``bot.meeting_sessions`` (:mod:`bot.meeting_session`); this module only renders and posts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord.utils import escape_markdown, format_dt

from bot import permissions
from bot.clock import utcnow
from bot.meeting_session import NO_ROLE, Recap
from bot.privacy.registry import FORGOTTEN
from bot.roles import label
from bot.storage.meeting_sessions import MeetingSession
from bot.text_limits import MESSAGE, chunk_mentions, fit, pack_sections
from cogs._names import meeting_name
from cogs._shared import NO_PINGS, IdButton, for_facilitators
from cogs.questions._render import ask_view

if TYPE_CHECKING:
    from bot.app import CopBot

log = logging.getLogger(__name__)

LIMIT = 1900
RECAP_COLOUR = discord.Colour.blurple()
STATUS_WORDS = {"open": "still open", "answered": "answered"}


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
    s = recap.session
    return (
        f"Recap of {meeting_name(s.title, s.held_on)} "
        f"({format_dt(s.started_at, 't')} to {format_dt(s.ended_at or s.started_at, 't')})"
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
        questions.append(
            f"• **Question #{q.number}** ({STATUS_WORDS.get(q.status, q.status)}{votes}): {_quote(q.text)}"
        )
        if q.answer:
            questions.append(f"  ↳ Answer: {_quote(q.answer, 600)}")
    sections.append((f"Questions asked ({len(recap.questions)})", questions or ["None."]))
    tasks = [
        f"• **#{t.number}** “{_quote(t.description)}”, for {_who(t.assignee_id)}, due {format_dt(t.due_at, 'D')}"
        for t in recap.tasks
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
    carried = (
        [", ".join(f"Question #{q.number}" for q in recap.carried) + ". They will be listed before the next meeting."]
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
        f"Hello! You missed {meeting_name(s.title, s.held_on)} in **{escape_markdown(guild_name)}**. "
        "Here is what happened, so you are not left out.",
        f"• {n} {'person' if n == 1 else 'people'} came.",
        f"• {len(recap.questions)} {'question was' if len(recap.questions) == 1 else 'questions were'} asked"
        + (f"; {len(recap.carried)} carried to the next meeting." if recap.carried else "."),
    ]
    if recap.tasks:
        lines.append("• Tasks agreed:")
        for t in recap.tasks:
            lines.append(f"  – #{t.number} “{_quote(t.description, 120)}”, due {format_dt(t.due_at, 'D')}")
    if link:
        lines.append(f"Read the full recap here: {link}")
    lines.append("Don't want these messages? Use `/profile` with `recaps: False` in the server.")
    text = "\n".join(lines)
    if len(text) > LIMIT:
        tail = (
            f"\nRead the full recap here: {link}" if link else ""
        ) + "\n(Some tasks are left out here: see `/task list`.)"
        text = text[: LIMIT - len(tail)].rsplit("\n", 1)[0] + tail
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


def main_voice_members(guild: discord.Guild, main_voice_id: int | None) -> set[int]:
    channel = guild.get_channel(main_voice_id) if main_voice_id else None
    if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
        return set()
    return {m.id for m in channel.members if not m.bot}


async def start_meeting(bot: CopBot, interaction: discord.Interaction, number: int | None) -> None:
    """``/meeting start``: open the meeting, take attendance from voice, post the panel for the
    facilitators and a short welcome with **Ask without your name** for everyone."""
    guild = interaction.guild
    assert guild is not None
    settings = await bot.settings.get(guild.id)
    tz_name = settings.timezone_or(bot.config.community.timezone)
    present = main_voice_members(guild, settings.main_voice_id)
    session = await bot.meeting_sessions.start(
        guild.id, interaction.user.id, utcnow(), tz_name, meeting_number=number, present=present
    )
    await interaction.response.defer(ephemeral=True)
    schedule_auto_close(bot, session)
    voice = guild.get_channel(settings.main_voice_id) if settings.main_voice_id else None
    counting = (
        f"I'm noting who is in {voice.mention} ({len(present)} now)."
        if voice is not None
        else "No main voice channel is set (`/settings update main_voice`), so I can't take attendance."
    )
    closes = f"It closes by itself after {bot.config.meetings.max_hours} hours if nobody ends it."
    panel_where = await post_panel(bot, guild, session, settings.facilitator_channel_id, details=f"{counting} {closes}")
    welcome_where = await post_welcome(guild, session, settings.meeting_channel_id)
    await interaction.followup.send(
        f"{meeting_name(session.title, session.held_on)} has started. {counting} "
        f"{panel_where} {welcome_where} {closes}",
        ephemeral=True,
        allowed_mentions=NO_PINGS,
    )


#: The way to ask in front of everyone, under the meeting-start post.
ASK_LINE = "If you have a question, you can ask it without your name. Press the button below."


def welcome_text(session: MeetingSession) -> str:
    """The meeting-start post everyone sees: short, and named as members were told (a planned meeting's
    title and date, however early or late it began; an unplanned one's title is only a date)."""
    if session.meeting_id is None:
        return f"**The meeting has started.** Welcome, everyone!\n{ASK_LINE}"
    return f"{meeting_name(session.title, session.held_on)} has started. Welcome, everyone!\n{ASK_LINE}"


async def post_welcome(guild: discord.Guild, session: MeetingSession, channel_id: int | None) -> str:
    """Post the welcome with **Ask without your name** (the ``/ask`` form) in the meeting channel;
    returns a sentence for the facilitator saying where (or why not)."""
    channel = guild.get_channel(channel_id) if channel_id else None
    if not isinstance(channel, discord.TextChannel):
        return "There is no meeting channel (`/settings update meeting_channel`), so members got no welcome post."
    try:
        await channel.send(welcome_text(session), view=ask_view(), allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("Could not post the meeting welcome in channel %s", channel.id, exc_info=True)
        return f"I couldn't post the welcome for members in {channel.mention}."
    return f"Members have a welcome post with **Ask without your name** in {channel.mention}."


async def end_meeting(
    bot: CopBot, guild: discord.Guild, *, number: int | None = None, fallback: Any = None
) -> PostedRecap:
    recap = await bot.meeting_sessions.end(guild.id, utcnow(), session_number=number)
    unschedule_auto_close(bot, recap.session)
    bot.dispatch("meeting_ended", guild.id)  # memory-only meeting state (mutes, asker links) is dropped
    offered = await disable_panel(bot, guild, recap.session, offer=check_in_offer(bot, recap))
    return await post_recap(bot, guild, recap, fallback, offered_on_panel=offered)


def check_in_offer(bot: CopBot, recap: Recap) -> discord.ui.View | None:
    """The "Send the check-in" button (set by the pulse cog), when someone came to the meeting."""
    offer = getattr(bot, "pulse_offer", None)
    return offer(recap.session.number) if offer is not None and recap.attendance_count else None


async def offer_check_in(bot: CopBot, interaction: discord.Interaction, posted: PostedRecap) -> None:
    """No panel took the offer: give "Send the check-in" to the facilitator who ended the meeting,
    privately (the "meeting has ended" post is public, and members cannot press it)."""
    view = None if posted.offered_on_panel else check_in_offer(bot, posted.recap)
    if view is not None:
        await interaction.followup.send(offer_sentence(posted.recap), view=view, ephemeral=True)


def offer_sentence(recap: Recap) -> str:
    n = recap.attendance_count
    return f"Send the anonymous check-in to the {n} {'person' if n == 1 else 'people'} who came?"


def ended_sentence(posted: PostedRecap) -> str:
    recap, link = posted.recap, posted.link
    s = recap.session
    where = f" The recap is here: {link}" if link else " There is no meeting channel, so the recap was not posted."
    return f"{meeting_name(s.title, s.held_on)} has ended. {recap.attendance_count} came.{where}"


# -- auto-close -------------------------------------------------------------------------------------


def _job_id(session: MeetingSession) -> str:
    return f"meeting-auto-close:{session.id}"


def schedule_auto_close(bot: CopBot, session: MeetingSession) -> None:
    bot.scheduler.add_job(
        auto_close,
        "date",
        run_date=bot.meeting_sessions.closes_at(session),
        args=(bot, session.guild_id, session.number),
        id=_job_id(session),
        replace_existing=True,
        misfire_grace_time=None,
        coalesce=True,
    )


def unschedule_auto_close(bot: CopBot, session: MeetingSession) -> None:
    job = bot.scheduler.get_job(_job_id(session))
    if job is not None:
        job.remove()


async def auto_close(bot: CopBot, guild_id: int, number: int) -> None:
    """A meeting left open past ``meetings.max_hours`` closes itself, with its recap."""
    guild = bot.get_guild(guild_id)
    if guild is None:
        return
    from bot.errors import UserError

    try:
        posted = await end_meeting(bot, guild, number=number)
    except UserError:
        return  # already ended
    await send_recap_dms(bot, guild, posted)
    log.info("Meeting %s in server %s closed itself after %s hours", number, guild_id, bot.config.meetings.max_hours)


# -- the facilitator panel --------------------------------------------------------------------------


class _PanelButton(IdButton):
    """A panel button; ``target_id`` is the meeting's per-server number."""

    prefix = "copbot:meeting"

    async def _session(self, interaction: discord.Interaction) -> MeetingSession:
        """The running meeting this panel is for (the clicker was checked by :func:`for_facilitators`)."""
        assert interaction.guild is not None
        bot: CopBot = interaction.client  # type: ignore[assignment]
        session = await bot.meeting_sessions.current(interaction.guild.id)
        if session is None or session.number != self.target_id:
            from bot.errors import UserError

            raise UserError("That meeting has already ended.")
        return session

    async def _run_command(self, interaction: discord.Interaction, path: str, **options: Any) -> None:
        """Run one of copbot's existing slash commands for the clicker (checks already done)."""
        group_name, name = path.split(" ")
        group = interaction.client.tree.get_command(group_name)  # type: ignore[attr-defined]
        command = group.get_command(name) if isinstance(group, discord.app_commands.Group) else None
        if command is None:
            from bot.errors import UserError

            raise UserError("That feature is not available right now.")
        await command.callback(command.binding, interaction, **options)  # type: ignore[arg-type]


class RoundButton(_PanelButton, action="round"):
    label = "Icebreaker round"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        await self._run_command(interaction, "icebreaker round")


class PlanButton(_PanelButton, action="plan"):
    label = "Plan breakouts"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        session = await self._session(interaction)
        await interaction.response.send_modal(PlanModal(session.number))


class PlanModal(discord.ui.Modal, title="Plan breakout groups"):
    size: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="People per group (2 to 25)", custom_id="size", max_length=2, default="5"
    )

    def __init__(self, number: int) -> None:
        super().__init__(custom_id=f"copbot:meeting:planform:{number}")

    @for_facilitators
    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Re-checked on submit: the form may have been opened before the facilitator role was taken away,
        and the plan shows every member's role."""
        from bot.errors import UserError

        try:
            size = int(str(self.size.value).strip())
        except ValueError:
            raise UserError("Please type a number of people per group, from 2 to 25.") from None
        if not 2 <= size <= 25:
            raise UserError("Please type a number of people per group, from 2 to 25.")
        group = interaction.client.tree.get_command("breakout")  # type: ignore[attr-defined]
        command = group.get_command("plan") if isinstance(group, discord.app_commands.Group) else None
        if command is None:
            raise UserError("That feature is not available right now.")
        await command.callback(command.binding, interaction, size=size)  # type: ignore[arg-type]


class CloseBreakoutsButton(_PanelButton, action="close"):
    label = "Close breakouts"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        await self._run_command(interaction, "breakout close")


class QuestionsButton(_PanelButton, action="questions"):
    label = "Open questions"
    style = discord.ButtonStyle.secondary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        await self._run_command(interaction, "questions list")


class ActionButton(_PanelButton, action="action"):
    label = "Add an action"
    style = discord.ButtonStyle.primary

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        await self._session(interaction)
        bot: CopBot = interaction.client  # type: ignore[assignment]
        make = getattr(bot, "task_form", None)
        if make is None:
            from bot.errors import UserError

            raise UserError("Tasks are not available right now.")
        await interaction.response.send_modal(make("", interaction.user.id, choose_assignee=True))


class EndButton(_PanelButton, action="end"):
    label = "End the meeting"
    style = discord.ButtonStyle.danger

    @for_facilitators
    async def callback(self, interaction: discord.Interaction) -> None:
        session = await self._session(interaction)
        await interaction.response.defer(ephemeral=True)
        assert interaction.guild is not None
        posted = await end_meeting(
            interaction.client,  # type: ignore[arg-type]
            interaction.guild,
            number=session.number,
            fallback=interaction.channel,
        )
        await interaction.followup.send(ended_sentence(posted), ephemeral=True, allowed_mentions=NO_PINGS)
        await offer_check_in(interaction.client, interaction, posted)  # type: ignore[arg-type]
        await send_recap_dms(interaction.client, interaction.guild, posted)  # type: ignore[arg-type]


PANEL_BUTTONS: tuple[type[_PanelButton], ...] = (
    RoundButton,
    PlanButton,
    CloseBreakoutsButton,
    QuestionsButton,
    ActionButton,
    EndButton,
)


def panel_view(session: MeetingSession, *, disabled: bool = False) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for button in PANEL_BUTTONS:
        view.add_item(button(session.number, disabled=disabled))
    return view


def panel_text(session: MeetingSession, *, ended: bool = False) -> str:
    state = "has ended" if ended else f"is running (started {format_dt(session.started_at, 'R')})"
    return (
        f"**Facilitator panel:** {meeting_name(session.title, session.held_on)} {state}.\n"
        "These buttons run copbot's features for this meeting. Only facilitators can use them."
    )


async def post_panel(
    bot: CopBot, guild: discord.Guild, session: MeetingSession, channel_id: int | None, *, details: str = ""
) -> str:
    channel = guild.get_channel(channel_id) if channel_id else None
    if not isinstance(channel, discord.TextChannel):
        return (
            "There is no facilitator channel (`/settings update facilitator_channel`), so there is no panel; "
            "`/questions list` gives you the question buttons."
        )
    content = panel_text(session) + (f"\n{details}" if details else "")
    try:
        message = await channel.send(content, view=panel_view(session), allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("Could not post the meeting panel in channel %s", channel.id, exc_info=True)
        return f"I couldn't post the facilitator panel in {channel.mention}."
    await bot.meeting_sessions.set_panel(session, channel.id, message.id)
    return f"The facilitator panel is in {channel.mention}."


async def disable_panel(
    bot: CopBot, guild: discord.Guild, session: MeetingSession, *, offer: discord.ui.View | None = None
) -> bool:
    """Close the panel's buttons; ``offer`` ("Send the check-in") takes their place, where only
    facilitators see it. Returns whether the panel now carries the offer."""
    if session.panel_channel_id is None or session.panel_message_id is None:
        return False
    channel = guild.get_channel(session.panel_channel_id)
    if not isinstance(channel, discord.TextChannel):
        return False
    content = panel_text(session, ended=True)
    if offer is not None:
        content += "\nThe anonymous check-in is ready for the people who came: press **Send the check-in**."
    try:
        message = channel.get_partial_message(session.panel_message_id)
        await message.edit(content=content, view=offer)
    except discord.HTTPException:
        log.info("Could not update the meeting panel %s", session.panel_message_id)
        return False
    return offer is not None
