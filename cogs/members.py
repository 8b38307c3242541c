"""``/profile`` and ``/members``: each member's stakeholder role, which the group planner mixes."""

from __future__ import annotations

from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.clock import utcnow
from bot.errors import UserError
from bot.roles import ROLES, label
from cogs._privacy_views import confirm_view
from cogs._shared import FACILITATOR_COMMANDS, NO_PINGS, HelpSection, facilitator_only, guild_of

ROLE_CHOICES = [app_commands.Choice(name=r.label[:100], value=r.key) for r in ROLES]
_MAX_LIST = 1800


def _names(members: list[discord.Member]) -> str:
    """A comma-separated list that stays inside one Discord message."""
    out: list[str] = []
    used = 0
    for index, member in enumerate(sorted(members, key=lambda m: m.display_name.lower())):
        piece = member.mention
        if used + len(piece) + 2 > _MAX_LIST:
            out.append(f"and {len(members) - index} more")
            break
        out.append(piece)
        used += len(piece) + 2
    return ", ".join(out)


class MembersCog(commands.Cog):
    """Thin adapter over :class:`bot.storage.members.MemberRepository`."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=10,
        title="Your role in the group",
        lines=("`/profile`: tell us which part of the community you come from. It helps us mix the small groups.",),
        facilitator_lines=(
            "`/members list` shows how many people have each role and who has not chosen one yet.",
            "`/members set` sets someone's role for them.",
            "`/members forget` deletes everything copbot keeps about someone (for example if they ask you, or "
            "have left): choose the `member`, or paste their `user_id` if they are no longer in the server.",
        ),
    )

    members = app_commands.Group(
        name="members",
        description="See and set members' roles (facilitators)",
        guild_only=True,
        default_permissions=FACILITATOR_COMMANDS,
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    @app_commands.command(name="profile", description="Tell copbot which part of the community you come from")
    @app_commands.describe(
        role="The option that fits you best",
        recaps="Get a meeting's recap by message when you miss it (on unless you turn it off)",
    )
    @app_commands.choices(role=ROLE_CHOICES)
    @app_commands.guild_only()
    async def profile(
        self,
        interaction: discord.Interaction,
        role: app_commands.Choice[str] | None = None,
        recaps: bool | None = None,
    ) -> None:
        guild = guild_of(interaction)
        if role is None and recaps is None:
            current = await self.bot.members.get_role(guild.id, interaction.user.id)
            raise UserError(
                f"Your role is {f'**{label(current)}**' if current else 'not chosen yet'}. "
                "Choose a `role` to change it, or `recaps` to turn meeting recaps on or off."
            )
        lines = []
        if role is not None:
            await self.bot.members.set_role(guild.id, interaction.user.id, role.value)
            lines.append(
                f"Thank you. Your role is now: **{label(role.value)}**. You can change it at any time with `/profile`."
            )
        if recaps is not None:
            await self.bot.meeting_sessions.set_recaps(guild.id, interaction.user.id, recaps, utcnow())
            lines.append(
                "When you miss a meeting, I'll send you its recap by message."
                if recaps
                else "I won't send you meeting recaps by message any more. The recap is still posted in the server."
            )
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @members.command(name="set", description="Set another member's role (facilitators)")
    @app_commands.describe(member="Who to set the role for", role="Their role")
    @app_commands.choices(role=ROLE_CHOICES)
    @facilitator_only()
    async def set_role(
        self, interaction: discord.Interaction, member: discord.Member, role: app_commands.Choice[str]
    ) -> None:
        guild = guild_of(interaction)
        if member.bot:
            await interaction.response.send_message(
                "Bots don't take part in groups, so they don't need a role.", ephemeral=True
            )
            return
        await self.bot.members.set_role(guild.id, member.id, role.value)
        await interaction.response.send_message(
            f"{member.mention}'s role is now: **{label(role.value)}**.", ephemeral=True, allowed_mentions=NO_PINGS
        )

    @members.command(name="list", description="How many members have each role, and who has none yet (facilitators)")
    @facilitator_only()
    async def list_members(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        if not guild.chunked:  # just after start-up the member cache may still be filling
            await guild.chunk()
        roles = await self.bot.members.roles_for(guild.id)
        people = [m for m in guild.members if not m.bot]
        by_role: dict[str, list[discord.Member]] = {r.key: [] for r in ROLES}
        missing: list[discord.Member] = []
        for member in people:
            role = roles.get(member.id)
            by_role.get(role or "", missing).append(member)
        lines = [f"**Members and their roles** ({len(people)} people)"]
        for r in ROLES:
            group = by_role[r.key]
            lines.append(f"{r.label}: **{len(group)}**" + (f" ({_names(group)})" if group else ""))
        if missing:
            lines.append(f"\nNo role yet: **{len(missing)}**: {_names(missing)}")
            lines.append("They can choose one with `/profile`, or you can use `/members set`.")
        else:
            lines.append("\nEveryone has chosen a role.")
        text = "\n".join(lines)
        if len(text) > 2000:
            text = "\n".join(
                [
                    lines[0],
                    *(f"{r.label}: **{len(by_role[r.key])}**" for r in ROLES),
                    f"No role yet: **{len(missing)}**",
                ]
            )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @members.command(name="forget", description="Delete everything copbot keeps about a member (facilitators)")
    @app_commands.describe(
        member="The member to forget", user_id="Or their Discord user id, for someone no longer in the server"
    )
    @facilitator_only()
    async def forget_member(
        self, interaction: discord.Interaction, member: discord.Member | None = None, user_id: str | None = None
    ) -> None:
        if (member is None) == (user_id is None):
            raise UserError("Please choose either `member` or `user_id` (one of the two). Nothing was changed.")
        if member is not None:
            target = member.id
        else:
            text = (user_id or "").strip().strip("<@!>")
            if not text.isdigit() or not 0 < int(text) < 2**64:
                raise UserError(
                    "A user id is a long number, like 123456789012345678 (turn on Developer Mode in Discord, then "
                    "right-click the person and choose Copy User ID). Nothing was changed."
                )
            target = int(text)
        await interaction.response.send_message(
            f"This deletes everything copbot keeps about <@{target}> in this server: their role, breakout history, "
            "keep-apart rules and reminders. Tasks they were given stay with no name on them, and whoever set them is "
            "told. This cannot be undone.",
            view=confirm_view(target, self_service=False),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


async def setup(bot: CopBot) -> None:
    await bot.add_cog(MembersCog(bot))
