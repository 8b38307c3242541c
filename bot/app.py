"""The Discord application: builds the bot, owns its shared services, loads the cogs.

Shared services (configuration, the database, the scheduler and the repositories) are built once
here and handed to cogs as attributes of the bot, as in discord.py's ``advanced_startup`` example;
cogs never look each other up by name. Cogs are found by listing the ``cogs`` package, skipping
names that start with ``_`` (shared helpers), so adding a feature means adding one module.
"""

from __future__ import annotations

import logging
import pkgutil
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

import cogs
from bot.aims import AimsService
from bot.breakout_service import BreakoutService
from bot.config import Config, load_config
from bot.errors import UserError
from bot.glossary.service import GlossaryService
from bot.icebreakers.bank import shipped_bank
from bot.icebreakers.service import RoundService
from bot.logging_setup import cap_library_loggers
from bot.meeting_session import MeetingSessionService
from bot.privacy.service import PrivacyService
from bot.pulse.service import PulseService
from bot.questions.service import QuestionService
from bot.reminders.policy import ReminderPolicy
from bot.storage.aims import AimsRepository
from bot.storage.backend import make_database
from bot.storage.breakouts import BreakoutRepository
from bot.storage.database import Shards
from bot.storage.glossary import GlossaryRepository
from bot.storage.icebreakers import IcebreakerRepository
from bot.storage.meeting_sessions import MeetingSessionRepository
from bot.storage.meetings import MeetingRepository
from bot.storage.members import MemberRepository
from bot.storage.pulses import PulseRepository
from bot.storage.question_answers import QuestionAnswerRepository
from bot.storage.questions import QuestionRepository
from bot.storage.reminder_policies import ReminderPolicyRepository
from bot.storage.settings import SettingsRepository
from bot.storage.tasks import TaskRepository
from bot.storage.welcome import WelcomeRepository
from bot.task_service import TaskService
from bot.text_limits import MESSAGE, fit
from bot.welcome.service import WelcomeService

log = logging.getLogger(__name__)

#: Nothing a member types can ever ping everyone, here, or a role; only people the bot means to call.
DEFAULT_ALLOWED_MENTIONS = discord.AllowedMentions(everyone=False, roles=False, users=True, replied_user=False)

SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on our side and nothing was changed. Please try again in a moment, "
    "or let a facilitator know."
)


def extension_names() -> list[str]:
    """Every cog module or package in ``cogs/``, except private helpers named ``_*``."""
    return sorted(
        f"{cogs.__name__}.{info.name}" for info in pkgutil.iter_modules(cogs.__path__) if not info.name.startswith("_")
    )


