"""Benchmark of live breakouts under SimCord: 200 members in voice, groups of 5.

Run ``python tests/benchmarks/bench_breakouts.py`` from the repository root. Prints one JSON object per line:

* ``planning``: wall time of ``/breakout plan`` and the longest event-loop stall while it ran. The stall is
  the largest real-time gap (``time.perf_counter``) between event-loop iterations, seen by a callback that
  re-schedules itself with ``loop.call_soon`` (SimCord's virtual clock makes sleeps useless for this).
  The planner runs in a thread, so the stall should stay far below ``breakouts.planning_seconds``.
* ``open``: time from clicking "Open rooms" until the click has settled (the last member moved and the
  facilitator's reply edited), checked against SimCord's voice states.
* ``close``: time for ``/breakout close`` to bring all 200 back and remove the rooms.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import discord  # noqa: E402
import simcord  # noqa: E402

from bot import create_bot  # noqa: E402
from bot.breakouts import participants_from_plan  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
SIZE = 5
FACILITATORS = 40
ROLES = ["lay", "clinician", "gp", "commissioner", "manager", "researcher", "lay", "clinician"]


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


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["COPBOT_DB"] = str(Path(folder) / "bench.db")
        bot = create_bot()
        async with simcord.run(bot, settle_timeout=300) as env:
            guild = env.create_guild("Bench CoP")
            meeting = guild.create_text_channel("meeting")
            voice = guild.create_voice_channel("Meeting room")
            fac_role = guild.create_role("Facilitators", permissions=discord.Permissions(manage_guild=True))
            facilitator = guild.add_member(env.create_user("lead", global_name="Lead"), roles=[fac_role])
            await facilitator.slash(
                meeting, "settings update", facilitator_role=fac_role, meeting_channel=meeting, main_voice=voice
            )
            people = [facilitator]
            for i in range(N - 1):
                roles = [fac_role] if i < FACILITATORS - 1 else []
                people.append(guild.add_member(env.create_user(f"m{i}", global_name=f"Member {i}"), roles=roles))
            for member, role in zip(people[FACILITATORS:], itertools.cycle(ROLES), strict=False):
                await bot.members.set_role(guild.id, member.id, role)  # world set-up, not the feature under test
            for member in people:
                await member.join_voice(voice)

            config = bot.config.breakouts
            started = time.perf_counter()
            plan = await facilitator.slash(meeting, "breakout plan", size=SIZE)
            plan_s = time.perf_counter() - started
            assert plan.response is not None and "Breakout plan" in plan.response.content, plan.response
            # The stall is measured around the very code path /breakout plan awaits (history, rules, the
            # planner in a thread), outside SimCord's settling: a heartbeat that keeps sleeping would
            # otherwise keep SimCord waiting for the loop to go quiet.
            cog = bot.get_cog("BreakoutsCog")
            participants = participants_from_plan((await cog.repo.latest_planned(guild.id)).groups)
            with Heartbeat() as beat:
                started = time.perf_counter()
                await cog._run_planner(bot.get_guild(guild.id), participants, SIZE, 99)
                planner_s = time.perf_counter() - started
            print(
                json.dumps(
                    {
                        "bench": "planning",
                        "members": N,
                        "size": SIZE,
                        "planning_seconds_config": config.planning_seconds,
                        "plan_command_s": round(plan_s, 3),
                        "planner_s": round(planner_s, 3),
                        "max_loop_stall_s": round(beat.max_gap, 4),
                        "heartbeats": beat.beats,
                    }
                )
            )

            started = time.perf_counter()
            opened = await facilitator.click(plan.response, label="Open rooms")
            open_s = time.perf_counter() - started
            states = guild.voice_states()
            in_rooms = sum(1 for m in people if states[m.id].channel_id != voice.id)
            print(
                json.dumps(
                    {
                        "bench": "open",
                        "members": N,
                        "groups": N // SIZE,
                        "open_to_last_move_s": round(open_s, 3),
                        "moved": in_rooms,
                        "reply": opened.response.content.splitlines()[0],
                    }
                )
            )

            started = time.perf_counter()
            closed = await facilitator.slash(meeting, "breakout close")
            close_s = time.perf_counter() - started
            states = guild.voice_states()
            back = sum(1 for m in people if states[m.id].channel_id == voice.id)
            # Plan again, now with the first session in the history: the engine has repeats to avoid, so
            # it searches for longer; this is the stall that matters in a real meeting.
            with Heartbeat() as beat:
                started = time.perf_counter()
                await cog._run_planner(bot.get_guild(guild.id), participants, SIZE, 7)
                planner_s = time.perf_counter() - started
            print(
                json.dumps(
                    {
                        "bench": "planning_with_history",
                        "members": N,
                        "size": SIZE,
                        "planner_s": round(planner_s, 3),
                        "max_loop_stall_s": round(beat.max_gap, 4),
                        "heartbeats": beat.beats,
                    }
                )
            )
            print(
                json.dumps(
                    {
                        "bench": "close",
                        "members": N,
                        "close_s": round(close_s, 3),
                        "back_in_main_voice": back,
                        "reply": closed.response.content,
                    }
                )
            )


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    # Leave at once: after SimCord's shutdown the interpreter can wait a long time on leftover threads,
    # which says nothing about the bot; the measurements are already printed.
    os._exit(0)
