"""CI smoke test of an *installed* copbot: from an empty folder, start it under SimCord and use it.

Run by ``.ci/run`` with the Python of a fresh virtual environment where the wheel was installed
(not editable), from an empty temporary folder, so any file copbot still looked for relative to a
git checkout or the working folder would fail here. Prints the start-to-ready time it measured.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path


async def main(installed: bool) -> int:
    import discord
    import simcord

    import bot
    import config
    from bot import create_bot

    where = Path(bot.__file__).resolve()
    if installed and "site-packages" not in where.parts:
        print(f"smoke: copbot was imported from {where}, not from an installed wheel", file=sys.stderr)
        return 1
    if installed and "site-packages" not in Path(config.__file__).resolve().parts:
        print(f"smoke: copbot's config package came from {config.__file__}", file=sys.stderr)
        return 1

    started = time.perf_counter()
    copbot = create_bot()
    env = simcord.Env(copbot)
    await env.start()
    ready = time.perf_counter() - started
    try:
        with env.time_context():
            guild = env.create_guild("Smoke test CoP")
            channel = guild.create_text_channel("general")
            member = guild.add_member(env.create_user("sam"))
            # Facilitator commands are hidden from members by default (Manage Server), so a server
            # manager sees them and an ordinary member sees only the member commands.
            managers = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
            manager = guild.add_member(env.create_user("alex"), roles=[managers])
            member_commands = member.available_commands(channel)
            commands = manager.available_commands(channel)
            for who, seen, expected_names in (
                ("a member", member_commands, ("help", "ask", "task add", "welcome")),
                ("a server manager", commands, ("breakout plan", "meeting schedule", "icebreaker ask")),
            ):
                for expected in expected_names:
                    if expected not in seen:
                        print(f"smoke: /{expected} is not offered to {who}; got {sorted(seen)}", file=sys.stderr)
                        return 1
            if "breakout plan" in member_commands:
                print("smoke: a member is offered /breakout plan, a facilitator command", file=sys.stderr)
                return 1
            result = await manager.slash(channel, "icebreaker ask")
            if result.response is None or not result.response.content:
                print("smoke: /icebreaker ask gave no prompt (is the shipped bank missing?)", file=sys.stderr)
                return 1
    finally:
        await env.shutdown()
        await copbot.release()
    print(f"smoke: copbot from {where.parent} ready under SimCord in {ready:.2f} s, {len(commands)} commands")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(installed="--installed" in sys.argv)))
