"""Benchmark: 1,000 servers x 50 members under a meeting-peak load, through discord.py, on each backend.

    pytest -q -s -n 0 tests/benchmarks/bench_load.py      (or: python tests/benchmarks/bench_load.py)

What it drives. The real bot (``create_bot()``) under SimCord, with the test suite's Discord
(``tests/realdiscord.py``: 20 ms per REST call, the rate-limit buckets). SimCord holds all 1,000
servers with 50 members each (50,000 members): they are created *before* the bot logs in, so they
arrive in the READY guilds and not as 50,000 member-join events (each of which would run the
welcome and privacy listeners). Every server is set up (meeting channel, timezone), and the
database holds 1,000 servers' worth of rows: settings, the 50,000 member profiles, earlier
questions and open tasks with their reminders.

The load. A copbot serving 1,000 communities that each meet weekly peaks when 5% of them (50)
meet at the same hour; a meeting produces about 2 interactions a second (people pressing
"Me too", opening and sending the question form, facilitators adding tasks), so the peak is 100
interactions a second. They arrive as a Poisson process at that rate, from random members of the
50 meeting servers, and are issued concurrently: each is handed to discord.py the moment it
arrives, without waiting for earlier ones to finish. The mix: "Me too" on an open question (50% of
actions), ``/ask`` (30%; its form is sent 2-5 s later, a second interaction), ``/task add`` (20%).

Concurrency under SimCord. SimCord's public actions (``member.slash`` etc.) each wait for the bot
to settle and refuse to overlap. To issue interactions concurrently this benchmark calls the same
actions with the settling step skipped (the instance's ``_settle_internal`` is swapped for a no-op
around the synchronous dispatch, which ends in SimCord's ``backend.emit("INTERACTION_CREATE")``):
the payload, the gateway parsing and discord.py's handling are SimCord's and discord.py's own. That
is a private SimCord detail; it is isolated in :func:`dispatch`. Three more adjustments keep the
simulator's own costs out of the figures, each measured first:
- Discord's latency and rate-limit waits run on the wall clock (:class:`WallClockDiscord`, a
  ``RealisticDiscord`` with the same figures): SimCord's clock moves only when the whole bot is
  parked, which a steady stream never allows (with it, 759 of 776 interactions got no answer);
- SimCord's records of cancelled timers are swept every 0.1 s, as its settling does
  (:func:`prune_cancelled_timers`; without it PostgreSQL's p99 at 25/s was 2.0 s instead of 0.13 s);
- a bot timer coming due moves SimCord's clock without settling the whole bot
  (:func:`timers_without_settling`; that advance was one loop step of 6.3 s).
The heap is frozen after start-up, as ``copbot run`` does (``bot/heap.py``).

What it measures, on the wall clock (``time.perf_counter``; SimCord's loop clock is virtual):
- handler time: from the interaction being emitted to discord.py to the end of its initial response
  (the ``/interactions/{id}/{token}/callback`` call in the layer's log: a reply, a form or a defer);
- late responses: initial responses that took more than Discord's 3 seconds, or never came;
- database time per interaction: time spent awaiting the database (statements and transactions,
  including waiting for the connection) by the interaction's handler and the work it started, by
  wrapping the bot's database object (attributed through a context variable copied into the
  handler's task);
- the longest single step of the event loop (a stall), as ``bench_meeting_recap.py`` does.
One JSON line per backend (SQLite file; PostgreSQL on a throwaway cluster), plus the set-up cost.
``COPBOT_BENCH_LOAD_SECONDS`` (60), ``COPBOT_BENCH_LOAD_PER_MEETING`` (2 interactions/s) and
``COPBOT_BENCH_BACKENDS`` (``sqlite,postgresql``) change the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import json
import logging
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest

from tests.benchmarks.bench_meeting_recap import LoopLag
from tests.realdiscord import RealisticDiscord

SERVERS = 1_000
MEMBERS = 50
#: 5% of 1,000 weekly communities meeting in the same hour.
MEETING_SERVERS = 50
#: Interactions a second per meeting; the rate is MEETING_SERVERS times this.
PER_MEETING = float(os.environ.get("COPBOT_BENCH_LOAD_PER_MEETING", "2"))
#: Seconds of arrivals at the peak rate (100/s: about 6,000 interactions).
DURATION = float(os.environ.get("COPBOT_BENCH_LOAD_SECONDS", "60"))
#: Actions and their shares; an "ask" is two interactions (``/ask``, then the form).
MIX = (("vote", 0.5), ("ask", 0.3), ("task_add", 0.2))
DEADLINE = 3.0
SEED = 20

#: The accumulator of database seconds for the interaction whose handler (and its tasks) is running.
_DB_SECONDS: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar("bench_db_seconds", default=None)


class WallTimer:
    """Wake-ups on the wall clock, from one thread, outside SimCord's virtual clock.

    SimCord moves its clock (``loop.time()``, ``asyncio.sleep`` in the bot) only when every task
    of the bot is parked; under a steady stream of interactions that never happens, so a sleep on
    it never ends. Discord's latency and rate-limit waits here are real waits instead: a future
    resolved from this thread when its time comes, as a network reply would be.
    """

    def __init__(self) -> None:
        self._due: list[tuple[float, int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._ready = threading.Condition()
        self._count = 0
        threading.Thread(target=self._run, name="bench-wall-timer", daemon=True).start()

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._ready:
            self._count += 1
            heapq.heappush(self._due, (time.perf_counter() + seconds, self._count, loop, future))
            self._ready.notify()
        await future

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._due:
                    self._ready.wait()
                wait = self._due[0][0] - time.perf_counter()
                if wait > 0:
                    self._ready.wait(wait)
                    continue
                _, _, loop, future = heapq.heappop(self._due)
            with contextlib.suppress(RuntimeError):  # that run's loop has closed: nothing left to wake
                loop.call_soon_threadsafe(_wake, future)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


WALL = WallTimer()


class WallClockDiscord(RealisticDiscord):
    """The suite's realistic Discord (same latency, buckets and checks) with its waits on the wall clock."""

    def _now(self) -> float:
        return time.perf_counter()

    async def _sleep(self, seconds: float) -> None:
        await WALL.sleep(seconds)


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))], 2)


