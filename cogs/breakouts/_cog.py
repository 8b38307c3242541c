"""``/breakout``: plan mixed groups, open voice rooms, move people, time, broadcast, bring everyone back.

The cog is the Discord side only: it reads commands and voice events, calls the breakout service on
the bot object (:class:`bot.breakout_service.BreakoutService`, ``bot.breakouts``) and renders what it
returns. The service plans, opens, times and closes; it reaches Discord through
:class:`cogs.breakouts._discord.DiscordRooms`, which this cog hands it when it loads.
"""

from __future__ import annotations

import logging
from typing import ClassVar, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.breakout_rooms import NO_ROOMS_OPEN, Placement
from bot.breakouts import Candidate, check_plan_options, room_name
from bot.errors import UserError
from bot.text_limits import MESSAGE, fit, fit_lines
from cogs._shared import FACILITATOR_COMMANDS, NO_PINGS, HelpSection, facilitator_only, guild_of
from cogs.breakouts._discord import DiscordRooms
from cogs.breakouts._progress import Progress, tell_facilitator
from cogs.breakouts._render import close_text, joined_text, name_of, namer, render_plan
from cogs.breakouts._views import DYNAMIC_ITEMS, open_rooms, plan_view

log = logging.getLogger(__name__)

#: How each way of sending someone to their room went, for the facilitator who moved them.
_HOW = {
    "moved": "",
    "told": " They are not in voice, so I sent them a message with a link to the room.",
    "stuck": " Discord would not move them, so I sent them a message with a link to the room.",
    "unreachable": " They are not in voice and I could not message them, so please tell them where to go.",
}


