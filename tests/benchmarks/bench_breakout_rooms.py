"""Benchmark of the rooms' own actions (issue #19): placement, Ask for help, Add 5 minutes, move, late joiner.

Run ``python tests/benchmarks/bench_breakout_rooms.py`` from the repository root (about two minutes).
It prints one JSON object per line:

* ``placement``: pure domain, no Discord. Wall time of :func:`bot.breakout_rooms.best_group` (one late
  joiner) and :func:`bot.breakout_rooms.reuse_groups` (the last groups with 10% absent and 10% new)
  for 40, 200 and 1,000 people in groups of 5 with ten meetings of history. Target: a late joiner
  is placed in under 50 ms at 1,000 people, so a voice event never stalls the bot.
* ``help`` / ``extend`` / ``move`` / ``late_joiner``: 40 people in 10 timed rooms under SimCord with the
  realistic-Discord layer (150 ms per call, rate-limit buckets on). Time from the click, command or
  voice join until SimCord settled, the REST calls made and how many the action needs:
  help = defer + one post + the reply (3); extend = acknowledgement + the reply's edit + the
  facilitators' timer note's edit + one note edit and one post per room + the confirmation
  (4 + 2 × rooms); move = defer + the move + the room's note + the reply (4); late joiner = the move +
  the room's note (2). The rooms are separate channels,
  so their edits and posts go out together: the time stays near a few calls' latency, not rooms × 150 ms.
  The move comes right after opening moved 40 people, so it waits for the move bucket (10 per 10 s):
  its time is that wait, not copbot's (the command is acknowledged at once, so nothing times out).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import discord  # noqa: E402
import simcord  # noqa: E402
import time_machine  # noqa: E402
from _pytest.monkeypatch import MonkeyPatch  # noqa: E402

from bot import create_bot  # noqa: E402
from bot.breakout_rooms import best_group, reuse_groups  # noqa: E402
from bot.grouping import History, Participant  # noqa: E402
from tests.realdiscord import RealisticDiscord  # noqa: E402

LATENCY = 0.15
ROLES = ["lay", "clinician", "gp", "commissioner", "manager", "researcher", "lay", "clinician"]


def _emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def placement(n: int, size: int = 5) -> None:
    rng = random.Random(n)
    g = n // size
    people = [Participant(i, ROLES[i % len(ROLES)], i < g) for i in range(n)]
    meetings = []
    for _ in range(10):
        order = list(range(n))
        rng.shuffle(order)
        meetings.append([order[k::g] for k in range(g)])
    history = History.from_meetings(meetings)
    last = meetings[-1]
    groups = [[people[i] for i in group] for group in last]
    newcomer = Participant(n, "gp", False)
    started = time.perf_counter()
    best_group(groups, newcomer, history, set())
    place_s = time.perf_counter() - started
    here = [p for p in people if rng.random() > 0.1] + [Participant(n + k, "lay") for k in range(n // 10)]
    started = time.perf_counter()
    result = reuse_groups(last, here, history, set())
    reuse_s = time.perf_counter() - started
    sizes = [len(group) for group in result.groups]
    _emit(
        bench="placement",
        people=n,
        groups=g,
        late_joiner_ms=round(place_s * 1000, 2),
        reuse_last_ms=round(reuse_s * 1000, 2),
        reuse_dropped=len(result.dropped),
        reuse_added=len(result.added),
        reuse_evened=len(result.evened),
        reuse_size_spread=max(sizes) - min(sizes),
    )


async def rooms(members: int = 40, room_count: int = 10) -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["COPBOT_DB"] = str(Path(folder) / "bench.db")
        bot = create_bot()
        async with simcord.run(bot, settle_timeout=900) as env:
            guild = env.create_guild("Bench CoP")
            meeting = guild.create_text_channel("meeting")
            notices = guild.create_text_channel("facilitators")
            voice = guild.create_voice_channel("Meeting room")
            fac_role = guild.create_role("Facilitators", permissions=discord.Permissions(manage_guild=True))
            lead = guild.add_member(env.create_user("lead", global_name="Lead"), roles=[fac_role])
            people = []
            for i in range(members):
                roles = [fac_role] if i < room_count else []
                people.append(guild.add_member(env.create_user(f"m{i}", global_name=f"Member {i}"), roles=roles))
            await lead.slash(
                meeting,
                "settings update",
                facilitator_role=fac_role,
                meeting_channel=meeting,
                facilitator_channel=notices,
                main_voice=voice,
            )
            for member, role in zip(people[room_count:], itertools.cycle(ROLES), strict=False):
                await bot.members.set_role(guild.id, member.id, role)  # world set-up
            for member in people:
                await member.join_voice(voice)
            late = guild.add_member(env.create_user("late", global_name="Late Comer"))
            await bot.members.set_role(guild.id, late.id, "gp")

            layer = RealisticDiscord(latency=LATENCY, rate_limits=True, real_time=True)
            patch = MonkeyPatch()
            layer.install(patch)
            try:
                with time_machine.travel(env.now(), tick=True):
                    await lead.slash(meeting, "breakout plan", size=members // room_count)
                    opened = await lead.slash(meeting, "breakout open", minutes=30)
                    session = await bot.breakouts.repo.live(guild.id)
                    room = guild.channels["Group 1"]
                    (note,) = [m for m in room.history() if m.content.startswith("**Welcome")]
                    asker = next(p for p in people if p.id == session.groups[0][-1].user_id)

                    async def measure(name: str, needed: int, action) -> None:
                        since = len(layer.calls)
                        started = time.perf_counter()
                        reply = await action()
                        spent = time.perf_counter() - started
                        calls = layer.calls[since:]
                        text = reply.response.content if reply is not None and reply.response else None
                        _emit(
                            bench=name,
                            members=members,
                            rooms=room_count,
                            latency_s=LATENCY,
                            time_s=round(spent, 2),
                            calls=len(calls),
                            calls_needed=needed,
                            reply=(text or "").splitlines()[0][:90] if text else None,
                        )

                    await measure("help", 3, lambda: asker.click(note, label="Ask for help"))
                    await measure(
                        "extend", 4 + 2 * room_count, lambda: lead.click(opened.response, label="Add 5 minutes")
                    )
                    await measure("move", 4, lambda: lead.slash(meeting, "breakout move", member=asker, group=2))

                    async def join() -> None:
                        await late.join_voice(voice)

                    await measure("late_joiner", 2, join)
            finally:
                patch.undo()


async def main() -> None:
    for n in (40, 200, 1000):
        placement(n)
    await rooms()


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    os._exit(0)
