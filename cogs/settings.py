"""``/settings show``, ``/settings update`` and ``/settings reminders``: where the bot talks, who
facilitates, which timezone, and when reminders go out.

``/settings reminders`` lives here with the other settings. It saves the rules and re-plans the
server's reminders through :meth:`bot.task_service.TaskService.save_rules` (``bot.tasks``), and says
the notice budget that applies on top of them. ``/settings update timezone:`` re-plans in the
transaction that saves the new timezone (:meth:`~bot.task_service.TaskService.replan_in`), so
reminders keep going out at 09:00 on the server's new clock, then tells the tasks cog with the
``reminders_replanned`` event to re-arm the reminder job."""

from __future__ import annotations

import zoneinfo
from typing import ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import CopBot
from bot.clock import utcnow
from bot.command_access import WHERE, done_sentence, hidden_from_role, step_sentence
from bot.config import validate_timezone
from bot.errors import UserError
from bot.reminders.budget import describe_budget
from bot.reminders.rules import DIGEST_HOURS_RANGE, OVERDUE_EVERY_RANGE, OVERDUE_MAX_RANGE, change_rules, describe
from bot.storage.database import Transaction
from bot.storage.settings import GuildSettings
from cogs._shared import FACILITATOR_COMMANDS, HelpSection, facilitator_only, guild_of

_ALL_TIMEZONES = sorted(zoneinfo.available_timezones())


def _mention(kind: str, value: int | None, fallback: str) -> str:
    if value is None:
        return fallback
    return f"<#{value}>" if kind == "channel" else f"<@&{value}>"


def render_settings(settings: GuildSettings, default_timezone: str, guild_name: str, reminders: str) -> str:
    """The settings in plain words, with what happens when something is not set."""
    timezone = settings.timezone or f"{default_timezone} (the default)"
    questions = (
        _mention("channel", settings.questions_channel_id, "")
        if settings.questions_channel_id
        else "the meeting channel" + ("" if settings.meeting_channel_id else " (not set yet)")
    )
    lines = [
        f"**Settings for {discord.utils.escape_markdown(guild_name)}**",
        "Facilitator role: "
        + _mention("role", settings.facilitator_role_id, "not set (people with Manage Server count as facilitators)"),
        "Meeting channel: " + _mention("channel", settings.meeting_channel_id, "not set"),
        f"Questions channel: {questions}",
        "Facilitator channel: " + _mention("channel", settings.facilitator_channel_id, "not set"),
        "Main voice channel: " + _mention("channel", settings.main_voice_id, "not set"),
        f"Timezone: {timezone}",
        "Questions checked by a facilitator before posting: " + ("on" if settings.moderation else "off"),
        "Welcome for new members by direct message: " + ("on" if settings.welcome else "off"),
        reminders,
    ]
    return "\n".join(lines)


def _require_bot_can_post(guild: discord.Guild, channel: object) -> None:
    """Questions waiting for approval go to the facilitator channel: refuse a channel copbot can't post in."""
    if isinstance(channel, discord.TextChannel):
        perms = channel.permissions_for(guild.me)
        if perms.view_channel and perms.send_messages:
            return
        where = channel.mention
    else:
        where = "the facilitator channel"
    raise UserError(
        f"I can't post in {where}, so questions waiting to be checked would never reach the facilitators: "
        "please let me see and send messages there first. Nothing was changed."
    )


