"""The Discord side of reminders: DMs with a fallback, the digest post, and meetings' Events entries.

:class:`Delivery` is the :class:`~bot.reminders.service.Notifier` the reminder service sends through.
It decides nothing about *whether* to tell someone (the service and its notice budget do); it says it,
and reports who was actually told.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import discord

from bot import permissions
from bot.app import CopBot
from bot.privacy.registry import FORGOTTEN
from bot.reminders.digest import Digest
from bot.reminders.nonces import part_nonce
from bot.reminders.service import RetryLater
from bot.storage.meetings import Meeting
from bot.storage.tasks import Task
from bot.text_limits import MESSAGE, chunk_mentions, fit
from cogs._permissions import in_server
from cogs._shared import NO_PINGS
from cogs.tasks._render import aims_line, digest_dm, digest_entries, given_text, reminder_text
from cogs.tasks._views import MOST_TASK_ROWS, task_view

log = logging.getLogger(__name__)

DM_CLOSED = 50007
MEETING_LENGTH = timedelta(hours=1)
#: Discord's limits on a scheduled event (its OpenAPI specification): name and location 1–100 characters.
EVENT_NAME = 100
EVENT_LOCATION = 100
#: What the Events entry says: members know a meeting by its title and date, which the entry shows.
EVENT_DESCRIPTION = "Our community's meeting. Everyone is welcome."


def mentioning(*user_ids: int) -> discord.AllowedMentions:
    """Ping exactly these people and nobody else."""
    return discord.AllowedMentions(
        everyone=False, roles=False, users=[discord.Object(u) for u in user_ids], replied_user=False
    )


class Delivery:
    """Sends what the reminder service decided (see the module docstring)."""

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    def guild_name(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild else "your community"

    async def _dm(self, user_id: int, content: str, view: discord.ui.View | None, nonce: str | None) -> bool | None:
        """DM someone: True if sent, False if their DMs are closed, None if they no longer exist."""
        extra: dict[str, object] = {"nonce": nonce} if nonce is not None else {}
        if view is not None:
            extra["view"] = view
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(content, allowed_mentions=NO_PINGS, **extra)  # type: ignore[arg-type]
            return True
        except discord.Forbidden:
            return False
        except discord.NotFound:
            log.info("Member %s no longer exists; not reminding them", user_id)
            return None
        except discord.HTTPException as error:
            if error.code != DM_CLOSED:
                raise RetryLater() from error
            return False

    async def meeting_channel(self, guild_id: int) -> discord.abc.Messageable | None:
        settings = await self.bot.settings.get(guild_id)
        channel = self.bot.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
        return channel if isinstance(channel, discord.abc.Messageable) else None

    async def send_to_member(
        self,
        guild_id: int,
        user_id: int,
        content: str,
        *,
        view: discord.ui.View | None = None,
        nonce: str | None = None,
    ) -> bool:
        """DM someone; if their DMs are closed, mention them in the meeting channel instead. True if
        they were told either way.

        ``nonce`` (:mod:`bot.reminders.nonces`, derived from the outbox row) makes the message
        idempotent: discord.py sends it with ``enforce_nonce``, so if a crashed process already sent
        it, Discord returns that message instead of posting it again. The channel fallback carries it
        too: it is the same scheduled message.
        """
        sent = await self._dm(user_id, content, view, nonce)
        if sent is not False:
            return bool(sent)
        channel = await self.meeting_channel(guild_id)
        if channel is None:
            log.warning("Could not DM member %s and no meeting channel is set in server %s", user_id, guild_id)
            return False
        text = f"<@{user_id}>, I couldn't send you a direct message, so here it is:\n\n{content}"
        extra: dict[str, object] = {"nonce": nonce} if nonce is not None else {}
        if view is not None:
            extra["view"] = view
        await channel.send(fit(text, MESSAGE), allowed_mentions=mentioning(user_id), **extra)  # type: ignore[arg-type]
        return True

    # -- the reminder service's notifier --------------------------------------------------------

    async def task_reminder(self, task: Task, kind: str, late: bool, *, nonce: str | None = None) -> bool:
        if task.assignee_id == FORGOTTEN:  # nobody is doing it: there is nobody to remind
            return False
        content = reminder_text(task, kind, self.guild_name(task.guild_id), late)
        return await self.send_to_member(task.guild_id, task.assignee_id, content, view=task_view([task]), nonce=nonce)

    async def meeting_digest(self, digest: Digest, late: bool, *, nonce: str | None = None) -> set[int]:
        """Each person's own list by DM first, then the public post, pinging only those whose DM failed.

        ``nonce`` names this digest occurrence (its outbox row); each message gets its own nonce from
        it (:func:`bot.reminders.nonces.part_nonce`: the owner's id, the channel part's number), so a
        digest sent again after a crash repeats no message on Discord.
        """
        guild_id = digest.meeting.guild_id
        told: set[int] = set()
        unreachable: set[int] = set()
        for owner, items in digest.dms.items():
            buttons = min(len(items), MOST_TASK_ROWS)
            text = digest_dm(digest, owner, self.guild_name(guild_id), buttons)
            dm_nonce = part_nonce(nonce, "dm", owner) if nonce is not None else None
            sent = await self._dm(owner, text, task_view([i.task for i in items]), dm_nonce)
            if sent:
                told.add(owner)
            elif sent is False:
                unreachable.add(owner)
        channel = await self.meeting_channel(guild_id)
        if channel is None:
            log.warning("No meeting channel in server %s: the digest went by DM only", guild_id)
            return told
        entries = digest_entries(digest, late, unreachable)
        entries.insert(1, (aims_line((await self.bot.aims.current(guild_id)).text), []))  # issue 30
        for number, (text, ids) in enumerate(chunk_mentions(entries, MESSAGE)):
            extra: dict[str, object] = {"nonce": part_nonce(nonce, "post", number)} if nonce is not None else {}
            try:
                await channel.send(text, allowed_mentions=mentioning(*ids), **extra)  # type: ignore[arg-type]
            except discord.HTTPException:
                log.warning("Could not post part of the meeting digest", exc_info=True)
                continue
            told.update(ids)
        return told

    async def meeting_rolled(self, meeting: Meeting) -> None:
        guild = self.bot.get_guild(meeting.guild_id)
        if guild is not None:
            event_id = await create_event(self.bot, guild, meeting)
            await self.bot.tasks.meetings.set_event(meeting.id, event_id)

    async def tell_assignee(self, task: Task, by: discord.abc.User, *, new: bool) -> None:
        """The DM to the person a task was given (or passed) to; it counts as telling them (the budget)."""
        content = given_text(task, by.display_name, self.guild_name(task.guild_id), new=new)
        try:
            told = await self.send_to_member(task.guild_id, task.assignee_id, content, view=task_view([task]))
        except RetryLater:
            log.warning("Could not tell member %s about task %s", task.assignee_id, task.id)
            return
        if told:
            await self.bot.tasks.told(task)


def event_location(channel_name: str | None) -> str:
    """Where an Events entry says the meeting is: "#" and the meeting channel's name, fitted into
    Discord's 100 characters (a channel name may itself be 100), or "Online"."""
    if not channel_name:
        return "Online"
    return fit(f"#{channel_name}", EVENT_LOCATION)


