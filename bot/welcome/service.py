"""The welcome as a service: when to send it, what each step says, and what a press does. No Discord.

The study's advice for a new CoP starts before the first meeting: help each member with the group's
words, with what their own role is, and with its aims. So a member who joins gets the welcome by direct
message, one short step at a time (:mod:`bot.welcome.steps`), and ``/welcome`` shows it again.

* **Kept nowhere, sent once.** copbot keeps no record of who was welcomed or how far they got: the
  welcome message in the member's own direct messages is the record. Each step's buttons carry the
  step they lead to, so a member can stop, and press **Next** days later or after a restart; and the
  cog looks for that message before sending, so someone who left and came back (or a second join
  event) never gets it twice. Storing nothing matters: any member may ask a question without their
  name, and the database then holds nothing at all about someone who has only been welcomed.
* Facilitators can turn it off (``/settings update welcome``); a server not set up yet sends nothing.
* **The role** is saved exactly as ``/profile`` saves it.
* **The practice question** is checked as a real one would be (so the member also sees the kind
  refusal of a phone number or an NHS number) and then shown back to them only: it is never stored,
  logged or posted. :meth:`WelcomeService.practice` takes the text and returns it; nothing else sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.aims import AimsService
from bot.calendar_ics import CalendarMeeting, CalendarTask, build_calendar
from bot.clock import utcnow
from bot.config import Config
from bot.errors import UserError
from bot.glossary.service import GlossaryService
from bot.questions.text import clean_question
from bot.roles import is_role
from bot.storage.meetings import MeetingRepository
from bot.storage.members import MemberRepository
from bot.storage.settings import SettingsRepository
from bot.storage.tasks import TaskRepository
from bot.storage.welcome import StartHerePost, WelcomeRepository
from bot.welcome import steps
from bot.welcome.steps import STEPS, NextMeeting, Step, Word

#: A "Start here" post newer than this is still fresh in the channel: a second newcomer with closed
#: direct messages uses it rather than adding another post.
START_HERE_FRESH = timedelta(hours=1)
#: A meeting that began less than this long ago still counts as "the next meeting" (it is on now).
STILL_ON = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class StartHerePlan:
    """What to do for a newcomer whose direct messages are closed: post (replacing ``old``), or not."""

    post: bool
    old: StartHerePost | None = None


class WelcomeService:
    """The welcome's decisions and words (see the module docstring)."""

    def __init__(
        self,
        repo: WelcomeRepository,
        *,
        settings: SettingsRepository,
        members: MemberRepository,
        glossary: GlossaryService,
        aims: AimsService,
        meetings: MeetingRepository,
        tasks: TaskRepository,
        config: Config,
    ) -> None:
        self.repo = repo
        self._settings = settings
        self._members = members
        self._glossary = glossary
        self._aims = aims
        self._meetings = meetings
        self._tasks = tasks
        self._config = config

    # -- when -------------------------------------------------------------------------------------

    async def greets_newcomers(self, guild_id: int) -> bool:
        """Whether the server sends the welcome to people who join (set up, and not turned off)."""
        settings = await self._settings.get(guild_id)
        return settings.is_configured and settings.welcome

    async def start_here(self, guild_id: int, channel_id: int) -> StartHerePlan:
        """Post a "Start here" now? Not while the last one is fresh (newcomers joining together share
        one); a newer one replaces an older one."""
        now = utcnow()
        taken, old = await self.repo.claim_start_here(guild_id, channel_id, now, now - START_HERE_FRESH)
        return StartHerePlan(post=taken, old=old)

    async def start_here_posted(self, guild_id: int, message_id: int) -> None:
        await self.repo.set_start_here_message(guild_id, message_id)

    # -- what -------------------------------------------------------------------------------------

    async def step(self, guild_id: int, guild_name: str, number: int) -> Step:
        """Step ``number`` of this server's welcome (the same for everyone: it names nobody)."""
        if not 1 <= number <= STEPS:
            raise UserError("Sorry, that step of the welcome does not exist. Type /welcome to start again.")
        if number == 1:
            return steps.step_one(guild_name, (await self._aims.current(guild_id)).text)
        if number == 2:
            return steps.step_two(None)
        if number == 3:
            return steps.step_three()
        if number == 4:
            found = await self._glossary.most_read(guild_id, steps.WORDS_SHOWN)
            return steps.step_four(tuple(Word(e.number, e.term) for e in found))
        channel = (await self._settings.get(guild_id)).meeting_channel_id
        return steps.step_five(await self.next_meeting(guild_id), self._config.community.contact, channel)

    async def choose_role(self, guild_id: int, user_id: int, role: str) -> Step:
        """Save the role the member pressed, as ``/profile`` does; step 2 then says what was saved."""
        if not is_role(role):
            raise UserError("Sorry, I don't know that role. Type /welcome to start again.")
        await self._members.set_role(guild_id, user_id, role)
        return steps.step_two(role)

    def practice(self, raw: str) -> str:
        """The practice question, checked as ``/ask`` would check it, and handed straight back.

        Nothing is stored, logged or posted: the caller shows it to the member alone. A refusal (empty,
        too long, a personal detail) is the same sentence ``/ask`` would give, said to be practice.
        """
        try:
            return clean_question(raw, self._config.questions.max_length)
        except UserError as error:
            raise UserError(f"{error.message} {steps.PRACTICE_REFUSED}") from None

    async def next_meeting(self, guild_id: int) -> NextMeeting | None:
        now = utcnow()
        for meeting in await self._meetings.upcoming(guild_id):
            if meeting.starts_at >= now - STILL_ON:
                return NextMeeting(meeting.title, meeting.starts_at)
        return None

    async def calendar(self, guild_id: int, guild_name: str, user_id: int) -> tuple[str, int]:
        """The same calendar file as ``/calendar`` (upcoming meetings and the member's own open tasks),
        and how many meetings it holds."""
        settings = await self._settings.get(guild_id)
        meetings = [
            CalendarMeeting(m.number, m.title, m.starts_at, m.repeat) for m in await self._meetings.upcoming(guild_id)
        ]
        tasks = [
            CalendarTask(t.number, t.description, t.due_at)
            for t in await self._tasks.open_tasks(guild_id, assignee_id=user_id)
        ]
        tz_name = settings.timezone_or(self._config.community.timezone)
        return build_calendar(guild_id, guild_name, tz_name, meetings, tasks, utcnow()), len(meetings)
