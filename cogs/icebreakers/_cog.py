"""The icebreakers cog: parse → call :mod:`bot.icebreakers` / storage → render.

A speaking round is **one message** in the channel, edited in place at every turn (whose turn it is,
with **Next** and **Pass** under it) and ending with the thank-you: edits notify nobody, so a round of 15
costs the channel one post instead of 17. Each speaker is pinged once, when the round begins (the
message lists the order and mentions everyone in it); a round people join with a button pings nobody,
since they chose to take part.

A running round is :class:`bot.icebreakers.service.RoundService` (``bot.rounds``): it applies each press
and timer as one transition under the round's lock and keeps the timers; its message is posted and
rewritten by :class:`cogs.icebreakers._display.RoundMessages`, handed to it when this cog loads. The
presses' rules (who may move the round on) stay here, as the pure changes each press asks for.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Sequence
from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.config import ICEBREAKER_PAGE_SIZE
from bot.errors import UserError
from bot.icebreakers import round as rounds
from bot.icebreakers.bank import Prompt, check_custom_prompt, unknown_category_sentence
from bot.icebreakers.cycle import ALL_SCOPE
from bot.icebreakers.round import Outcome, Phase, RoundState
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
from cogs._voice import main_voice_members
from cogs.icebreakers._display import RoundMessages, prompt_line, round_intro, shown
from cogs.icebreakers._views import DYNAMIC_ITEMS, offer_end, page_view

log = logging.getLogger(__name__)

PAGE_SIZE = ICEBREAKER_PAGE_SIZE  # the config bound on icebreakers.max_length assumes it
TURN_MOVED_ON = "That turn has already finished, so the round has moved on."


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
        self.rounds = bot.rounds
        self.repo = bot.rounds.repo
        self.bank = self.repo.bank

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.rounds.attach(RoundMessages(self.bot))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.rounds.detach()

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
        prompt = await self.repo.next_prompt(guild.id, scope, self.rounds.rng)
        await interaction.response.send_message(
            prompt_line(prompt, self.bank.label(prompt.category)), allowed_mentions=NO_PINGS
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

        async def answer(prompt: Prompt, state: RoundState, order: Sequence[int]) -> int:
            """The command's own reply is the round's opening message."""
            label = self.bank.label(prompt.category)
            text, mentions, extra = round_intro(prompt, label, state, order, join_seconds=self.rounds.join_seconds)
            await interaction.response.send_message(text, allowed_mentions=mentions, **extra)  # type: ignore[arg-type]
            return (await interaction.original_response()).id

        settings = await self.bot.settings.get(guild.id)
        present = main_voice_members(guild, settings.main_voice_id)
        state = await self.rounds.start(
            guild.id, channel.id, seconds, voice_id=settings.main_voice_id, in_voice=sorted(present), post=answer
        )
        await offer_end(interaction, state)

    async def press_join(self, interaction: discord.Interaction, round_id: int) -> None:
        user_id = interaction.user.id

        def join(state: RoundState) -> RoundState:
            if state.phase is not Phase.JOINING:
                raise UserError("Joining has closed for this round, but you are welcome to listen in.")
            if user_id in state.order:
                raise UserError("You have already joined. You will be called when it is your turn.")
            return rounds.add_joiner(state, user_id)

        await self.rounds.transition(round_id, join)
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

        await self.rounds.precheck(round_id, move)
        await interaction.response.defer()
        await self.rounds.transition(round_id, move)

    async def press_pass(self, interaction: discord.Interaction, round_id: int, turn: int) -> None:
        user_id = interaction.user.id

        def skip(state: RoundState) -> RoundState:
            _check_turn(state, turn)
            if state.current_speaker != user_id:
                raise UserError("Only the person whose turn it is can pass. Your turn will come!")
            return rounds.advance(state, Outcome.PASSED)

        await self.rounds.precheck(round_id, skip)
        await interaction.response.defer()
        await self.rounds.transition(round_id, skip)
        await interaction.followup.send("No problem at all. Thank you!", ephemeral=True)

    async def press_end(self, interaction: discord.Interaction, round_id: int) -> None:
        if not await is_facilitator(self.bot, interaction.user):
            raise UserError(BUTTON_FOR_FACILITATORS)
        await self.rounds.precheck(round_id, rounds.finish)
        if interaction.message is not None and interaction.message.flags.ephemeral:  # the starter's own reply
            await interaction.response.edit_message(content="You ended the round.", view=None)
        else:  # an End round button on a turn posted before it moved to the private reply
            await interaction.response.defer()
        await self.rounds.transition(round_id, rounds.finish)

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
                await self.rounds.transition(stored.state.round_id, change)


def _check_turn(state: RoundState, turn: int) -> None:
    if state.phase is not Phase.SPEAKING or state.turn != turn:
        raise UserError(TURN_MOVED_ON)
