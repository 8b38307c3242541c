"""Every cog loads, and no two features claim the same slash command name."""

from __future__ import annotations

from collections import Counter

from bot.app import extension_names


async def test_every_extension_is_loaded_once(simcord_env):
    loaded = set(simcord_env.bot.extensions)
    assert set(extension_names()) == loaded
    assert all(not name.split(".")[-1].startswith("_") for name in loaded)


async def test_no_duplicate_command_paths(simcord_env):
    paths: list[str] = []
    for command in simcord_env.bot.tree.walk_commands():
        paths.append(command.qualified_name)
    duplicates = [p for p, n in Counter(paths).items() if n > 1]
    assert duplicates == []


async def test_every_cog_documents_itself_in_help(simcord_env):
    from cogs._shared import HelpSection

    for name, cog in simcord_env.bot.cogs.items():
        # Cogs without commands (the health cog only listens) have nothing to explain in /help.
        if cog.get_app_commands() or any(True for _ in cog.walk_app_commands()):
            assert isinstance(getattr(cog, "help_section", None), HelpSection), f"{name} has no help_section"
