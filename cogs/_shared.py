"""Helpers every cog shares: who counts as a facilitator, private replies, help sections.

Kept in one place so the refusal wording is the same everywhere and so every feature decides
"is this person a facilitator?" in exactly the same way (DESIGN.md: the configured facilitator
role, or the Manage Server permission).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import discord
from discord import app_commands

from bot.app import send_ephemeral
from bot.errors import UserError

if TYPE_CHECKING:
    from bot.app import CopBot

NO_PINGS = discord.AllowedMentions.none()

FACILITATOR_ONLY = (
    "Sorry, only facilitators can do that. If you help run this community, ask a server admin "
    "to give you the facilitator role."
)
SERVER_ONLY = "Please use this in the community's server rather than in a direct message."
#: What a member hears if they reach a facilitator's button (they should not see one: issue 25).
BUTTON_FOR_FACILITATORS = "This button is for the people running the meeting."

#: ``default_member_permissions`` of every facilitator command group: Discord shows them in the ``/``
#: list only to members with Manage Server (who count as facilitators) and to administrators, until a
#: server admin shows them to the facilitator role (Server Settings → Integrations → copbot: each
#: command, add the role). A bot cannot do that step for them: Discord accepts command permission
#: changes only with a person's own login token (OAuth2 Bearer), never a bot token. The run-time
#: facilitator check stays on every command and button all the same.
FACILITATOR_COMMANDS = discord.Permissions(manage_guild=True)


class NotFacilitator(app_commands.CheckFailure):
    """A member who is not a facilitator tried a facilitator-only command."""

    def __init__(self) -> None:
        super().__init__(FACILITATOR_ONLY)


@dataclass(frozen=True, slots=True)
class HelpSection:
    """A feature's entry in ``/help``: a title and short plain-language lines.

    Cogs declare one as the class attribute ``help_section``; the help cog gathers them, so each
    feature documents itself where it is built.
    """

    order: int
    title: str
    lines: tuple[str, ...]
    facilitator_lines: tuple[str, ...] = ()


async def is_facilitator(bot: CopBot, member: discord.Member | discord.User) -> bool:
    """True for members with Manage Server or the server's configured facilitator role."""
    if not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild:
        return True
    settings = await bot.settings.get(member.guild.id)
    return settings.facilitator_role_id is not None and member.get_role(settings.facilitator_role_id) is not None