class CopBot(commands.Bot):
    """copbot: the bot plus the services every feature shares."""

    def __init__(self, config: Config, *, lock_scope: str = "all", **bot_options: object) -> None:
        """``lock_scope`` names the shard range this process serves (one process per range on
        PostgreSQL); ``bot_options`` go to discord.py (``shard_count``, ``shard_ids``)."""
        # copbot moves people between voice channels but never joins one or sends audio, so the
        # voice libraries (PyNaCl, davey) are not needed; discord.py's start-up warning that "voice
        # will NOT be supported" would only alarm the facilitator reading the log.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.default()
        intents.members = True  # privileged: needed for welcome messages and member lists
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=DEFAULT_ALLOWED_MENTIONS,
            # So the health cog hears every gateway message, the heartbeat acknowledgements included
            # (``on_socket_raw_receive``): that is what ``copbot health`` reports. Nothing logs them.
            enable_debug_events=True,
            **bot_options,  # type: ignore[arg-type]
        )
        self.config = config
        #: The shard range this process serves ("all" unless ``--shards``): names its heartbeat file.
        self.lock_scope = lock_scope
        #: The shards whose servers' scheduled work this process does (None: every server it sees).
        self.served_shards = _served_shards(bot_options)
        self.db = make_database(config.database_path, url=config.database_url, lock_scope=lock_scope)
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.settings = SettingsRepository(self.db)
        self.members = MemberRepository(self.db)
        self.reminder_policies = ReminderPolicyRepository(self.db, ReminderPolicy.from_config(config.reminders))
        self.privacy = PrivacyService(self.db, config.privacy)
        #: Builds the task form ("Make a task", the panel's "Add an action"); set by the tasks cog.
        self.task_form: Callable[..., discord.ui.Modal] | None = None
        #: The community's glossary and its aims (issue 30): read by the welcome, /help, the digest and
        #: the recap, written by facilitators from /glossary and /aims.
        self.glossary = GlossaryService(
            GlossaryRepository(self.db),
            QuestionRepository(self.db),
            QuestionAnswerRepository(self.db),
            max_terms=config.limits.glossary_terms_per_server,
        )
        self.aims = AimsService(AimsRepository(self.db), config.community.purpose, MeetingSessionRepository(self.db))
        #: The stepwise welcome new members get by direct message (and ``/welcome``).
        self.welcome = WelcomeService(
            WelcomeRepository(self.db),
            settings=self.settings,
            members=self.members,
            glossary=self.glossary,
            aims=self.aims,
            meetings=MeetingRepository(self.db),
            tasks=TaskRepository(self.db),
            config=config,
        )
        self.meeting_sessions = MeetingSessionService(
            MeetingSessionRepository(self.db),
            MeetingRepository(self.db),
            self.members,
            recap_names=config.meetings.recap_names,
            max_hours=config.meetings.max_hours,
            glossary=self.glossary.repo,
        )
        #: Tasks, meetings and reminders (the tasks cog parses, renders and delivers; this decides).
        self.tasks = TaskService(
            self.db,
            self.scheduler,
            settings=self.settings,
            policies=self.reminder_policies,
            carried_for=self.meeting_sessions.carried,  # what the last meeting left open, for digests
            default_timezone=config.community.timezone,
            limits=config.limits,
            shards=self.served_shards,
        )
        self.pulses = PulseService(
            PulseRepository(self.db), MeetingSessionRepository(self.db), self.members, config.pulse
        )
        #: Breakout rooms from plan to close; the breakouts cog hands it its Discord side when it loads.
        self.breakouts = BreakoutService(
            BreakoutRepository(self.db),
            members=self.members,
            meetings=self.meeting_sessions,
            settings=self.settings,
            scheduler=self.scheduler,
            config=config.breakouts,
        )
        #: Speaking rounds, live (the icebreakers cog hands it its display when it loads); the facilitator
        #: panel starts one in the meeting channel through it.
        self.rounds = RoundService(
            IcebreakerRepository(self.db, shipped_bank()),
            join_seconds=config.icebreakers.join_seconds,
            rounds_per_server=config.limits.rounds_per_server,
        )
        #: Anonymous questions: asking, "Me too" and the facilitators' actions (used by the questions
        #: cog and the question buttons alike).
        self.questions = QuestionService(
            QuestionRepository(self.db),
            QuestionAnswerRepository(self.db),
            self.scheduler,
            max_length=config.questions.max_length,
            rate_limit_count=config.questions.rate_limit_count,
            rate_limit_window=timedelta(minutes=config.questions.rate_limit_minutes),
            mute_window=timedelta(hours=config.questions.mute_hours),
            dms_per_hour=config.limits.dms_per_hour,
        )
        #: The "Send the check-in" offer shown after ``/meeting end`` (a view per meeting number); set by
        #: the pulse cog, so the meeting cogs need not know about check-ins.
        self.pulse_offer: Callable[[int], discord.ui.View] | None = None
        #: "Add to the glossary" under a facilitator's answer to an ``/explain`` question (a view per
        #: question number); set by the glossary cog, so the questions cog need not know about it.
        self.glossary_offer: Callable[[int], discord.ui.View] | None = None

    async def setup_hook(self) -> None:
        """Open storage, start the scheduler, load every cog, then sync slash commands."""
        await self.db.open()
        self.scheduler.start()
        # Installed here, after SimCord or any other harness has set its own, on purpose: expected
        # refusals are answered politely and unexpected errors are passed on to ``on_error``.
        self.tree.on_error = self._on_app_command_error
        for name in extension_names():
            await self.load_extension(name)
        await self.tree.sync()
        log.info("copbot is ready to connect: %d cogs loaded", len(self.cogs))

    async def close(self) -> None:
        """Unload cogs (they cancel their timers), then release the scheduler and the database."""
        try:
            await super().close()
        finally:
            await self.release()

    async def release(self) -> None:
        """Stop the scheduler and close the database; safe to call more than once.

        ``close()`` calls this. It is public because a harness that detaches a bot without
        closing its Discord connection (SimCord does, on restart and at shutdown) must still free
        the database and stop the old bot's scheduler, or the old bot could fire timers twice.
        """
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.db.close()

    async def _on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Give the member one plain sentence for every failure; never a traceback, never silence."""
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if isinstance(original, UserError):
            message = original.message
        elif isinstance(original, app_commands.CheckFailure) and original.args:
            message = str(original)
        elif isinstance(original, app_commands.NoPrivateMessage):
            message = "Please use this command in the community's server, not in a direct message."
        elif isinstance(original, app_commands.CheckFailure):
            message = "Sorry, you can't use that command here."
        else:
            message = SOMETHING_WENT_WRONG
            try:
                raise original
            except Exception:
                await self.on_error("app_command", interaction)
        await send_ephemeral(interaction, message)


async def send_ephemeral(interaction: discord.Interaction, content: str, **kwargs: object) -> None:
    """Reply privately whether or not the interaction was already answered; pings nobody.

    The text is fitted into Discord's 2,000 characters (:func:`bot.text_limits.fit`), so a long
    sentence is shortened rather than refused.
    """
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    content = fit(content, MESSAGE)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True, **kwargs)  # type: ignore[arg-type]
        else:
            await interaction.response.send_message(content, ephemeral=True, **kwargs)  # type: ignore[arg-type]
    except discord.HTTPException:
        log.warning("Could not send a reply to an interaction", exc_info=True)


def _served_shards(options: dict[str, object]) -> Shards | None:
    """A process on some of the shards (``--shards A-B``) sends only their servers' reminders and rolls
    only their meetings: the channels, names and events it needs are in its own cache. With every shard
    (or none given) there is nothing to leave out."""
    count, ids = options.get("shard_count"), options.get("shard_ids")
    if not isinstance(count, int) or ids is None:
        return None
    chosen = tuple(int(i) for i in ids)  # type: ignore[attr-defined]
    return None if set(chosen) >= set(range(count)) else Shards(count, chosen)


class ShardedCopBot(CopBot, commands.AutoShardedBot):
    """copbot on several gateway shards in one process (``copbot run --shard-count N [--shards A-B]``)."""


def create_bot(config: Config | None = None, **options: Any) -> CopBot:
    """A configured, unstarted bot. Reads configuration as described in :mod:`bot.config`.

    ``options`` are :class:`CopBot`'s: ``lock_scope`` (the shard range this process serves) and
    discord.py's ``shard_count`` / ``shard_ids`` (see ``copbot run --shard-count``).
    """
    cap_library_loggers()  # no library logs a statement's parameters, whoever set up logging
    cls = ShardedCopBot if options.get("shard_count") is not None else CopBot
    return cls(config or load_config(), **options)
