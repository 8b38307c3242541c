"""The icebreakers cog: parse → call :mod:`bot.icebreakers` / storage → render.

A speaking round is **one message** in the channel, edited in place at every turn (whose turn it is,
with **Next** and **Pass** under it) and ending with the thank-you: edits notify nobody, so a round of 15
costs the channel one post instead of 17. Each speaker is pinged once, when the round begins (the
message lists the order and mentions everyone in it); a round people join with a button pings nobody,
since they chose to take part.

Round timers are plain asyncio tasks tracked here, one per open round. They are seconds long, the
database row (phase, turn, deadline, warned) is the truth, and :meth:`IcebreakersCog.cog_load`
rebuilds them after a restart, so nothing is lost; asyncio timers also follow SimCord's virtual
clock exactly. Every change to a round happens under that round's lock: load, apply one pure
transition, post or edit messages, save, reschedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.clock import utcnow
from bot.config import ICEBREAKER_PAGE_SIZE
from bot.errors import UserError
from bot.icebreakers import round as rounds
from bot.icebreakers.bank import Prompt, check_custom_prompt, shipped_bank, unknown_category_sentence
from bot.icebreakers.cycle import ALL_SCOPE
from bot.icebreakers.round import Outcome, Phase, RoundState
from bot.questions.text import render_safe
from bot.storage.icebreakers import ROUND_BUSY, IcebreakerRepository, StoredRound
from bot.text_limits import EMBED_DESCRIPTION, fit
from cogs._shared import (
    BUTTON_FOR_FACILITATORS,
    FACILITATOR_COMMANDS,
    NO_PINGS,
    HelpSection,
    facilitator_only,
    guild_of,
    is_facilitator,
)
from cogs.icebreakers._views import DYNAMIC_ITEMS, end_view, join_view, page_view, turn_view

log = logging.getLogger(__name__)

PAGE_SIZE = ICEBREAKER_PAGE_SIZE  # the config bound on icebreakers.max_length assumes it
#: The gentle warning comes when this share of a speaker's time has gone.
WARN_AT = 0.8
ROUND_OVER = "This speaking round has already finished. Thank you for taking part!"
INTERRUPTED = (
    "Sorry, the speaking round was interrupted before it could start, so it has been closed. "
    "You can start a new one with `/icebreaker round`."
)
TURN_MOVED_ON = "That turn has already finished, so the round has moved on."
#: Between a round message's fixed head (the question, how it works) and the part each turn rewrites:
#: an invisible separator on a line of its own, which no typed prompt carries.
STATUS_MARK = "\n\u2063\n"
#: Characters of the round message given to the order of speakers (the rest is the question and status).
ORDER_SHOWN = 900


def shown(text: str) -> str:
    """An icebreaker's text as Discord should show it: literally. Facilitators can add their own, so a
    masked link (``[text](https://…)``), a mention or any formatting in one is shown as typed, never as a
    link or a ping in a post from the bot (the same escaping as questions: :func:`render_safe`)."""
    return render_safe(text)


def _prompt_line(prompt: Prompt, label: str) -> str:
    return f"**Icebreaker #{prompt.number}** · {label}\n> {shown(prompt.text)}"


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


class IcebreakersCog(commands.Cog):
    """``/icebreaker ask|add|list|remove|round``."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=20,
        title="Icebreakers and speaking rounds",
        lines=("In a speaking round, you can always press **Pass**.",),
        facilitator_lines=(
            "`/icebreaker ask` posts a friendly question for everyone (pick a `category` if you like). Questions "
            "don't repeat until every one has been used. `/icebreaker list` shows them all with their numbers.",
            "`/icebreaker round` gives everyone in the main voice channel a turn, in random order (`seconds` "
            "sets a gentle time limit). **End round** is in the private reply you get when it starts.",
            "`/icebreaker add` adds your own question (up to 300 characters) to a category.",
            "`/icebreaker remove` takes a question out: your own are deleted, built-in ones are hidden in this server.",
        ),
    )

    icebreaker = app_commands.Group(
        name="icebreaker",
        description="Friendly questions to start a meeting (facilitators)",
        guild_only=True,
        default_permissions=FACILITATOR_COMMANDS,
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.bank = shipped_bank()
        self.repo = IcebreakerRepository(bot.db, self.bank)
        self.rng = random.SystemRandom()
        self._timers: dict[int, asyncio.Task[None]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    # ------------------------------------------------------------ lifecycle

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        for stored in await self.repo.open_rounds():
            if stored.state.phase is Phase.JOINING and stored.deadline is None:
                # Interrupted between "round created" and "first speaker called": nothing to resume,
                # so close it (with the usual message) rather than block the channel.
                self._timers[stored.state.round_id] = asyncio.create_task(
                    self._close_interrupted(stored.state.round_id)
                )
                continue
            self._schedule(stored)

    async def _close_interrupted(self, round_id: int) -> None:
        await self.bot.wait_until_ready()
        async with self._lock(round_id):
            stored = await self.repo.get_round(round_id)
            if stored is None or stored.state.is_over:
                return
            await self.repo.save_round(rounds.finish(stored.state), None, False)
            channel = self.bot.get_channel(stored.state.channel_id)
            if isinstance(channel, discord.abc.Messageable):
                with contextlib.suppress(discord.HTTPException):
                    await channel.send(INTERRUPTED, allowed_mentions=NO_PINGS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        for task in self._timers.values():
            task.cancel()
        self._timers.clear()

    # ------------------------------------------------------------ category choices

    def _category_or_error(self, typed: str) -> str:
        try:
            return self.bank.resolve_category(typed)
        except KeyError:
            raise UserError(unknown_category_sentence(self.bank, typed)) from None

    async def _category_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.casefold().strip()
        return [
            app_commands.Choice(name=label, value=key)
            for key, label in self.bank.categories.items()
            if wanted in key.casefold() or wanted in label.casefold()
        ][:25]

    # ------------------------------------------------------------ prompts

    @icebreaker.command(name="ask", description="Post a friendly question for everyone to answer (facilitators)")
    @app_commands.describe(category="The kind of question (leave empty for any)")
    @facilitator_only()
    async def ask(self, interaction: discord.Interaction, category: str | None = None) -> None:
        guild = guild_of(interaction)
        scope = self._category_or_error(category) if category else ALL_SCOPE
        prompt = await self.repo.next_prompt(guild.id, scope, self.rng)
        await interaction.response.send_message(
            _prompt_line(prompt, self.bank.label(prompt.category)), allowed_mentions=NO_PINGS
        )

    ask.autocomplete("category")(_category_autocomplete)

    @icebreaker.command(name="add", description="Add your own question to the icebreakers (facilitators)")
    @app_commands.describe(text="The question, in plain words", category="Which kind of question it is")
    @facilitator_only()
    async def add(self, interaction: discord.Interaction, text: str, category: str) -> None:
        guild = guild_of(interaction)
        key, tidy = check_custom_prompt(self.bank, text, category, self.bot.config.icebreakers.max_length)
        prompt = await self.repo.add_custom(
            guild.id, key, tidy, interaction.user.id, limit=self.bot.config.limits.icebreakers_per_server
        )
        await interaction.response.send_message(
            f"Added icebreaker **#{prompt.number}** to “{self.bank.label(key)}”:\n> {shown(prompt.text)}",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    add.autocomplete("category")(_category_autocomplete)

    @icebreaker.command(name="remove", description="Take a question out of this server's icebreakers (facilitators)")
    @app_commands.describe(prompt_id="The question's number, as shown by /icebreaker list")
    @app_commands.rename(prompt_id="id")
    @facilitator_only()
    async def remove(self, interaction: discord.Interaction, prompt_id: int) -> None:
        guild = guild_of(interaction)
        prompt, shipped = await self.repo.remove(guild.id, prompt_id)
        what = "hidden in this server (it is one of the built-in questions)" if shipped else "removed"
        await interaction.response.send_message(
            f"Icebreaker **#{prompt.number}** is now {what}:\n> {shown(prompt.text)}",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @icebreaker.command(name="list", description="See every icebreaker question and its number (facilitators)")
    @facilitator_only()
    async def list_prompts(self, interaction: discord.Interaction) -> None:
        embed, view = await self._page(guild_of(interaction).id, 0)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS)

    async def show_page(self, interaction: discord.Interaction, page: int) -> None:
        """A Previous/Next click in the list: redraw the same private message at that page."""
        embed, view = await self._page(guild_of(interaction).id, page)
        await interaction.response.edit_message(embed=embed, view=view)

    async def _page(self, guild_id: int, page: int) -> tuple[discord.Embed, discord.ui.View]:
        listing = await self.repo.listing(guild_id)
        pages = max(1, math.ceil(len(listing) / PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        lines = []
        for item in listing[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
            marks = ""
            if item.prompt.custom:
                marks += " · *added here*"
            if item.hidden:
                marks += " · *hidden here*"
            lines.append(
                f"**#{item.prompt.number}** · {self.bank.label(item.prompt.category)}{marks}\n{shown(item.prompt.text)}"
            )
        embed = discord.Embed(
            title=f"Icebreaker questions (page {page + 1} of {pages})",
            description=fit("\n\n".join(lines), EMBED_DESCRIPTION),
            colour=discord.Colour.green(),
        )
        embed.set_footer(text="Built-in questions are #1 upwards; questions added in this server are #1001 upwards.")
        return embed, page_view(page, pages)

    # ------------------------------------------------------------ speaking round

    @icebreaker.command(
        name="round", description="Everyone answers a question, one at a time, in random order (facilitators)"
    )
    @app_commands.describe(seconds="Time for each person, in seconds (leave empty for no limit)")
    @facilitator_only()
    async def start_round(
        self, interaction: discord.Interaction, seconds: app_commands.Range[int, 10, 900] | None = None
    ) -> None:
        guild = guild_of(interaction)
        channel = interaction.channel
        if channel is None:
            raise UserError("Please start a round in one of the server's text channels.")
        if await self.repo.channel_has_open_round(channel.id):
            raise UserError(ROUND_BUSY)
        most = self.bot.config.limits.rounds_per_server
        if len(await self.repo.open_rounds(guild.id)) >= most:
            raise UserError(
                f"There are already {most} speaking rounds going in this server, the most at one time. Please "
                "wait for one to finish (or ask a facilitator to end one) before starting another."
            )
        settings = await self.bot.settings.get(guild.id)
        voice = guild.get_channel(settings.main_voice_id) if settings.main_voice_id else None
        in_voice = (
            [m.id for m in voice.members if not m.bot]
            if isinstance(voice, discord.VoiceChannel | discord.StageChannel)
            else []
        )
        prompt = await self.repo.next_prompt(guild.id, ALL_SCOPE, self.rng)
        state = await self.repo.create_round(
            guild.id, channel.id, prompt.text, seconds, voice.id if in_voice and voice else None
        )
        timing = f" Each person has about {seconds} seconds." if seconds else ""
        intro = f"**Speaking round**\n{_prompt_line(prompt, self.bank.label(prompt.category))}\n\n"
        if in_voice and voice is not None:
            order = list(in_voice)
            self.rng.shuffle(order)
            shown, called = _order_line(order)
            text = (
                f"Everyone in {voice.mention} gets a turn, one at a time, in random order.{timing} "
                f"You can always press **Pass**: no need to explain.\n{shown}"
            )
            # The one ping each speaker gets for the whole round: the order, as the round begins.
            await interaction.response.send_message(intro + text, allowed_mentions=_pinging(called))
            message = await interaction.original_response()
            await self._transition(
                state.round_id,
                lambda s: rounds.begin_speaking(_with_message(s, message.id), tuple(order)),
            )
            await self._offer_end(interaction, state)
            return
        join_seconds = self.bot.config.icebreakers.join_seconds
        text = (
            f"Would you like to take part? Click **Join the round** in the next {join_seconds} seconds. "
            f"Then everyone who joined gets a turn, one at a time, in random order.{timing} "
            "You can always press **Pass** when it is your turn."
        )
        await interaction.response.send_message(intro + text, view=join_view(state), allowed_mentions=NO_PINGS)
        message = await interaction.original_response()
        async with self._lock(state.round_id):
            state = _with_message(state, message.id)
            deadline = utcnow() + timedelta(seconds=join_seconds)
            await self.repo.save_round(state, deadline, False)
            self._schedule(StoredRound(state, deadline, False))
        await self._offer_end(interaction, state)

    async def _offer_end(self, interaction: discord.Interaction, state: RoundState) -> None:
        """**End round** for the facilitator who started it, privately: members see only the buttons
        that are theirs (Join, and the speaker's Next and Pass)."""
        await interaction.followup.send(
            "The round has started. If you need to stop it early, press **End round**.",
            view=end_view(state),
            ephemeral=True,
        )

    async def press_join(self, interaction: discord.Interaction, round_id: int) -> None:
        user_id = interaction.user.id

        def join(state: RoundState) -> RoundState:
            if state.phase is not Phase.JOINING:
                raise UserError("Joining has closed for this round, but you are welcome to listen in.")
            if user_id in state.order:
                raise UserError("You have already joined. You will be called when it is your turn.")
            return rounds.add_joiner(state, user_id)

        await self._transition(round_id, join)
        await interaction.response.send_message(
            "You are in! You will be called when it is your turn, and you can always pass.", ephemeral=True
        )

    async def press_next(self, interaction: discord.Interaction, round_id: int, turn: int) -> None:
        allowed = await is_facilitator(self.bot, interaction.user)
        user_id = interaction.user.id

        def move(state: RoundState) -> RoundState:
            _check_turn(state, turn)
            if state.current_speaker != user_id and not allowed:
                raise UserError(
                    f"It is <@{state.current_speaker}>'s turn at the moment, so only they or a facilitator "
                    "can move the round on. Your turn will come!"
                )
            return rounds.advance(state, Outcome.SPOKE)

        await self._precheck(round_id, move)
        await interaction.response.defer()
        await self._transition(round_id, move)

    async def press_pass(self, interaction: discord.Interaction, round_id: int, turn: int) -> None:
        user_id = interaction.user.id

        def skip(state: RoundState) -> RoundState:
            _check_turn(state, turn)
            if state.current_speaker != user_id:
                raise UserError("Only the person whose turn it is can pass. Your turn will come!")
            return rounds.advance(state, Outcome.PASSED)

        await self._precheck(round_id, skip)
        await interaction.response.defer()
        await self._transition(round_id, skip)
        await interaction.followup.send("No problem at all. Thank you!", ephemeral=True)

    async def press_end(self, interaction: discord.Interaction, round_id: int) -> None:
        if not await is_facilitator(self.bot, interaction.user):
            raise UserError(BUTTON_FOR_FACILITATORS)
        await self._precheck(round_id, rounds.finish)
        if interaction.message is not None and interaction.message.flags.ephemeral:  # the starter's own reply
            await interaction.response.edit_message(content="You ended the round.", view=None)
        else:  # an End round button on a turn posted before it moved to the private reply
            await interaction.response.defer()
        await self._transition(round_id, rounds.finish)

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Late arrivals in the meeting's voice channel join the queue; people who leave are skipped."""
        if member.bot or before.channel == after.channel:
            return
        for stored in await self.repo.open_rounds(member.guild.id):
            voice_id = stored.state.voice_channel_id
            if voice_id is None:
                continue
            if after.channel is not None and after.channel.id == voice_id:
                change: Callable[[RoundState], RoundState] = lambda s: rounds.add_joiner(s, member.id)  # noqa: E731
            elif before.channel is not None and before.channel.id == voice_id:
                change = lambda s: rounds.remove_member(s, member.id)  # noqa: E731
            else:
                continue
            with contextlib.suppress(UserError):
                await self._transition(stored.state.round_id, change)

    # ------------------------------------------------------------ the engine

    async def _precheck(self, round_id: int, change: Callable[[RoundState], RoundState]) -> None:
        """Dry-run a pure transition so a refusal is the click's own reply (before it is deferred)."""
        stored = await self.repo.get_round(round_id)
        if stored is None or stored.state.is_over:
            raise UserError(ROUND_OVER)
        change(stored.state)

    def _lock(self, round_id: int) -> asyncio.Lock:
        return self._locks.setdefault(round_id, asyncio.Lock())

    async def _transition(self, round_id: int, change: Callable[[RoundState], RoundState]) -> RoundState:
        """Load, apply ``change`` (which may raise ``UserError``: then nothing changes), render, save, reschedule."""
        async with self._lock(round_id):
            stored = await self.repo.get_round(round_id)
            if stored is None or stored.state.is_over:
                raise UserError(ROUND_OVER)
            old = stored.state
            new = change(old)
            if new == old:
                return old
            deadline, warned = stored.deadline, stored.warned
            if new.turn != old.turn:
                new = await self._render_turn_change(old, new)
                deadline = utcnow() + timedelta(seconds=new.seconds) if new.seconds and not new.is_over else None
                warned = False
            await self.repo.save_round(new, deadline, warned)
            self._schedule(StoredRound(new, deadline, warned))
            if new.is_over:
                self._locks.pop(round_id, None)
            return new

    async def _render_turn_change(self, old: RoundState, new: RoundState) -> RoundState:
        """Rewrite the round's one message for the new turn (or the thank-you): an edit, not a new post."""
        channel = self.bot.get_channel(new.channel_id)
        if not isinstance(channel, discord.abc.Messageable) or new.message_id is None:
            return rounds.finish(new)
        speaker = new.current_speaker
        status = self._thank_you(new) if speaker is None else _turn_text(new)
        if old.phase is Phase.JOINING and new.voice_channel_id is None:
            status = f"*Joining has closed: {_people(len(new.order))} joined.*\n{status}"
        view = turn_view(new) if speaker is not None else None
        await self._rewrite(channel, new.message_id, status, view)
        return _with_turn_message(new, new.message_id if speaker is not None else None)

    @staticmethod
    def _thank_you(state: RoundState) -> str:
        if not state.outcomes:
            if not state.order:
                return "Nobody joined the round this time, and that is fine. Maybe next time!"
            return "The round has ended. Thank you, everyone!"
        text = f"Thank you, everyone! {_people(state.spoke)} spoke in this round."
        if state.passed:
            text += f" {_people(state.passed)} chose to pass, which is always fine."
        return text

    async def _rewrite(
        self, channel: discord.abc.Messageable, message_id: int, status: str, view: discord.ui.View | None
    ) -> None:
        """Keep the round message's head, put ``status`` under it; a message someone deleted is skipped."""
        try:
            message = await channel.fetch_message(message_id)
            head = message.content.split(STATUS_MARK, 1)[0]
            content = fit(head, 2000 - len(STATUS_MARK) - len(status)) + STATUS_MARK + status
            await message.edit(content=content, view=view, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.info("Could not update icebreaker round message %s", message_id)

    # ------------------------------------------------------------ timers

    def _schedule(self, stored: StoredRound) -> None:
        """(Re)start the one timer task of a round from its stored deadline; cancel it if none is needed."""
        round_id = stored.state.round_id
        old = self._timers.pop(round_id, None)
        if old is not None and old is not asyncio.current_task():
            old.cancel()
        if stored.state.is_over or stored.deadline is None:
            return
        self._timers[round_id] = asyncio.create_task(self._run_timer(stored), name=f"icebreaker-round-{round_id}")

    async def _run_timer(self, stored: StoredRound) -> None:
        state = stored.state
        assert stored.deadline is not None
        await self.bot.wait_until_ready()
        try:
            left = (stored.deadline - utcnow()).total_seconds()
            if state.phase is Phase.JOINING:
                await asyncio.sleep(max(left, 0))
                await self._timed(state.round_id, state.turn, lambda s: rounds.begin_speaking(s, self._shuffled(s)))
                return
            # Sleep on the event loop's clock only after this first reading of "now", so the warning
            # and the move stay in step with each other (and with SimCord's virtual time in tests).
            if state.seconds and not stored.warned:
                warn_in = max(left - state.seconds * (1 - WARN_AT), 0)
                await asyncio.sleep(warn_in)
                await self._warn(state.round_id, state.turn)
                left -= warn_in
            await asyncio.sleep(max(left, 0))
            await self._timed(state.round_id, state.turn, lambda s: rounds.advance(s, Outcome.SPOKE))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("An icebreaker round timer failed (round %s)", state.round_id)

    def _shuffled(self, state: RoundState) -> tuple[int, ...]:
        order = list(state.order)
        self.rng.shuffle(order)
        return tuple(order)

    async def _timed(self, round_id: int, turn: int, change: Callable[[RoundState], RoundState]) -> None:
        """Apply a timer's change only if the round is still on the turn the timer was set for."""

        def guarded(state: RoundState) -> RoundState:
            return change(state) if state.turn == turn else state

        with contextlib.suppress(UserError):
            await self._transition(round_id, guarded)

    async def _warn(self, round_id: int, turn: int) -> None:
        """The gentle "time's nearly up": added to the turn message, so nobody is pinged again."""
        async with self._lock(round_id):
            stored = await self.repo.get_round(round_id)
            if stored is None or stored.state.is_over or stored.state.turn != turn or stored.warned:
                return
            channel = self.bot.get_channel(stored.state.channel_id)
            if isinstance(channel, discord.abc.Messageable) and stored.state.turn_message_id:
                with contextlib.suppress(discord.HTTPException):
                    message = await channel.fetch_message(stored.state.turn_message_id)
                    await message.edit(
                        content=message.content + "\n⏳ Time's nearly up. No rush, finish your thought.",
                        allowed_mentions=NO_PINGS,
                    )
            await self.repo.save_round(stored.state, stored.deadline, True)


def _order_line(order: list[int]) -> tuple[str, list[int]]:
    """ "The order: @A, @B, …" within :data:`ORDER_SHOWN` characters, and the people it mentions (at most
    100, Discord's limit on pings in one message); in a very large round the rest are not listed."""
    shown: list[int] = []
    length = 0
    for user_id in order[:100]:
        mention = f"<@{user_id}>"
        if length + len(mention) + 2 > ORDER_SHOWN:
            break
        shown.append(user_id)
        length += len(mention) + 2
    more = len(order) - len(shown)
    line = "The order: " + ", ".join(f"<@{u}>" for u in shown) + (f" and {more} more." if more else ".")
    return line, shown


def _pinging(user_ids: list[int]) -> discord.AllowedMentions:
    return discord.AllowedMentions(
        everyone=False, roles=False, users=[discord.Object(u) for u in user_ids], replied_user=False
    )


def _turn_text(state: RoundState) -> str:
    timing = f" You have about {state.seconds} seconds." if state.seconds else ""
    return (
        f"**Turn {state.position + 1} of {len(state.order)}:** <@{state.current_speaker}>, your turn!{timing} "
        "Press **Next** when you have finished, or **Pass** if you would rather not say anything this time."
    )


def _check_turn(state: RoundState, turn: int) -> None:
    if state.phase is not Phase.SPEAKING or state.turn != turn:
        raise UserError(TURN_MOVED_ON)


def _with_message(state: RoundState, message_id: int) -> RoundState:
    return replace(state, message_id=message_id)


def _with_turn_message(state: RoundState, message_id: int | None) -> RoundState:
    return replace(state, turn_message_id=message_id)