def instrument(db: Any) -> None:
    """Time every await on the bot's database object and add it to the current interaction's sum.

    Repositories hold the same object, so wrapping its methods on the instance covers all of them.
    A transaction is timed from asking for it to its commit, as the handler waits for all of that.
    """

    def timed(original: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                acc = _DB_SECONDS.get()
                if acc is not None:
                    acc[0] += time.perf_counter() - started

        return wrapper

    for name in ("execute", "fetchone", "fetchall"):
        setattr(db, name, timed(getattr(db, name)))
    original_transaction = db.transaction

    @asynccontextmanager
    async def transaction() -> AsyncIterator[Any]:
        started = time.perf_counter()
        try:
            async with original_transaction() as tx:
                yield tx
        finally:
            acc = _DB_SECONDS.get()
            if acc is not None:
                acc[0] += time.perf_counter() - started

    db.transaction = transaction


async def dispatch(env: Any, action: Coroutine[Any, Any, Any]) -> Any:
    """Run a SimCord action (``member.slash(...)``, ``member.click(...)``, ``member.submit_modal(...)``,
    not yet awaited) up to its ``INTERACTION_CREATE`` and return its result handle without waiting
    for the bot.

    SimCord's actions end by settling the bot; that step is what makes them sequential. It is swapped
    for a no-op on this one instance while the action runs: everything before it is synchronous, so no
    other task runs in between and SimCord's own settling (when its timers advance) is untouched.
    """

    async def no_settle(*args: Any, **kwargs: Any) -> None:
        return None

    env._settle_internal = no_settle
    try:
        return await action
    finally:
        del env._settle_internal


def prune_cancelled_timers(env: Any) -> None:
    """Drop SimCord's records of cancelled callbacks, as SimCord does each time it settles.

    SimCord keeps a record per callback of the bot and removes one from a list each time a callback
    runs (linear in the list). Cancelled timers (asyncpg's pool re-arms an idle timer each time a
    connection is handed back; discord.py and the bot cancel timeouts) are only swept out when
    SimCord settles, which the concurrent drive never lets it do: left alone the list grows by
    thousands and each callback of the bot costs milliseconds of the simulator's bookkeeping.
    """
    work = env._work
    work.callbacks = [r for r in work.callbacks if r.handle is not None and not r.handle.cancelled()]


@contextmanager
def timers_without_settling(env: Any) -> Iterator[None]:
    """While the load runs, a timer of the bot that comes due moves SimCord's clock and runs what is
    due, without settling every task of the bot first.

    SimCord fires a bot's timer at its real moment by advancing its virtual clock, and an advance
    first settles the whole bot: under a steady stream of interactions that one task step ran for
    6.3 s (measured: ``longest_step`` named ``Env._schedule_timer…advance_real``), which is the
    simulator's stall, not the bot's. The clock and the due callbacks are SimCord's own
    (``_move_clock``, ``_run_due_virtual_callbacks``); only the settling is left out.
    """
    from simcord._settlement import _run_due_virtual_callbacks

    async def advance(target: float, deadline: float) -> None:
        env._move_clock(max(env._virtual_time, target))
        _run_due_virtual_callbacks(env._settlement_state(), deadline)

    env._advance_to = advance
    try:
        yield
    finally:
        del env._advance_to


@dataclass
class Sent:
    """One interaction handed to discord.py."""

    kind: str
    guild: int
    result: Any
    at: float
    db: list[float] = field(default_factory=lambda: [0.0])


@dataclass
class Meeting:
    guild: Any
    channel: Any
    members: list[Any]
    post: Any = None


def _build_world(env: Any) -> list[Meeting]:
    worlds = []
    for g in range(SERVERS):
        guild = env.create_guild(f"Community {g}")
        channel = guild.create_text_channel("meeting")
        members = [guild.add_member(env.create_user(f"member_{g}_{m}")) for m in range(MEMBERS)]
        worlds.append(Meeting(guild, channel, members))
    return worlds


async def _seed_database(bot: Any, worlds: list[Meeting]) -> None:
    """1,000 servers' worth of rows, written in bulk (this is set-up, not load)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for world in worlds:
        await bot.settings.update(world.guild.id, meeting_channel_id=world.channel.id, timezone="Europe/London")
    async with bot.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO member_profiles (guild_id, user_id, role, updated_at) VALUES (?, ?, ?, ?)",
            [(w.guild.id, m.id, "lay", now.isoformat()) for w in worlds for m in w.members],
        )
        await tx.executemany(
            "INSERT INTO questions (guild_id, number, kind, text, status, created_at)"
            " VALUES (?, ?, 'question', ?, ?, ?)",
            [
                (w.guild.id, n + 1, f"Earlier question {n}?", "answered", (now - timedelta(days=7)).isoformat())
                for w in worlds
                for n in range(20)
            ],
        )
        await tx.executemany(
            "INSERT INTO tasks (guild_id, number, description, assignee_id, creator_id, due_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (w.guild.id, n + 1, f"Earlier task {n}", w.members[n].id, w.members[0].id,
                 (now + timedelta(days=10 + n)).isoformat(), now.isoformat())
                for w in worlds
                for n in range(5)
            ],
        )  # fmt: skip


async def run(backend: str, target: str, layer: Any) -> None:
    import simcord  # noqa: F401  (SimCord checks discord.py's internals on import)
    from simcord.env import Env

    from bot import create_bot
    from bot.heap import freeze_start_up_heap

    os.environ["COPBOT_DB"] = target
    bot = create_bot()
    env = Env(bot, settle_timeout=30, check_errors=False)
    t0 = time.perf_counter()
    worlds = _build_world(env)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    await env.start()
    started = time.perf_counter() - t0
    rng = random.Random(SEED)
    with env.time_context():
        t0 = time.perf_counter()
        # 20 earlier questions a server, so numbering and look-ups work on a full table.
        await _seed_database(bot, worlds)
        seeded = time.perf_counter() - t0
        meetings = rng.sample(worlds, MEETING_SERVERS)
        t0 = time.perf_counter()
        for meeting in meetings:  # one open question a meeting to press "Me too" on
            shown = await meeting.members[0].slash(meeting.channel, "ask")
            await meeting.members[0].submit_modal(shown, {"question": "What does this word mean?"})
            meeting.post = meeting.channel.last_message
            assert meeting.post is not None and meeting.post.embeds[0].title.startswith("Question ")
        warmed = time.perf_counter() - t0
        emit(
            backend=backend,
            metric="load_setup_s",
            servers=SERVERS,
            members=SERVERS * MEMBERS,
            simcord_world=round(built, 2),
            bot_start_with_all_servers=round(started, 2),
            database_seed=round(seeded, 2),
            first_question_in_each_meeting=round(warmed, 2),
        )
        freeze_start_up_heap()  # as ``copbot run`` does once the bot is ready (bot/heap.py)
        instrument(bot.db)
        calls_before = len(layer.calls)
        errors_before = len(env.errors)
        with timers_without_settling(env):
            sent = await _drive(env, meetings, rng)
            # Let the last handlers answer (their initial responses; DMs may still wait behind Discord).
            settle_by = time.perf_counter() + 10
            while time.perf_counter() < settle_by and not _all_answered(sent, layer, calls_before):
                prune_cancelled_timers(env)
                await WALL.sleep(0.1)
        report = _report(backend, sent, layer.calls[calls_before:], len(env.errors) - errors_before)
        emit(
            **report,
            max_loop_stall_ms=round(_drive.lag * 1000, 1),  # type: ignore[attr-defined]
            longest_step=_drive.culprit,  # type: ignore[attr-defined]
            process_cpu_share=round(_drive.cpu, 2),  # type: ignore[attr-defined]
            machine_load_1min=round(os.getloadavg()[0], 2),
        )
        # Work still running now (direct messages waiting in Discord's buckets) is cut short by the
        # release; its errors are the benchmark's ending, not the bot's.
        logging.disable(logging.ERROR)
        await bot.release()
        try:
            await asyncio.wait_for(env.shutdown(), 60)
        except (TimeoutError, Exception) as exc:  # a DM backlog behind Discord's buckets may still be waiting
            emit(backend=backend, note=f"shutdown did not settle: {type(exc).__name__}")


async def _drive(env: Any, meetings: list[Meeting], rng: random.Random) -> list[Sent]:
    """Issue the Poisson arrivals, each as soon as it is due, without waiting for earlier ones."""
    rate = MEETING_SERVERS * PER_MEETING
    share_ask = dict(MIX)["ask"]
    action_rate = rate / (1 + share_ask)  # an ask is two interactions
    kinds, weights = [k for k, _ in MIX], [w for _, w in MIX]
    due: list[tuple[float, int, str, Meeting, Any]] = []  # (at, tie, kind, meeting, form shown)
    t, n = 0.0, 0
    while True:
        t += rng.expovariate(action_rate)
        if t >= DURATION:
            break
        heapq.heappush(due, (t, n, rng.choices(kinds, weights)[0], rng.choice(meetings), None))
        n += 1
    sent: list[Sent] = []
    start = time.perf_counter()
    cpu = time.process_time()
    pruned = start
    with LoopLag() as lag:
        while due:
            at, _, kind, meeting, shown = heapq.heappop(due)
            wait = start + at - time.perf_counter()
            if wait > 0:
                await WALL.sleep(wait)
            if time.perf_counter() - pruned > 0.1:
                prune_cancelled_timers(env)
                pruned = time.perf_counter()
            member = rng.choice(meeting.members)
            acc = [0.0]
            token = _DB_SECONDS.set(acc)
            try:
                if kind == "vote":
                    action = member.click(meeting.post, label=None, custom_id=_vote_id(meeting.post))
                elif kind == "ask":
                    action = member.slash(meeting.channel, "ask")
                elif kind == "ask_submit":
                    if shown.modal is None:  # the form never came: counted as a late response already
                        continue
                    member = shown.member
                    action = member.submit_modal(shown.result, {"question": f"Question number {n}?"})
                else:
                    action = member.slash(
                        meeting.channel,
                        "task add",
                        description="Bring the leaflet",
                        assignee=rng.choice(meeting.members),
                        due="in 7 days",
                    )
                result = await dispatch(env, action)
            finally:
                _DB_SECONDS.reset(token)
            item = Sent(kind, meeting.guild.id, result, time.perf_counter(), acc)
            sent.append(item)
            if kind == "ask":
                form = _Form(result, member)
                heapq.heappush(due, (at + rng.uniform(2, 5), n, "ask_submit", meeting, form))
                n += 1
    _drive.window = (start, start + DURATION)  # type: ignore[attr-defined]
    _drive.lag = lag.worst  # type: ignore[attr-defined]
    _drive.culprit = lag.culprit  # type: ignore[attr-defined]
    _drive.cpu = (time.process_time() - cpu) / (time.perf_counter() - start)  # type: ignore[attr-defined]
    return sent


@dataclass
class _Form:
    result: Any
    member: Any

    @property
    def modal(self) -> Any:
        return self.result.modal


def _vote_id(post: Any) -> str:
    return next(c.custom_id for row in post.components for c in row.children if (c.label or "").startswith("Me too"))


def _callbacks(calls: list[Any]) -> dict[str, Any]:
    """The first initial-response call per interaction id, from the layer's log."""
    found: dict[str, Any] = {}
    for call in calls:
        if call.method == "POST" and call.path.startswith("/interactions/") and call.path.endswith("/callback"):
            found.setdefault(call.path.split("/")[2], call)
    return found


def _all_answered(sent: list[Sent], layer: Any, first: int) -> bool:
    answered = _callbacks(layer.calls[first:])
    return all(str(s.result._interaction.id) in answered for s in sent)


def _report(backend: str, sent: list[Sent], calls: list[Any], errors: int) -> dict[str, object]:
    answered = _callbacks(calls)
    handler: dict[str, list[float]] = {}
    every: list[float] = []
    late = missing = 0
    for item in sent:
        call = answered.get(str(item.result._interaction.id))
        if call is None or not call.wall_end:
            missing += 1
            continue
        ms = (call.wall_end - item.at) * 1000
        late += ms > DEADLINE * 1000
        handler.setdefault(item.kind, []).append(ms)
        every.append(ms)
    db_ms = [s.db[0] * 1000 for s in sent]
    begin, end = _drive.window  # type: ignore[attr-defined]
    in_window = sum(begin <= s.at <= end for s in sent)
    return {
        "backend": backend,
        "metric": "load_interactions_through_discord_py",
        "servers": SERVERS,
        "members": SERVERS * MEMBERS,
        "simcord_servers": SERVERS,
        "simcord_members": SERVERS * MEMBERS,
        "meeting_servers": MEETING_SERVERS,
        "target_rate_per_s": MEETING_SERVERS * PER_MEETING,
        "rate_per_s": round(in_window / (end - begin), 1),
        "seconds": DURATION,
        "interactions": len(sent),
        "discord_latency_ms": 20,
        "rate_limits": True,
        "handler_ms": {
            "p50": pct(every, 0.5),
            "p95": pct(every, 0.95),
            "p99": pct(every, 0.99),
            "max": pct(every, 1.0),
        },
        "db_ms": {"p50": pct(db_ms, 0.5), "p99": pct(db_ms, 0.99)},
        "late_over_3s": late,
        "no_initial_response": missing,
        "bot_errors": errors,
        "by_kind": {
            kind: {
                "n": len(values),
                "handler_p50": pct(values, 0.5),
                "handler_p99": pct(values, 0.99),
                "db_p99": pct([s.db[0] * 1000 for s in sent if s.kind == kind], 0.99),
            }
            for kind, values in sorted(handler.items())
        },
    }


async def main(layer: Any) -> None:
    backends = os.environ.get("COPBOT_BENCH_BACKENDS", "sqlite,postgresql").split(",")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as folder:
            await run("sqlite", str(Path(folder) / "load.db"), layer)
    if "postgresql" not in backends:
        return
    from tests.pgcluster import start_cluster

    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        emit(backend="postgresql", skipped=str(exc))
        return
    try:
        await run("postgresql", await cluster.new_database(), layer)
    finally:
        cluster.stop()


@pytest.mark.timeout(900)
def test_load_simulation(discord_layer: Any) -> None:
    """Under pytest the suite's own realistic-Discord layer (20 ms, buckets on) is used, on the wall clock."""
    discord_layer.__class__ = WallClockDiscord
    asyncio.run(main(discord_layer))


if __name__ == "__main__":
    patch = pytest.MonkeyPatch()
    standalone = WallClockDiscord(latency=0.02, rate_limits=True)
    standalone.install(patch)
    try:
        asyncio.run(main(standalone))
    finally:
        patch.undo()