@app_commands.default_permissions(FACILITATOR_COMMANDS)
class BreakoutsCog(
    commands.GroupCog, group_name="breakout", group_description="Breakout rooms for small-group discussion"
):
    """Thin adapter over :class:`bot.breakout_service.BreakoutService`."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=40,
        title="Breakout rooms",
        lines=(
            "Sometimes we split into small groups in voice rooms. copbot moves you there and back.",
            "In your room's chat, **Ask for help** calls a facilitator.",
        ),
        facilitator_lines=(
            "`/breakout plan size:` proposes groups from the main voice channel (or `voice:`), to open, "
            "reshuffle or cancel; `reuse: last` brings back the last groups with today's people.",
            "**Open rooms** under a plan asks for a timer (or none); `/breakout open minutes:` does the same. "
            "**Add 5 minutes** gives every room more time. `/breakout move member: group:` moves one person.",
            "`/breakout broadcast message:` posts in every room; `/breakout close` brings everyone back.",
            "`/breakout keep-apart` keeps two people apart; `-list` and `-remove` show and undo these.",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.service = bot.breakouts

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.service.attach(self._discord)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.service.detach()

    def _discord(self, guild_id: int) -> DiscordRooms | None:
        guild = self.bot.get_guild(guild_id)
        return DiscordRooms(self.bot, guild) if guild is not None else None

    async def _candidate(self, member: discord.Member) -> Candidate:
        settings = await self.bot.settings.get(member.guild.id)
        role_id = settings.facilitator_role_id
        return Candidate(member.id, role_id is not None and member.get_role(role_id) is not None)

    # ------------------------------------------------------------------ planning

    @app_commands.command(name="plan", description="Plan mixed breakout groups (facilitators)")
    @app_commands.describe(
        size="How many people in each group (2 to 25; not needed with reuse)",
        voice="The voice channel to take people from (default: the main voice channel)",
        reuse="last: the groups of the last breakout again, with the people here today",
    )
    @facilitator_only()
    async def plan(
        self,
        interaction: discord.Interaction,
        size: int | None = None,
        voice: discord.VoiceChannel | None = None,
        reuse: Literal["last"] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        check_plan_options(size, reuse)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await DiscordRooms(self.bot, guild).ready()
        settings = await self.bot.settings.get(guild.id)
        source_channel: discord.VoiceChannel | discord.StageChannel | None = voice
        if source_channel is None and settings.main_voice_id is not None:
            found = guild.get_channel(settings.main_voice_id)
            if isinstance(found, discord.VoiceChannel | discord.StageChannel):
                source_channel = found
        members = [m for m in source_channel.members if not m.bot] if source_channel else []
        if voice is not None and not members:
            raise UserError(f"Nobody is in {voice.mention} right now, so there is nobody to put into groups.")
        if members:
            assert source_channel is not None
            source = source_channel.mention
        else:
            source_channel = None
            source = "everyone who has chosen a role"
            roles = await self.service.roles(guild.id)
            members = [m for uid in roles if (m := guild.get_member(uid)) is not None and not m.bot]
        session = await self.service.plan(
            guild.id,
            [await self._candidate(m) for m in members],
            size=size,
            seed=interaction.id % 1_000_000,
            reuse_last=reuse == "last",
            source=source,
            source_channel_id=source_channel.id if source_channel else None,
            created_by=interaction.user.id,
            name=namer(guild),
        )
        await interaction.edit_original_response(
            content=render_plan(guild, session), view=plan_view(session), allowed_mentions=NO_PINGS
        )

    # ------------------------------------------------------------------- opening

    @app_commands.command(name="open", description="Open the rooms of the latest breakout plan (facilitators)")
    @app_commands.describe(minutes="Close the rooms automatically after this many minutes (optional)")
    @facilitator_only()
    async def open(self, interaction: discord.Interaction, minutes: int | None = None) -> None:
        guild = guild_of(interaction)
        session = await self.service.ready_to_open(guild.id, DiscordRooms(self.bot, guild), None, minutes)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await open_rooms(interaction, guild, session, minutes)

    # ---------------------------------------------------------------- while open

    @app_commands.command(name="broadcast", description="Post a message in every breakout room (facilitators)")
    @app_commands.describe(message="What to tell every group")
    @facilitator_only()
    async def broadcast(self, interaction: discord.Interaction, message: str) -> None:
        guild = guild_of(interaction)
        session = await self.service.open_session(guild.id)
        # One post per room: acknowledge first, or 10 rooms at 300 ms miss Discord's 3 seconds.
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = fit(f"**Message from {name_of(interaction.user, interaction.user.id)}:** {message}", MESSAGE)
        sent = await self.service.post_in_rooms(DiscordRooms(self.bot, guild), session, text)
        await interaction.edit_original_response(
            content=f"Sent to {sent} of {len(session.channel_ids)} rooms.", allowed_mentions=NO_PINGS
        )

    @app_commands.command(
        name="move", description="Move someone to another breakout group while rooms are open (facilitators)"
    )
    @app_commands.describe(member="The person to move", group="The number of the group to move them to (Group 1 is 1)")
    @facilitator_only()
    async def move(self, interaction: discord.Interaction, member: discord.Member, group: int) -> None:
        guild = guild_of(interaction)
        if member.bot:
            raise UserError("Bots don't take part in groups, so there is nobody to move.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        person = await self.service.participant(guild.id, await self._candidate(member))
        placement = await self.service.rooms.move(guild.id, person, group)
        how = await self._send_to_room(guild, placement, member)
        who, room = name_of(member, member.id), room_name(placement.group + 1)
        if placement.was_in is not None:
            text = f"Moved {who} from {room_name(placement.was_in + 1)} to {room}."
        else:
            text = f"Added {who} to {room}."
        await interaction.edit_original_response(content=text + _HOW[how], allowed_mentions=NO_PINGS)

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Someone joins the main voice channel while rooms are open: the service says which group (or to
        leave them be); this moves them there and tells the room."""
        if member.bot or after.channel is None or before.channel == after.channel:
            return
        if not self.bot.config.breakouts.place_late_joiners:
            return
        settings = await self.bot.settings.get(member.guild.id)
        if after.channel.id != settings.main_voice_id:
            return
        live = await self.service.repo.live(member.guild.id)
        if live is None or live.status != "open":
            return  # the usual case (no rooms open): no need to look up the member's role
        came_from = before.channel.id if before.channel is not None else None
        person = await self.service.participant(member.guild.id, await self._candidate(member))
        placement = await self.service.rooms.place(member.guild.id, person, came_from)
        if placement is not None:
            await self._send_to_room(member.guild, placement, member)

    async def _send_to_room(self, guild: discord.Guild, placement: Placement, member: discord.Member) -> str:
        """Move ``member`` to their group's room (or message them the way), and tell the room who joined.

        Returns how it went: ``moved``, ``told`` (not in voice, sent a message), ``stuck`` (Discord
        would not move them, sent a message) or ``unreachable`` (neither worked).
        """
        room_id = placement.session.channel_ids[placement.group]
        rooms = DiscordRooms(self.bot, guild)
        if not rooms.is_voice(room_id):
            return "unreachable"
        how = "told"
        if member.voice is not None and member.voice.channel is not None:
            how = "moved" if await rooms.move(member.id, room_id) else "stuck"
        if how != "moved" and await rooms.tell_rooms([(member.id, room_id)]):
            how = "unreachable"
        await rooms.post(room_id, joined_text(name_of(member, member.id)))
        return how

    # ------------------------------------------------------------------- closing

    @app_commands.command(name="close", description="Bring everyone back and remove the breakout rooms (facilitators)")
    @facilitator_only()
    async def close(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        if await self.service.repo.live(guild.id) is None:
            raise UserError(NO_ROOMS_OPEN)
        await interaction.response.defer(ephemeral=True, thinking=True)
        progress = Progress(interaction, fallback=tell_facilitator(self.bot, guild, interaction.user))
        closed = await self.service.close(DiscordRooms(self.bot, guild), guild.id, progress)
        await progress.finish(close_text(closed) if closed.was_open else NO_ROOMS_OPEN)

    # ---------------------------------------------------------------- keep apart

    @app_commands.command(name="keep-apart", description="Never put these two people in the same group (facilitators)")
    @app_commands.describe(member_a="One person", member_b="The person to keep them apart from")
    @facilitator_only()
    async def keep_apart(
        self, interaction: discord.Interaction, member_a: discord.Member, member_b: discord.Member
    ) -> None:
        guild = guild_of(interaction)
        if member_a.bot or member_b.bot:
            raise UserError("Bots don't take part in groups, so there is nothing to keep apart.")
        added = await self.service.repo.add_keep_apart(guild.id, member_a.id, member_b.id, interaction.user.id)
        verb = "will never be" if added else "were already set never to be"
        await interaction.response.send_message(
            f"{member_a.mention} and {member_b.mention} {verb} put in the same breakout group.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(
        name="keep-apart-list", description="Show who is kept apart in breakout groups (facilitators)"
    )
    @facilitator_only()
    async def keep_apart_list(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        rules = await self.service.repo.keep_apart_rules(guild.id)
        if not rules:
            text = "Nobody is kept apart. Use `/breakout keep-apart` to add a pair."
        else:
            lines = [f"**Kept apart in breakout groups** ({len(rules)})"]
            lines += [f"{i}. <@{r.user_a}> and <@{r.user_b}>" for i, r in enumerate(rules, start=1)]
            lines.append("Use `/breakout keep-apart-remove` to undo one.")
            text = fit_lines(lines[1:-1], MESSAGE, head=lines[0], foot=lines[-1])
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="keep-apart-remove", description="Let two people share a group again (facilitators)")
    @app_commands.describe(member_a="One person", member_b="The other person")
    @facilitator_only()
    async def keep_apart_remove(
        self, interaction: discord.Interaction, member_a: discord.Member, member_b: discord.Member
    ) -> None:
        guild = guild_of(interaction)
        if member_a.id == member_b.id:
            raise UserError("Please choose two different members.")
        if not await self.service.repo.remove_keep_apart(guild.id, member_a.id, member_b.id):
            raise UserError(
                f"{name_of(member_a, member_a.id)} and {name_of(member_b, member_b.id)} are not kept apart, "
                "so nothing was changed."
            )
        await interaction.response.send_message(
            f"{member_a.mention} and {member_b.mention} may be put in the same group again.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
