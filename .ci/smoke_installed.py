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
            commands = member.available_commands(channel)
            for expected in ("help", "ask", "breakout plan", "task add", "meeting schedule", "icebreaker ask"):
                if expected not in commands:
                    print(f"smoke: /{expected} is not registered; got {sorted(commands)}", file=sys.stderr)
                    return 1
            result = await member.slash(channel, "icebreaker ask")
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
