"""Benchmark: 300 members submit /ask in one burst under SimCord (run by hand).

    python tests/benchmarks/bench_questions.py

Prints JSON lines: the set-up, the burst's total wall time, the bot's handler time per
submission (median, p99, max) and how many questions were stored (must be exactly 300, each once).

Method. SimCord refuses overlapping actor operations ("operation overlaps active ..." in
``Env._begin_operation``), so the 300 submissions are made back to back, as fast as SimCord
allows, not with ``asyncio.gather``. Handler time is measured inside the bot: the cog instance's
``ask_from_interaction`` (the whole modal-submit handler: validation, settings, keyed hash, rate
limit, DB insert, ``channel.send`` of the public post, DB update, and the ephemeral confirmation)
is wrapped for this run only with ``time.perf_counter`` on the instance, so production code is
unchanged and nothing is logged. "roundtrip" also includes SimCord's own work per submission.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

MEMBERS = 300


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main() -> None:
    import discord
    import simcord

    from bot import create_bot

    tmp = Path(tempfile.mkdtemp(prefix="copbot-bench-"))
    os.environ["COPBOT_DB"] = str(tmp / "bench.db")
    bot = create_bot()
    async with simcord.run(bot) as env:
        guild = env.create_guild("Bench CoP")
        channel = guild.create_text_channel("questions")
        admin_role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
        admin = guild.add_member(env.create_user("admin"), roles=[admin_role])
        await admin.slash(channel, "settings update", meeting_channel=channel)
        members = [guild.add_member(env.create_user(f"member{i}")) for i in range(MEMBERS)]

        cog = bot.get_cog("Questions")
        handler_ms: list[float] = []
        original = cog.ask_from_interaction

        async def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                handler_ms.append((time.perf_counter() - start) * 1000)

        cog.ask_from_interaction = timed
        print(json.dumps({"bench": "questions", "members": MEMBERS, "mode": "sequential (SimCord overlap guard)"}))

        roundtrip_ms: list[float] = []
        confirmed = 0
        burst_start = time.perf_counter()
        for i, member in enumerate(members):
            t0 = time.perf_counter()
            shown = await member.slash(channel, "ask")
            result = await member.submit_modal(shown, {"question": f"Question from the burst, number {i}?"})
            roundtrip_ms.append((time.perf_counter() - t0) * 1000)
            confirmed += "Question #" in result.response.content
        total_s = time.perf_counter() - burst_start

        posts = [m for m in channel.history() if m.embeds and (m.embeds[0].title or "").startswith("Question #")]
    conn = sqlite3.connect(tmp / "bench.db")
    stored, distinct_texts, distinct_numbers = conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT text), COUNT(DISTINCT number) FROM questions"
    ).fetchone()
    conn.close()
    print(json.dumps({"total_s": round(total_s, 3), "submissions_per_s": round(MEMBERS / total_s, 1)}))
    print(
        json.dumps(
            {
                "handler_ms_median": round(statistics.median(handler_ms), 2),
                "handler_ms_p99": round(pct(handler_ms, 99), 2),
                "handler_ms_max": round(max(handler_ms), 2),
                "roundtrip_ms_median": round(statistics.median(roundtrip_ms), 2),
                "roundtrip_ms_p99": round(pct(roundtrip_ms, 99), 2),
                "handled": len(handler_ms),
            }
        )
    )
    ok = stored == distinct_texts == distinct_numbers == len(posts) == confirmed == MEMBERS
    print(
        json.dumps(
            {
                "questions_stored": stored,
                "distinct_texts": distinct_texts,
                "distinct_numbers": distinct_numbers,
                "posts": len(posts),
                "confirmations": confirmed,
                "each_once": ok,
                "goal_p99_under_100ms": pct(handler_ms, 99) < 100,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