async def create_event(bot: CopBot, guild: discord.Guild, meeting: Meeting) -> int | None:
    """A Discord scheduled event for the meeting: in the main voice channel if set, else "online"."""
    settings = await bot.settings.get(guild.id)
    voice = guild.get_channel(settings.main_voice_id) if settings.main_voice_id else None
    lacking = permissions.missing(permissions.EVENTS, in_server(guild))
    if lacking:
        # Discord would refuse with 403; say which permission instead of logging a traceback.
        log.warning("Not adding meeting %s to the Events list: the bot lacks %s", meeting.id, lacking[0].label)
        return None
    try:
        if isinstance(voice, discord.VoiceChannel):
            event = await guild.create_scheduled_event(
                name=fit(meeting.title, EVENT_NAME),
                start_time=meeting.starts_at,
                entity_type=discord.EntityType.voice,
                channel=voice,
                privacy_level=discord.PrivacyLevel.guild_only,
                description=EVENT_DESCRIPTION,
            )
        else:
            meeting_channel = guild.get_channel(settings.meeting_channel_id) if settings.meeting_channel_id else None
            event = await guild.create_scheduled_event(
                name=fit(meeting.title, EVENT_NAME),
                start_time=meeting.starts_at,
                end_time=meeting.starts_at + MEETING_LENGTH,
                entity_type=discord.EntityType.external,
                location=event_location(meeting_channel.name if meeting_channel else None),
                privacy_level=discord.PrivacyLevel.guild_only,
                description=EVENT_DESCRIPTION,
            )
    except discord.HTTPException:
        log.warning("Could not create a scheduled event in server %s", guild.id, exc_info=True)
        return None
    return event.id