def facilitator_only() -> Callable[[Any], Any]:
    """Slash-command check: refuse non-facilitators with one polite sentence; nothing runs."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if await is_facilitator(interaction.client, interaction.user):  # type: ignore[arg-type]
            return True
        raise NotFacilitator()

    return app_commands.check(predicate)


F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def replies_to_user_errors(func: F) -> F:
    """Wrap a button or modal callback so a :class:`UserError` becomes a private reply.

    Slash commands get this from the bot-wide error handler; component callbacks report to their
    view instead, so they use this decorator. Any other exception still propagates (and is logged).
    """

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await func(*args, **kwargs)
        except UserError as error:
            interaction = next(a for a in args if isinstance(a, discord.Interaction))
            await send_ephemeral(interaction, error.message)
            return None

    return wrapper  # type: ignore[return-value]


async def require_facilitator(interaction: discord.Interaction) -> None:
    """For buttons and forms: raise a :class:`UserError` (shown privately) unless the clicker is a
    facilitator. Members should never meet one (facilitators' buttons live where only they see them),
    so the refusal is one plain sentence."""
    if not await is_facilitator(interaction.client, interaction.user):  # type: ignore[arg-type]
        raise UserError(BUTTON_FOR_FACILITATORS)


def for_facilitators(func: F) -> F:
    """The one way a button's ``callback`` or a form's ``on_submit`` runs facilitator work.

    The facilitator is checked again at every press and every submit, not only when the button was
    shown or the form opened: a form can stay open for a long time, and the role can be taken away
    meanwhile. A non-facilitator gets :data:`BUTTON_FOR_FACILITATORS` privately and nothing runs. Includes
    :func:`replies_to_user_errors`. Marks the callback (``copbot_facilitators``) so a test can find
    every facilitator control the bot registers and prove each one refuses.
    """

    @functools.wraps(func)
    async def checked(*args: Any, **kwargs: Any) -> Any:
        interaction = next(a for a in args if isinstance(a, discord.Interaction))
        await require_facilitator(interaction)
        return await func(*args, **kwargs)

    wrapped = replies_to_user_errors(checked)
    wrapped.copbot_facilitators = True  # type: ignore[attr-defined]
    return wrapped


def drop_payload(interaction: discord.Interaction) -> None:
    """Forget what a member submitted (the gateway payload's ``data``) once it has been read.

    discord.py keeps a submitted form (a question's text, check-in scores) in ``interaction.data``,
    beside ``interaction.user``, for as long as the interaction lives: until its last reply is sent.
    Dropped as soon as it is read, a memory dump taken while the reply is on its way finds the member
    but not what they submitted, and the payload can be collected. The dict is emptied too, so a
    caller that still holds it holds nothing. Only the handler that owns the form calls this (each
    form's ``custom_id`` has exactly one).
    """
    data = interaction.data
    interaction.data = None
    if isinstance(data, dict):
        data.clear()


def guild_of(interaction: discord.Interaction) -> discord.Guild:
    """The interaction's server; commands are server-only, so this only fails on a programming error."""
    if interaction.guild is None:
        raise UserError(SERVER_ONLY)
    return interaction.guild


class IdButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """A button that keeps working after a restart because its ``custom_id`` carries the id it acts on.

    The id reads ``<prefix>:<action>:<target id>`` (``copbot:questions:vote:12``), so a click needs no
    memory of the message: the callback reads ``self.target_id`` and looks the rest up. A feature sets
    ``prefix`` on its own base class; each button names its action in its class line and sets its
    look, then is registered with ``bot.add_dynamic_items``::

        class VoteButton(_QuestionButton, action="vote"):
            label = "Me too"
            style = discord.ButtonStyle.primary
    """

    prefix: ClassVar[str] = ""
    action: ClassVar[str] = ""
    label: ClassVar[str] = ""
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init_subclass__(cls, *, action: str | None = None) -> None:
        if action is None:  # a feature's base class: it matches no custom_id itself
            super().__init_subclass__(template=r"(?!)")
            return
        cls.action = action
        super().__init_subclass__(template=rf"{re.escape(cls.prefix)}:{re.escape(action)}:(?P<target_id>[0-9]+)")

    def __init__(self, target_id: int, *, label: str | None = None, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or self.label,
                style=self.style,
                custom_id=f"{self.prefix}:{self.action}:{target_id}",
                disabled=disabled,
            )
        )
        self.target_id = target_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["target_id"]))


@dataclass(frozen=True, slots=True)
class PublicRef:
    """What a button's ``custom_id`` names, without a row id that counts across every server.

    Row ids are shared by all servers, so a button carrying one shows members how busy other servers
    are (check-in "#1" here carried id 4 after three check-ins elsewhere). A button names its target by
    ``<server>:<number>`` (the per-server ``#N``; the server is there because a DM has none) or by
    ``t<token>`` (a random token stored with the row). ``row_id`` is only for buttons made before this,
    which carry the bare row id and keep working.
    """

    guild_id: int | None = None
    number: int | None = None
    token: int | None = None
    row_id: int | None = None

    PATTERN: ClassVar[str] = r"[0-9]+:[0-9]+|t[0-9]+|[0-9]+"

    @classmethod
    def parse(cls, text: str) -> PublicRef:
        if text.startswith("t"):
            return cls(token=int(text[1:]))
        if ":" in text:
            guild, number = text.split(":", 1)
            return cls(guild_id=int(guild), number=int(number))
        return cls(row_id=int(text))

    @classmethod
    def numbered(cls, guild_id: int, number: int) -> PublicRef:
        return cls(guild_id=guild_id, number=number)

    @classmethod
    def tokened(cls, token: int | None, row_id: int) -> PublicRef:
        """By token; a row made before tokens existed (``None``) keeps its row id."""
        return cls(token=token) if token is not None else cls(row_id=row_id)

    def __str__(self) -> str:
        if self.token is not None:
            return f"t{self.token}"
        if self.guild_id is not None and self.number is not None:
            return f"{self.guild_id}:{self.number}"
        return str(self.row_id)


class RefButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """Like :class:`IdButton`, but the ``custom_id`` carries a :class:`PublicRef`: ``<prefix>:<action>:<ref>``."""

    prefix: ClassVar[str] = ""
    action: ClassVar[str] = ""
    label: ClassVar[str] = ""
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init_subclass__(cls, *, action: str | None = None) -> None:
        if action is None:
            super().__init_subclass__(template=r"(?!)")
            return
        cls.action = action
        super().__init_subclass__(template=rf"{re.escape(cls.prefix)}:{re.escape(action)}:(?P<ref>{PublicRef.PATTERN})")

    def __init__(self, ref: PublicRef, *, label: str | None = None, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or self.label,
                style=self.style,
                custom_id=f"{self.prefix}:{self.action}:{ref}",
                disabled=disabled,
            )
        )
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> Self:
        return cls(PublicRef.parse(match["ref"]))