@app_commands.guild_only()
@app_commands.default_permissions(FACILITATOR_COMMANDS)
class SettingsCog(
    commands.GroupCog, group_name="settings", group_description="See or change how copbot works here (facilitators)"
):
    """Thin adapter over :class:`bot.storage.settings.SettingsRepository`."""

    help_section: ClassVar[HelpSection] = HelpSection(
        order=90,
        title="Settings",
        lines=(),
        facilitator_lines=(
            "`/settings show` lists the channels, timezone, facilitator role and reminder rules copbot uses here.",
            "Members see only their own commands. To show the facilitator commands to your facilitator role, a "
            f"server admin opens {WHERE}, and adds that role to each facilitator command. `/settings show` "
            "says which ones still need it.",
            "`/settings update` chooses the facilitator role, the meeting, questions and facilitator channels, "
            "the main voice channel, the timezone, whether questions are checked before posting, and whether new "
            "members get the welcome.",
            "`/settings reminders` chooses when task reminders go out (days before the due date, the hour, "
            "overdue nudges) and how long before a meeting the list of open tasks is posted; "
            "`reset:True` goes back to the defaults.",
        ),
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    async def _render(self, guild: discord.Guild, settings: GuildSettings) -> str:
        policy = await self.bot.reminder_policies.policy_for(guild.id)
        return render_settings(settings, self.bot.config.community.timezone, guild.name, describe(policy))

    async def _who_sees(self, guild: discord.Guild, settings: GuildSettings) -> str:
        """Whether the facilitator role sees the facilitator commands, or the admin's step if not.

        copbot can read command permissions but not change them (see :mod:`bot.command_access`).
        """
        role = guild.get_role(settings.facilitator_role_id) if settings.facilitator_role_id else None
        if role is None:
            return ""
        if role.permissions.administrator or role.permissions.manage_guild:
            return "\n\n" + done_sentence(role.mention)
        overrides: dict[str, list[tuple[int, int, bool]]] = {}
        try:
            for command in await self.bot.tree.fetch_commands():
                if command.default_member_permissions is None or command.type is not discord.AppCommandType.chat_input:
                    continue
                try:
                    found = (await command.fetch_permissions(guild)).permissions
                except discord.NotFound:  # nothing changed for this command in this server
                    found = []
                overrides[command.name] = [(p.id, p.type.value, p.permission) for p in found]
        except discord.HTTPException:
            return ""
        hidden = hidden_from_role(overrides, role_id=role.id, guild_id=guild.id)
        return "\n\n" + (step_sentence(role.mention, hidden) if hidden else done_sentence(role.mention))

    @app_commands.command(name="show", description="Show copbot's settings for this server (facilitators)")
    @facilitator_only()
    async def show(self, interaction: discord.Interaction) -> None:
        guild = guild_of(interaction)
        settings = await self.bot.settings.get(guild.id)
        await interaction.response.defer(ephemeral=True)
        await interaction.followup.send(
            await self._render(guild, settings) + await self._who_sees(guild, settings),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="update", description="Change copbot's settings (facilitators)")
    @app_commands.describe(
        facilitator_role="Members with this role can run meetings with copbot",
        meeting_channel="Where copbot posts for everyone (reminders, digests, icebreakers)",
        questions_channel="Where anonymous questions appear (default: the meeting channel)",
        facilitator_channel="A private channel for facilitators' notices and questions waiting for approval",
        main_voice="The voice channel where the meeting happens",
        timezone="Your area's timezone, for example Europe/London",
        moderation="Check anonymous questions before they are posted (needs a facilitator channel copbot can post in)",
        welcome="Send new members the short welcome by direct message (on unless you turn it off)",
    )
    @facilitator_only()
    async def update(
        self,
        interaction: discord.Interaction,
        facilitator_role: discord.Role | None = None,
        meeting_channel: discord.TextChannel | None = None,
        questions_channel: discord.TextChannel | None = None,
        facilitator_channel: discord.TextChannel | None = None,
        main_voice: discord.VoiceChannel | None = None,
        timezone: str | None = None,
        moderation: bool | None = None,
        welcome: bool | None = None,
    ) -> None:
        guild = guild_of(interaction)
        changes: dict[str, object] = {}
        if welcome is not None:
            changes["welcome"] = welcome
        if facilitator_role is not None:
            if facilitator_role.is_default():
                raise UserError("Please choose a role other than @everyone for facilitators.")
            changes["facilitator_role_id"] = facilitator_role.id
        for key, channel in (
            ("meeting_channel_id", meeting_channel),
            ("questions_channel_id", questions_channel),
            ("facilitator_channel_id", facilitator_channel),
            ("main_voice_id", main_voice),
        ):
            if channel is not None:
                changes[key] = channel.id
        if timezone is not None:
            try:
                changes["timezone"] = validate_timezone(timezone.strip())
            except ValueError:
                raise UserError(
                    f"I don't know the timezone “{discord.utils.escape_markdown(timezone)[:60]}”. "
                    "Please pick one from the list, for example Europe/London. Nothing was changed."
                ) from None
        current = await self.bot.settings.get(guild.id)
        if moderation is not None:
            if moderation and facilitator_channel is None and current.facilitator_channel_id is None:
                raise UserError(
                    "Checking questions needs a private facilitator channel first: set `facilitator_channel` "
                    "too. Nothing was changed."
                )
            changes["moderation"] = moderation
        checking = moderation if moderation is not None else current.moderation
        if checking and (moderation or facilitator_channel is not None):
            review = facilitator_channel
            if review is None and current.facilitator_channel_id is not None:
                review = guild.get_channel(current.facilitator_channel_id)  # type: ignore[assignment]
            _require_bot_can_post(guild, review)
        if not changes:
            raise UserError("Nothing to change: choose at least one option. `/settings show` lists them.")

        default_zone = self.bot.config.community.timezone
        moved: list[str] = []

        async def replan_if_the_zone_moved(tx: Transaction, before: GuildSettings, after: GuildSettings) -> None:
            """Reminders follow the server's clock: re-plan them with the settings, in one transaction."""
            zone = after.timezone_or(default_zone)
            if zone != before.timezone_or(default_zone):
                await self.bot.tasks.replan_in(tx, guild.id, zone, utcnow())
                moved.append(zone)

        settings = await self.bot.settings.update(guild.id, also=replan_if_the_zone_moved, **changes)
        note = ""
        if moved:
            self.bot.dispatch("reminders_replanned", guild.id)
            note += f"\n\nReminders already planned now follow the new timezone, {moved[0]}."
        if facilitator_channel is not None and facilitator_channel.permissions_for(guild.default_role).view_channel:
            note += "\n\nNote: everyone in the server can see the facilitator channel. You may want to make it private."
        await interaction.response.defer(ephemeral=True)
        if facilitator_role is not None:
            note += await self._who_sees(guild, settings)
        await interaction.followup.send(
            "Saved.\n\n" + await self._render(guild, settings) + note,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="reminders", description="See or change when reminders go out here (facilitators)")
    @app_commands.describe(
        days_before="Days before the due date to remind, for example: 3, 1 (or none)",
        on_due_day="Also remind on the due date itself",
        send_hour="Hour of the day reminders go out, for example 9 for 09:00",
        overdue_every_days=f"Days between gentle nudges about an overdue task ({OVERDUE_EVERY_RANGE[0]} to "
        f"{OVERDUE_EVERY_RANGE[1]})",
        overdue_max=f"Most nudges about one overdue task ({OVERDUE_MAX_RANGE[0]} for none, up to "
        f"{OVERDUE_MAX_RANGE[1]})",
        digest_hours_before=f"Hours before a meeting to post the open tasks ({DIGEST_HOURS_RANGE[0]} to "
        f"{DIGEST_HOURS_RANGE[1]})",
        reset="Go back to copbot's usual reminder rules",
    )
    @facilitator_only()
    async def reminders(
        self,
        interaction: discord.Interaction,
        days_before: str | None = None,
        on_due_day: bool | None = None,
        send_hour: int | None = None,
        overdue_every_days: int | None = None,
        overdue_max: int | None = None,
        digest_hours_before: int | None = None,
        reset: bool | None = None,
    ) -> None:
        guild = guild_of(interaction)
        policies = self.bot.reminder_policies
        current = await policies.overrides(guild.id)
        options = (days_before, on_due_day, send_hour, overdue_every_days, overdue_max, digest_hours_before)
        if not reset and all(option is None for option in options):
            own = "" if current.is_default else " (some chosen here)"
            await interaction.response.send_message(
                f"{describe(current.apply(policies.defaults))}.\n\nThese are the reminder rules{own}. "
                f"{describe_budget()}\n\n"
                "Change them with `/settings reminders`; `reset:True` goes back to the usual rules.",
                ephemeral=True,
            )
            return
        chosen = change_rules(
            current,
            policies.defaults,
            reset=bool(reset),
            days_before=days_before,
            on_due_day=on_due_day,
            send_hour=send_hour,
            overdue_every_days=overdue_every_days,
            overdue_max=overdue_max,
            digest_hours_before=digest_hours_before,
        )
        policy = await self.bot.tasks.save_rules(guild.id, chosen, utcnow())
        await interaction.response.send_message(
            f"Saved. {describe(policy)}.\n\nReminders already planned for open tasks and meetings now follow "
            f"these rules; reminders already sent are not sent again. {describe_budget()}",
            ephemeral=True,
        )

    @update.autocomplete("timezone")
    async def _timezone_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.strip().lower().replace(" ", "_")
        matches = [tz for tz in _ALL_TIMEZONES if needle in tz.lower()] if needle else ["Europe/London", "UTC"]
        return [app_commands.Choice(name=tz, value=tz) for tz in matches[:25]]


async def setup(bot: CopBot) -> None:
    await bot.add_cog(SettingsCog(bot))
