"""Benchmark: members submit /ask in one burst under SimCord and a realistic Discord (run by hand).

    python tests/benchmarks/bench_questions.py                      # 300 members, 150 ms per call, buckets on
    python tests/benchmarks/bench_questions.py --latency 0 --no-rate-limits --members 300

Prints JSON lines: the set-up, the burst's total wall time, the bot's handler time per
submission (median, p99, max), the time to acknowledge each submission (from the interaction
reaching the bot to its acknowledgement reaching Discord, on SimCord's clock: Discord's limit is
3 s) and how many questions were stored (must be exactly one per member, each once).

Discord. The realistic-Discord layer of the test suite (``tests/realdiscord.py``) is installed as
in the tests: every REST call takes ``--latency`` seconds (as ``asyncio.sleep`` inside the bot's
HTTP calls) and waits in its rate-limit bucket. Posts in one channel share a bucket of 5 per 5 s,
so with buckets on the burst is paced by Discord at about one question per second: the handler
time then includes that wait, while the acknowledgement must not.

Method. SimCord refuses overlapping actor operations ("operation overlaps active ..." in
``Env._begin_operation``), so the submissions are made back to back, as fast as SimCord
allows, not with ``asyncio.gather``. Handler time is measured on SimCord's clock from the layer's
call log: from the modal submission reaching the bot to its follow-up reaching Discord (the
defer, validation, settings, keyed hash, rate limit, DB insert, ``channel.send`` of the public
post with its wait in the bucket, DB update, and the follow-up). Production code is unchanged and
nothing is logged. "roundtrip" is wall time per member (opening the form too) and includes
SimCord's own work.
"""

from __future__ import annotations

import argparse
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
EPOCH_ISO = "2026-01-01T00:00:00+00:00"  # SimCord's clock starts here; the bot's loop counts seconds from it


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timings(result, layer) -> tuple[float, float]:
    """(seconds to acknowledge, seconds to the follow-up) for one submission, on SimCord's clock.

    As in tests/cogs/questions/test_questions_reliability.py: the interaction reached the bot 3 s
    before SimCord's deadline for it; the bot's loop clock counts SimCord's seconds since its epoch.
    The handler ends with the follow-up, the last call made with the interaction's token."""
    from datetime import datetime

    record = result._interaction
    dispatched = (
        datetime.fromisoformat(record.initial_response_deadline) - datetime.fromisoformat(EPOCH_ISO)
    ).total_seconds() - 3.0
    [callback] = layer.calls_to("POST", rf"/interactions/{record.id}/[^/]+/callback")
    done = max(c.end for c in layer.calls if record.token in c.path)
    return callback.end - dispatched, done - dispatched


def _vote_id(post) -> str:
    """The custom_id of the "Me too" button under a question post."""
    return next(c.custom_id for row in post.components for c in row.children if (c.label or "").startswith("Me too"))


