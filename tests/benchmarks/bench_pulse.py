"""Benchmark: ``/pulse results`` with its trend chart, for 12 check-ins of 60 answers (run by hand).

    pytest -q -s -n 0 tests/benchmarks/bench_pulse.py

Not collected by the default run. Twelve closed check-ins of 60 answers each (roles mixed, so the
by-role lines and "other roles" are computed; every answer has a comment) are written through the
real repository. Each run times the real ``/pulse results`` slash command under SimCord, from the
command to its last message (the results, the comments and the PNG chart, drawn in a worker
thread), while a watchdog coroutine records the longest gap between two turns of the event loop (a
stall). The first run is reported apart (matplotlib is imported and its fonts loaded in a worker
thread at start-up, see ``bot.pulse.chart.warm_up``; before that, the first run stalled the loop
~75 ms). The runs are repeated with the garbage collector switched off, to show how much of the worst
stall is a collection pause, and once more with collections on after ``freeze_start_up_heap()`` (what
``copbot run`` does once the bot is ready, see ``bot/heap.py``): that last line is the one to quote.
Prints JSON lines. Targets (issue #18): reply under 2 s, no stall over 50 ms.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import time
from datetime import timedelta

import pytest

from bot.clock import utcnow
from bot.heap import freeze_start_up_heap
from bot.storage.pulses import answer_key

RUNS = 12
MEETINGS = 12
ANSWERS = 60
ROLES = ["lay", "lay", "gp", "clinician", "commissioner", "manager", "researcher", None]


async def _seed(env, guild_id: int) -> None:
    repo = env.bot.pulses.repo
    start = utcnow() - timedelta(days=7 * MEETINGS)
    for m in range(MEETINGS):
        opened_at = start + timedelta(days=7 * m)
        people = range(10_000 + m * 100, 10_000 + m * 100 + ANSWERS)
        pulse = await repo.open(
            guild_id, f"Meeting {m + 1}", None, 1, people, opened_at, opened_at + timedelta(hours=48)
        )
        answers = [
            (
                answer_key(),
                (
                    1 + (i + m) % 5,
                    1 + (i * 3 + m) % 5,
                    1 + (i * 7) % 5,
                    ROLES[i % len(ROLES)],
                    f"Comment {i} on meeting {m + 1}: the part about waiting lists was clear, thank you.",
                ),
            )
            for i in range(ANSWERS)
        ]
        await repo.close(pulse.id, opened_at + timedelta(hours=48), answers)


async def _watchdog(stop: asyncio.Event) -> float:
    """The longest time, in seconds, between two turns of the event loop until ``stop`` is set."""
    worst = 0.0
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0)
        now = time.perf_counter()
        worst = max(worst, now - last)
        last = now
    return worst


async def _one(community) -> tuple[float, float]:
    stop = asyncio.Event()
    dog = asyncio.create_task(_watchdog(stop))
    t0 = time.perf_counter()
    result = await community.facilitator.slash(community.meeting, "pulse results")
    elapsed = (time.perf_counter() - t0) * 1000
    stop.set()
    stall = await dog * 1000
    messages = [result.response, *result.followups]
    assert "60 of 60 people answered" in messages[0].content
    assert any(m.attachments for m in messages if m is not None), "the chart should be attached"
    return elapsed, stall


def _line(metric: str, samples: list[tuple[float, float]], **extra: object) -> str:
    times = sorted(t for t, _ in samples)
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return json.dumps(
        {
            "metric": metric,
            "runs": len(samples),
            "p50_ms": round(statistics.median(times), 1),
            "p99_ms": round(p99, 1),
            "max_loop_stall_ms": round(max(s for _, s in samples), 1),
            **extra,
        }
    )


@pytest.mark.discord(real_time=True)  # timed on the wall clock, Discord's waits included
async def test_pulse_results_for_twelve_meetings_of_sixty(simcord_env, community) -> None:
    await community.configure()
    await _seed(simcord_env, community.guild.id)
    cold = await _one(community)
    print(
        _line(
            "pulse_results_12x60_with_chart_first_run",
            [cold],
            note="first results in the process; matplotlib was imported at start-up",
        ),
        flush=True,
    )
    warm = [await _one(community) for _ in range(RUNS)]
    print(_line("pulse_results_12x60_with_chart", warm, gc="on"), flush=True)
    gc.disable()
    try:
        no_gc = [await _one(community) for _ in range(RUNS)]
    finally:
        gc.enable()
    print(_line("pulse_results_12x60_with_chart", no_gc, gc="off"), flush=True)
    # As ``copbot run`` does once ready: everything alive after start-up (matplotlib included, imported
    # by ``warm_up``) is moved out of the collector's reach; collections stay on.
    freeze_start_up_heap()
    try:
        frozen = [await _one(community) for _ in range(RUNS)]
    finally:
        gc.unfreeze()
    print(_line("pulse_results_12x60_with_chart", frozen, gc="on, frozen after start-up"), flush=True)


BURST = 60


@pytest.mark.discord(rate_limits=False)
@pytest.mark.simcord(settle_timeout=120)
async def test_check_in_answer_burst(simcord_env, community) -> None:
    """60 people at a meeting answer the check-in one after another through the real form.

    Times each answer from the submit to the bot's reply (wall clock, SimCord's own work included) and
    the longest loop stall meanwhile: the path that turns the member into a keyed fingerprint, checks
    "one answer each", holds the answer and writes the shuffled batches.
    """
    from tests.cogs.test_pulse import answer, crowd

    await community.configure()
    people = await crowd(community, [ROLES[i % len(ROLES)] for i in range(BURST)], prefix="b")
    await community.facilitator.slash(community.meeting, "pulse start")
    samples: list[tuple[float, float]] = []
    for index, member in enumerate(people):
        stop = asyncio.Event()
        dog = asyncio.create_task(_watchdog(stop))
        t0 = time.perf_counter()
        done = await answer(member, (str(1 + index % 5), "4", str(1 + index * 3 % 5)), comment=f"Comment {index}")
        elapsed = (time.perf_counter() - t0) * 1000
        stop.set()
        samples.append((elapsed, await dog * 1000))
        assert "Thank you" in done.response.content, done.response.content
    print(_line("check_in_answer_burst", samples, people=BURST), flush=True)
    result = await community.facilitator.slash(community.meeting, "pulse results")
    assert f"{BURST} of {BURST} people answered" in result.response.content
