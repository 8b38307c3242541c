"""Benchmark of live breakouts under SimCord with the realistic-Discord layer on.

Run ``python tests/benchmarks/bench_breakouts.py`` from the repository root (about ten minutes: the
layer's latency and rate-limit waits are real time). ``--quick`` runs only 40 people / 10 rooms.
For 40 people in 10 rooms and 200 people in 40 rooms it prints one JSON object per line:

* ``planning``: wall time of ``/breakout plan`` and the longest event-loop stall while the planner ran
  (a callback that re-schedules itself with ``loop.call_soon`` measures the largest real-time gap).
* ``open`` / ``close``: time from sending the "Open rooms" form (or ``/breakout close``) until SimCord
  settled, with every REST call counted by bucket (``tests/realdiscord.py``: 150 ms per call, moves
  10 per 10 s per server, channel creations 5 per 10 s, messages 5 per 5 s per channel, assumed). The
  lower bound is the busiest bucket's calls divided by its rate; ``ratio`` is time ÷ bound (target
  ≤ 1.15). ``first_progress_s`` is when the facilitator first saw progress (target ≤ 2 s), and
  ``extra_calls`` counts calls beyond those the work needs (target 0): ``needed`` is one creation per
  room and the category, one move per person in voice, one welcome per room, and at most one progress
  edit per 2 s plus the final edit.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import discord  # noqa: E402
import simcord  # noqa: E402
from _pytest.monkeypatch import MonkeyPatch  # noqa: E402

from bot import create_bot  # noqa: E402
from bot.breakouts import participants_from_plan  # noqa: E402
from tests.realdiscord import BUCKET_RULES, RealisticDiscord  # noqa: E402

LATENCY = 0.15
SCENARIOS = [(40, 10), (200, 40)]
ROLES = ["lay", "clinician", "gp", "commissioner", "manager", "researcher", "lay", "clinician"]
_RATES = {rule.name: (rule.limit, rule.per) for rule in BUCKET_RULES}


class Heartbeat:
    """Records the longest real-time gap between event-loop iterations while it is active.

    A callback re-schedules itself with ``loop.call_soon``, so it runs once per loop iteration; the
    largest ``time.perf_counter`` gap between two runs is the longest time the loop was blocked.
    (A task sleeping 5 ms would see nothing when the planner finishes in under 5 ms.)
    """

    def __init__(self) -> None:
        self.max_gap = 0.0
        self.beats = 0
        self._last = 0.0
        self._running = False

    def _beat(self) -> None:
        if not self._running:
            return
        now = time.perf_counter()
        self.max_gap = max(self.max_gap, now - self._last)
        self.beats += 1
        self._last = now
        asyncio.get_running_loop().call_soon(self._beat)

    def __enter__(self) -> Heartbeat:
        self._running = True
        self._last = time.perf_counter()
        asyncio.get_running_loop().call_soon(self._beat)
        return self

    def __exit__(self, *exc: object) -> None:
        self._running = False
        self.max_gap = max(self.max_gap, time.perf_counter() - self._last)


def _phase(layer: RealisticDiscord, since: int) -> list:
    return layer.calls[since:]


def _bound(calls: list) -> tuple[float, str]:
    """The busiest bucket's calls divided by its rate (calls per second)."""
    counts = Counter(c.bucket.split(":")[0] for c in calls if c.bucket)
    best, name = 0.0, ""
    for bucket, n in counts.items():
        limit, per = _RATES[bucket]
        seconds = n * per / limit
        if seconds > best:
            best, name = seconds, bucket
    return best, name


def _edits(calls: list) -> list:
    return [c for c in calls if c.method == "PATCH" and c.path.endswith("/messages/@original")]


