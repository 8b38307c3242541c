"""Every Discord permission copbot needs, and why, in one list.

This list is the single source for the invite link (``copbot invite``), the permission list in docs/hosting.md
(a test checks that each one is named there), and every check the bot makes before it acts, so the
three can never disagree. It holds plain names and bit values, not ``discord.Permissions``, because
domain modules never import discord; ``cogs/_shared.py`` turns these into checks against Discord.

Bit values are Discord's own (https://discord.com/developers/docs/topics/permissions). copbot never
asks for Administrator: a bot with every permission is one stolen token away from a wrecked server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Needed:
    """One permission: ``flag`` is discord.py's attribute name, ``label`` what Discord's settings show."""

    flag: str
    bit: int
    label: str
    why: str


VIEW_CHANNEL = Needed("view_channel", 10, "View Channels", "to see the channels it posts in and the voice rooms")
SEND_MESSAGES = Needed(
    "send_messages", 11, "Send Messages", "to post questions, prompts, speaking rounds, reminders and summaries"
)
EMBED_LINKS = Needed("embed_links", 14, "Embed Links", "to post anonymous questions as tidy cards")
READ_MESSAGE_HISTORY = Needed(
    "read_message_history", 16, "Read Message History", "to find its speaking-round posts again after a restart"
)
MANAGE_CHANNELS = Needed("manage_channels", 4, "Manage Channels", "to open and remove breakout voice rooms")
MOVE_MEMBERS = Needed("move_members", 24, "Move Members", "to move people into breakout rooms and back")
CONNECT = Needed(
    "connect", 20, "Connect", "Discord allows moving someone into a voice room only if the bot may connect to it"
)
CREATE_EVENTS = Needed(
    "create_events",
    44,
    "Create Events",
    "to add meetings to the server's Events list and remove them when cancelled (needed since February 2026)",
)
CREATE_PUBLIC_THREADS = Needed(
    "create_public_threads", 35, "Create Public Threads", "to post each meeting's recap in its own thread"
)
SEND_MESSAGES_IN_THREADS = Needed(
    "send_messages_in_threads", 38, "Send Messages in Threads", "to write the recap inside that thread"
)
# Not Manage Events: that is for editing *anyone's* events. Create Events already lets a bot edit and
# delete the events it made itself, which are the only ones copbot touches.

#: Everything copbot asks for in its invite link, in the order docs/hosting.md lists them.
ALL: tuple[Needed, ...] = (
    VIEW_CHANNEL,
    SEND_MESSAGES,
    EMBED_LINKS,
    READ_MESSAGE_HISTORY,
    MANAGE_CHANNELS,
    MOVE_MEMBERS,
    CONNECT,
    CREATE_EVENTS,
    CREATE_PUBLIC_THREADS,
    SEND_MESSAGES_IN_THREADS,
)

#: What a breakout needs in the server before any room is made (rooms inherit the server's permissions).
BREAKOUTS: tuple[Needed, ...] = (VIEW_CHANNEL, MANAGE_CHANNELS, MOVE_MEMBERS, CONNECT)
#: What moving people back needs on the main voice channel itself (a channel can override the server).
VOICE_TARGET: tuple[Needed, ...] = (VIEW_CHANNEL, CONNECT)
#: What adding a meeting to the Events list needs.
EVENTS: tuple[Needed, ...] = (CREATE_EVENTS,)
#: What a recap in a thread needs in the meeting channel (without them it is posted in the channel).
RECAP_THREAD: tuple[Needed, ...] = (CREATE_PUBLIC_THREADS, SEND_MESSAGES_IN_THREADS)

SCOPES = ("bot", "applications.commands")


def value(needed: Iterable[Needed] = ALL) -> int:
    """The permissions integer for ``needed`` (Discord's bit field)."""
    out = 0
    for item in needed:
        out |= 1 << item.bit
    return out


def invite_url(client_id: int) -> str:
    """The link a server admin opens to add copbot with exactly the permissions it uses."""
    return f"https://discord.com/oauth2/authorize?client_id={client_id}&scope={'+'.join(SCOPES)}&permissions={value()}"


def missing(needed: Iterable[Needed], has: Callable[[str], bool]) -> list[Needed]:
    """Those of ``needed`` for which ``has(flag)`` is false, in list order."""
    return [item for item in needed if not has(item.flag)]


def missing_sentence(lacking: list[Needed], doing: str, *, where: str | None = None) -> str | None:
    """One plain sentence naming what is missing for ``doing``, or None when nothing is.

    ``where`` names a channel when the permission is missing there rather than in the whole server.
    """
    if not lacking:
        return None
    names = [item.label for item in lacking]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    plural = "permission" if len(names) == 1 else "permissions"
    place = f" in {where}" if where else ""
    return (
        f"I need the {listed} {plural}{place} {doing}. Please ask a server admin to give "
        f"{'it' if len(names) == 1 else 'them'} to my role, then try again."
    )