async def main(members_count: int, latency: float, rate_limits: bool) -> None:
    import discord
    import pytest
    import simcord

    from bot import create_bot
    from tests.realdiscord import RealisticDiscord

    tmp = Path(tempfile.mkdtemp(prefix="copbot-bench-"))
    os.environ["COPBOT_DB"] = str(tmp / "bench.db")
    layer = RealisticDiscord(latency=latency, rate_limits=rate_limits, real_time=True)
    patch = pytest.MonkeyPatch()
    layer.install(patch)
    bot = create_bot()
    async with simcord.run(bot, settle_timeout=120) as env:
        guild = env.create_guild("Bench CoP")
        channel = guild.create_text_channel("questions")
        admin_role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
        admin = guild.add_member(env.create_user("admin"), roles=[admin_role])
        # Members join before set-up, so no welcome DMs (300 of them, paced by Discord) run during the burst.
        members = [guild.add_member(env.create_user(f"member{i}")) for i in range(members_count)]
        await admin.slash(channel, "settings update", meeting_channel=channel)

        print(
            json.dumps(
                {
                    "bench": "questions",
                    "members": members_count,
                    "latency_s": latency,
                    "rate_limits": rate_limits,
                    "mode": "sequential (SimCord overlap guard)",
                }
            )
        )

        roundtrip_ms: list[float] = []
        handler_ms: list[float] = []
        ack_s: list[float] = []
        confirmed = 0
        burst_start = time.perf_counter()
        for i, member in enumerate(members):
            t0 = time.perf_counter()
            shown = await member.slash(channel, "ask")
            result = await member.submit_modal(shown, {"question": f"Question from the burst, number {i}?"})
            roundtrip_ms.append((time.perf_counter() - t0) * 1000)
            ack, handled = timings(result, layer)
            ack_s.append(ack)
            handler_ms.append(handled * 1000)
            confirmed += result.response is not None and "without your name" in result.response.content
        total_s = time.perf_counter() - burst_start

        posts = [m for m in channel.history() if m.embeds and (m.embeds[0].title or "").startswith("Question ")]

        # "Me too" burst: every member presses "Me too" under the first ten questions in turn (each vote
        # turns the member into a keyed fingerprint, stores it and redraws the post).
        by_title = {m.embeds[0].title: m for m in posts}
        targets = [by_title[f"Question {n}"] for n in range(1, min(10, len(posts)) + 1)]
        vote_ms: list[float] = []
        vote_handler_ms: list[float] = []
        vote_start = time.perf_counter()
        for i, member in enumerate(members):
            post = targets[i % len(targets)]
            t0 = time.perf_counter()
            voted = await member.click(post, custom_id=_vote_id(post))
            vote_ms.append((time.perf_counter() - t0) * 1000)
            vote_handler_ms.append(timings(voted, layer)[1] * 1000)
        vote_total_s = time.perf_counter() - vote_start
        # Stop the scheduler and close the database as a finished process would: SimCord would otherwise
        # wait, in real time, for the memory-expiry job (minutes away) before it shuts down.
        await bot.release()
    conn = sqlite3.connect(tmp / "bench.db")
    stored, distinct_texts, distinct_numbers = conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT text), COUNT(DISTINCT number) FROM questions"
    ).fetchone()
    stored_once = len(posts) == len({m.embeds[0].title for m in posts})  # no number posted twice
    patch.undo()
    conn.close()
    print(json.dumps({"total_s": round(total_s, 3), "submissions_per_s": round(members_count / total_s, 2)}))
    print(
        json.dumps(
            {
                "handler_ms_median": round(statistics.median(handler_ms), 2),
                "handler_ms_p99": round(pct(handler_ms, 99), 2),
                "handler_ms_max": round(max(handler_ms), 2),
                "roundtrip_ms_median": round(statistics.median(roundtrip_ms), 2),
                "roundtrip_ms_p99": round(pct(roundtrip_ms, 99), 2),
                "handled": len(handler_ms),
                "ack_s_median": round(statistics.median(ack_s), 3),
                "ack_s_p99": round(pct(ack_s, 99), 3),
                "ack_s_max": round(max(ack_s), 3),
                "acknowledged_within_3s": sum(a < 3.0 for a in ack_s),
            }
        )
    )
    print(
        json.dumps(
            {
                "votes": len(vote_ms),
                "votes_total_s": round(vote_total_s, 3),
                "vote_handler_ms_median": round(statistics.median(vote_handler_ms), 2),
                "vote_handler_ms_p99": round(pct(vote_handler_ms, 99), 2),
                "vote_roundtrip_ms_median": round(statistics.median(vote_ms), 2),
                "vote_roundtrip_ms_p99": round(pct(vote_ms, 99), 2),
            }
        )
    )
    ok = stored == distinct_texts == distinct_numbers == len(posts) == confirmed == members_count and stored_once
    print(
        json.dumps(
            {
                "questions_stored": stored,
                "distinct_texts": distinct_texts,
                "distinct_numbers": distinct_numbers,
                "posts": len(posts),
                "confirmations": confirmed,
                "each_once": ok,
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--latency", type=float, default=0.15, help="seconds added to every REST call")
    parser.add_argument("--no-rate-limits", action="store_true", help="switch the rate-limit buckets off")
    args = parser.parse_args()
    asyncio.run(main(args.members, args.latency, not args.no_rate_limits))
