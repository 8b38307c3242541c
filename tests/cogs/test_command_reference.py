"""docs/commands.md names exactly the commands the real bot registers, with their options, for the
audience that can use them.

The reference is read by members and facilitators who never see the code, so it must not drift: a
command added, renamed or given a new option without its entry fails here, and so does an entry for a
command that is gone. The bot is the real one under SimCord; its command tree is walked as Discord sees
it (slash commands by their full path, context menus by their name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import discord
from discord import app_commands

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "commands.md"

#: ``#### `/task add` `` or ``#### Make a task (message menu)``; the menu kinds Discord has.
SLASH_HEADING = re.compile(r"^#{3,4} `/([a-z0-9_-]+(?: [a-z0-9_-]+)*)`\s*$")
MENU_HEADING = re.compile(r"^#{3,4} (.+) \((message|user) menu\)\s*$")
AUDIENCE_HEADING = re.compile(r"^## For (members|facilitators)\s*$")


@dataclass(frozen=True)
class Entry:
    audience: str
    options: frozenset[str]


def documented() -> dict[str, Entry]:
    """Every command heading in the reference, with the section it sits in and the options its
    ``Options:`` line names (a command with ``No options.`` has none)."""
    entries: dict[str, Entry] = {}
    audience = ""
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if match := AUDIENCE_HEADING.match(line):
            audience = match.group(1)
            continue
        if line.startswith("## "):
            audience = ""
        name = None
        if match := SLASH_HEADING.match(line):
            name = "/" + match.group(1)
        elif match := MENU_HEADING.match(line):
            name = f"{match.group(1)} ({match.group(2)} menu)"
        if name is None:
            continue
        assert name not in entries, f"{name} is documented twice"
        body = []
        for following in lines[i + 1 :]:
            if following.startswith("#"):
                break
            body.append(following)
        text = " ".join(body).strip()
        options: frozenset[str] = frozenset()
        if text.startswith("Options:"):
            # The option names are the code spans before the first full stop that ends the sentence.
            sentence = re.split(r"\)\.|\.\s", text, maxsplit=1)[0]
            options = frozenset(re.findall(r"`([a-z0-9_]+)`", sentence))
        else:
            assert name.endswith("menu)") or text.startswith("No options."), f"{name}: say its options first"
        entries[name] = Entry(audience, options)
    return entries


def is_for_facilitators(command: app_commands.Command | app_commands.ContextMenu) -> bool:
    """Facilitators only: the facilitator check on the command, or Discord's own default permissions on
    it or its top-level group (which hide it from members)."""
    root = command.root_parent if isinstance(command, app_commands.Command) else None
    if any(p is not None and p.default_permissions for p in (command, root)):
        return True
    return any(getattr(check, "__qualname__", "").startswith("facilitator_only.") for check in command.checks)


def registered(tree: app_commands.CommandTree) -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command):
            audience = "facilitators" if is_for_facilitators(command) else "members"
            options = frozenset(p.display_name for p in command.parameters)
            found["/" + command.qualified_name] = Entry(audience, options)
    for kind, word in ((discord.AppCommandType.message, "message"), (discord.AppCommandType.user, "user")):
        for menu in tree.get_commands(type=kind):
            audience = "facilitators" if is_for_facilitators(menu) else "members"
            found[f"{menu.name} ({word} menu)"] = Entry(audience, frozenset())
    return found


async def test_the_reference_names_every_registered_command_and_nothing_else(simcord_env):
    bot_has = registered(simcord_env.bot.tree)
    docs_have = documented()
    assert len(bot_has) > 30  # the walk found the real tree
    assert sorted(set(bot_has) - set(docs_have)) == [], "registered but missing from docs/commands.md"
    assert sorted(set(docs_have) - set(bot_has)) == [], "in docs/commands.md but not registered"


async def test_each_command_is_listed_for_the_people_who_can_use_it(simcord_env):
    bot_has = registered(simcord_env.bot.tree)
    wrong = {
        name: f"documented for {entry.audience or 'nobody'}, used by {bot_has[name].audience}"
        for name, entry in documented().items()
        if name in bot_has and entry.audience != bot_has[name].audience
    }
    assert wrong == {}


async def test_each_command_lists_exactly_its_options(simcord_env):
    bot_has = registered(simcord_env.bot.tree)
    wrong = {
        name: {"documented": sorted(entry.options), "registered": sorted(bot_has[name].options)}
        for name, entry in documented().items()
        if name in bot_has and entry.options != bot_has[name].options
    }
    assert wrong == {}