async def scenario(members: int, rooms: int) -> None:
    size = members // rooms
    facilitators = rooms
    with tempfile.TemporaryDirectory() as folder:
        os.environ["COPBOT_DB"] = str(Path(folder) / "bench.db")
        bot = create_bot()
        async with simcord.run(bot, settle_timeout=900) as env:
            guild = env.create_guild("Bench CoP")
            meeting = guild.create_text_channel("meeting")
            voice = guild.create_voice_channel("Meeting room")
            fac_role = guild.create_role("Facilitators", permissions=discord.Permissions(manage_guild=True))
            facilitator = guild.add_member(env.create_user("lead", global_name="Lead"), roles=[fac_role])
            people = [facilitator]
            for i in range(members - 1):
                roles = [fac_role] if i < facilitators - 1 else []
                people.append(guild.add_member(env.create_user(f"m{i}", global_name=f"Member {i}"), roles=roles))
            await facilitator.slash(
                meeting, "settings update", facilitator_role=fac_role, meeting_channel=meeting, main_voice=voice
            )
            for member, role in zip(people[facilitators:], itertools.cycle(ROLES), strict=False):
                await bot.members.set_role(guild.id, member.id, role)  # world set-up, not the feature under test
            for member in people:
                await member.join_voice(voice)

            layer = RealisticDiscord(latency=LATENCY, rate_limits=True, real_time=True)
            patch = MonkeyPatch()
            layer.install(patch)
            try:
                started = time.perf_counter()
                plan = await facilitator.slash(meeting, "breakout plan", size=size)
                plan_s = time.perf_counter() - started
                assert plan.response is not None and "Breakout plan" in plan.response.content, plan.response
                service = bot.breakouts
                participants = participants_from_plan((await service.repo.latest_planned(guild.id)).groups)
                with Heartbeat() as beat:
                    started = time.perf_counter()
                    await service._run_planner(guild.id, participants, size, 99, str)
                    planner_s = time.perf_counter() - started
                print(
                    json.dumps(
                        {
                            "bench": "planning",
                            "members": members,
                            "rooms": rooms,
                            "plan_command_s": round(plan_s, 3),
                            "planner_s": round(planner_s, 3),
                            "max_loop_stall_s": round(beat.max_gap, 4),
                        }
                    ),
                    flush=True,
                )

                form = await facilitator.click(plan.response, label="Open rooms")  # the timer form first
                since = len(layer.calls)
                started = time.perf_counter()
                opened = await facilitator.submit_modal(form, {"minutes": ["0"]})
                open_s = time.perf_counter() - started
                calls = _phase(layer, since)
                states = guild.voice_states()
                moved = sum(1 for m in people if states[m.id].channel_id != voice.id)
                edits = _edits(calls)
                bound, busiest = _bound(calls)
                allowed_edits = math.ceil(open_s / 2) + 1
                needed = (rooms + 1) + members + rooms
                by_kind = Counter(c.bucket.split(":")[0] if c.bucket else "other" for c in calls)
                other = len(calls) - len(edits) - needed - 1  # the click's own acknowledgement
                print(
                    json.dumps(
                        {
                            "bench": "open",
                            "members": members,
                            "rooms": rooms,
                            "latency_s": LATENCY,
                            "time_s": round(open_s, 2),
                            "lower_bound_s": round(bound, 2),
                            "busiest_bucket": busiest,
                            "ratio": round(open_s / bound, 3) if bound else None,
                            "first_progress_s": round(edits[0].end - calls[0].start, 2) if edits else None,
                            "progress_edits": len(edits),
                            "progress_edits_allowed": allowed_edits,
                            "calls": len(calls),
                            "calls_by_bucket": dict(by_kind),
                            "extra_calls": max(other, 0) + max(len(edits) - allowed_edits, 0),
                            "moved": moved,
                            "reply": opened.response.content.splitlines()[0] if opened.response else None,
                        }
                    ),
                    flush=True,
                )

                since = len(layer.calls)
                started = time.perf_counter()
                closed = await facilitator.slash(meeting, "breakout close")
                close_s = time.perf_counter() - started
                calls = _phase(layer, since)
                states = guild.voice_states()
                back = sum(1 for m in people if states[m.id].channel_id == voice.id)
                edits = _edits(calls)
                bound, busiest = _bound(calls)
                needed = members + (rooms + 1)
                allowed_edits = math.ceil(close_s / 2) + 1
                other = len(calls) - len(edits) - needed - 1  # the defer
                print(
                    json.dumps(
                        {
                            "bench": "close",
                            "members": members,
                            "rooms": rooms,
                            "latency_s": LATENCY,
                            "time_s": round(close_s, 2),
                            "lower_bound_s": round(bound, 2),
                            "busiest_bucket": busiest,
                            "ratio": round(close_s / bound, 3) if bound else None,
                            "first_progress_s": round(edits[0].end - calls[0].start, 2) if edits else None,
                            "progress_edits": len(edits),
                            "calls": len(calls),
                            "extra_calls": max(other, 0) + max(len(edits) - allowed_edits, 0),
                            "back_in_main_voice": back,
                            "reply": closed.response.content if closed.response else None,
                        }
                    ),
                    flush=True,
                )
            finally:
                patch.undo()


async def main() -> None:
    for members, rooms in SCENARIOS[:1] if "--quick" in sys.argv else SCENARIOS:
        await scenario(members, rooms)


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    # Leave at once: after SimCord's shutdown the interpreter can wait a long time on leftover threads,
    # which says nothing about the bot; the measurements are already printed.
    os._exit(0)
