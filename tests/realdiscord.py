"""Discord as it really is, for the test suite: latency, rate limits and the checks SimCord skips.

SimCord replaces discord.py's HTTP layer with a simulator in which every REST call takes no time, no
call is ever rate limited and a few of Discord's validations are missing (see DESIGN.md, Testing).
A suite that inherits that kindness passes tests that would fail against Discord. This layer wraps
SimCord's two transports (``FakeHTTPClient.request`` for REST calls and ``FakeWebhookAdapter.request``
for interaction responses and follow-ups), so every call the bot makes:

1. waits in its **rate-limit bucket** as discord.py would after reading Discord's headers (a sliding
   window per bucket; figures below, documented where Discord documents them, stated assumptions
   where it does not);
2. takes **latency** seconds, spent *before* the call reaches SimCord, so SimCord's clock, and with
   it its 3-second acknowledgement check, sees the delay;
3. is **checked** for what SimCord does not check: command and option descriptions of at most 100
   characters, at most 25 choices and 25 autocomplete results, at most 100 ids in each
   ``allowed_mentions`` list, a scheduled event's name and location of at most 100 characters (its
   description 1,000). A violation raises ``discord.HTTPException`` (400, code 50035) as
   Discord answers, so the bot's own error handling runs;
4. may be made to **fail** on purpose (:meth:`RealisticDiscord.fail`): a 500, a 403, or a dropped
   connection (``aiohttp.ServerDisconnectedError``), for the failure-path tests;
5. honours a message's **nonce** as Discord does with ``enforce_nonce`` (discord.py 2.7.1 sends both
   with every message, a random 64-bit nonce when the caller gives none; SimCord ignores both): a
   second message from the same bot with the same nonce in the same channel within
   :data:`NONCE_WINDOW` returns the first message and posts nothing. A nonce
   over 25 characters is refused (400, 50035). Discord documents "the past few minutes" and the same
   author; keying on the channel as well is the narrower reading, so a test that passes here passes
   on Discord.

Every call is recorded in :attr:`RealisticDiscord.calls` (method, path, bucket, start and end on
SimCord's clock), so tests and benchmarks can count calls and measure ratios to the buckets' bound.

**The waits run on SimCord's virtual clock, not the wall clock.** A rate-limit wait or a latency is a
timer on SimCord's clock: in the bot's own task an ``asyncio.sleep`` declared to SimCord as an
external wait (so SimCord gives it no wall-clock fallback), in the test's own task (a test calling
``channel.send``) a future. As soon as a call starts to wait, a driver task moves SimCord's clock to
the earliest wait with SimCord's own ``_advance_to`` (what ``env.advance_time`` runs), which fires every
timer due on the way in order and settles the bot between steps, then to the next wait, until none is
left. So a call still takes its latency on the clock the bot, Discord's deadlines and the buckets
read, calls made at once still overlap, a bucket still orders and spaces calls, and SimCord's
3-second acknowledgement check still sees every latency; only the wall-clock wait is gone.

* A settle (every SimCord action) returns only once no call is waiting: a slow sequence of calls (a
  breakout opening against the move bucket) is finished when the action returns, whatever
  ``settle_timeout`` is. That stays SimCord's budget for the bot's own work on the wall clock, and the
  horizon within which SimCord waits for the bot's *own* timers in real time: keep it small.
* While a test moves time with ``env.advance_time``, waits due before its target end within it; a wait
  past the target is driven once the advance is over, and SimCord's clock then moves past the target.
* A test travelling with time-machine: each step the driver moves SimCord's clock, it shifts the
  innermost traveller by the same amount, so ``bot.clock.utcnow`` and SimCord's clock stay in step
  through Discord's waits as both are the wall clock in production. Offsets the test makes itself are
  kept (the shift is relative), and a test's own ``advance_time`` steps are the test's to mirror.
* :meth:`RealisticDiscord.sleep` is the same wait for a test that makes something else slow from inside
  the bot (a monkeypatched repository standing for a busy database).

The layer is on for every test (``conftest.py``: 20 ms per call, buckets on); ``COPBOT_TEST_LATENCY``
(seconds) and ``COPBOT_TEST_RATE_LIMITS`` (0/1) set the defaults for a run, and
``@pytest.mark.discord(latency=0.3, rate_limits=False)`` sets them per test; ``real_time=True`` makes
the waits plain sleeps on the wall clock again (SimCord's clock follows through its real-time
fallback), for benchmarks that time Discord's latency on the wall clock. ``tests/test_realdiscord.py``
proves each piece.

Two things it does not delay: SimCord starting a bot (``login`` runs ``setup_hook`` in the test's own
task), and calls made while a test moves time with ``env.advance_time`` (timers firing): a test that
steps time-machine and SimCord together has shifted time-machine to the target already, and a latency
would carry the call past it. Buckets still apply then. Bucket waits reserve their slot without a lock: under
SimCord a task waiting on a lock held by a sleeping task never counts as settled.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord
import time_machine
from simcord import Env
from simcord._runtime import _BOT_SCOPE
from simcord.http.client import FakeHTTPClient, FakeWebhookAdapter, _path_of

#: Discord's own figures: the global limit (50 requests per second, interactions exempt) is documented.
GLOBAL_LIMIT = (50, 1.0)
#: Where SimCord's clock starts: the bot's loop clock counts seconds since then.
SIMCORD_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
#: How long Discord remembers a message's nonce (seconds, on SimCord's clock). Documented as "the past
#: few minutes"; assumed: 5 minutes. Reminder leases (2 minutes) are shorter, on purpose.
NONCE_WINDOW = 300.0
#: Discord's limit on a nonce's length (documented).
NONCE_MAX = 25
_MESSAGES = re.compile(r"/channels/(\d+)/messages")


@dataclass(frozen=True, slots=True)
class BucketRule:
    """A rate-limit rule: calls matching ``pattern`` share a bucket per value of the ``key`` group."""

    name: str
    method: str
    pattern: re.Pattern[str]
    limit: int
    per: float
    source: str  # "documented" or "assumed: …", so a reader knows what to trust

    def key(self, method: str, path: str) -> str | None:
        if method != self.method and self.method != "*":
            return None
        match = self.pattern.fullmatch(path)
        if match is None:
            return None
        return f"{self.name}:{match.groupdict().get('major', '')}"


def _rule(name: str, method: str, pattern: str, limit: int, per: float, source: str) -> BucketRule:
    return BucketRule(name, method, re.compile(pattern), limit, per, source)


#: Per-route buckets. Discord does not publish per-route figures (it sends them as headers); these
#: are the figures bots observe, stated as assumptions. The major parameter (channel or guild) keys
#: the bucket, as in Discord.
BUCKET_RULES: tuple[BucketRule, ...] = (
    _rule("messages", "POST", r"/channels/(?P<major>\d+)/messages", 5, 5.0, "assumed: 5 / 5 s per channel"),
    _rule("edit", "PATCH", r"/channels/(?P<major>\d+)/messages/\d+", 5, 5.0, "assumed: 5 / 5 s per channel"),
    _rule("move", "PATCH", r"/guilds/(?P<major>\d+)/members/\d+", 10, 10.0, "assumed: 10 / 10 s per server"),
    _rule("create_channel", "POST", r"/guilds/(?P<major>\d+)/channels", 5, 10.0, "assumed: 5 / 10 s per server"),
    _rule("delete_channel", "DELETE", r"/channels/\d+", 5, 10.0, "assumed: 5 / 10 s for the bot"),
    _rule("open_dm", "POST", r"/users/@me/channels", 10, 10.0, "assumed: 10 / 10 s for the bot"),
    _rule("events", "POST", r"/guilds/(?P<major>\d+)/scheduled-events", 5, 5.0, "assumed: 5 / 5 s per server"),
    _rule("followup", "POST", r"/webhooks/\d+/(?P<major>[^/]+)", 5, 2.0, "assumed: 5 / 2 s per interaction"),
)

#: Interaction callbacks are exempt from the global limit (documented); so are their webhooks.
_EXEMPT_FROM_GLOBAL = re.compile(r"/interactions/.*|/webhooks/.*")


class _Response:
    """Just enough of an aiohttp response to build a ``discord.HTTPException``."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        self.headers: dict[str, str] = {}


def _http_error(status: int, code: int, message: str) -> discord.HTTPException:
    response = _Response(status, {400: "Bad Request", 403: "Forbidden", 500: "Internal Server Error"}[status])
    data = {"code": code, "message": message}
    if status == 403:
        return discord.Forbidden(response, data)  # type: ignore[arg-type]
    if status >= 500:
        return discord.DiscordServerError(response, data)  # type: ignore[arg-type]
    return discord.HTTPException(response, data)  # type: ignore[arg-type]


def invalid_form_body(detail: str) -> discord.HTTPException:
    """What Discord answers to a payload over one of its limits."""
    return _http_error(400, 50035, f"Invalid Form Body: {detail}")


FAILURES: dict[str, Callable[[], BaseException]] = {
    "500": lambda: _http_error(500, 0, "500: Internal Server Error"),
    "403": lambda: _http_error(403, 50013, "Missing Permissions"),
    "disconnect": lambda: aiohttp.ServerDisconnectedError(),
}


@dataclass(slots=True)
class Call:
    """One REST call as the bot made it."""

    method: str
    path: str
    bucket: str | None
    start: float
    end: float = 0.0
    #: The same moments on the wall clock (``time.perf_counter``): SimCord's loop clock moves only with
    #: timers, so only these include the bot's own work between calls (used by benchmarks).
    wall_start: float = 0.0
    wall_end: float = 0.0


@dataclass(slots=True)
class _Failure:
    method: str
    pattern: re.Pattern[str]
    kind: str
    times: int


@dataclass(slots=True)
class _Wait:
    """A wait in the layer, due at ``wake`` on SimCord's clock. ``future`` is set for a caller outside the
    bot (the test's own task), whose timers SimCord does not own: the driver resolves it at ``wake``."""

    wake: float
    future: asyncio.Future[None] | None = None
    task: asyncio.Task[Any] | None = None


#: The most simulated time one drive may cover (seconds): a bot still calling Discord after an hour of
#: back-to-back waits is stuck in a loop, and the settle fails saying so instead of hanging the test.
MAX_DRIVE = 3600.0
#: How SimCord names a call's wait in the layer when it reports what the bot is waiting on.
WAIT_REASON = "a call in the realistic-Discord layer (latency or rate-limit bucket; tests/realdiscord.py)"


@dataclass
class RealisticDiscord:
    """The layer's state for one test: settings, buckets, planned failures and the call log."""

    latency: float = 0.0
    rate_limits: bool = True
    #: Waits take wall-clock time (SimCord's clock follows through its real-time fallback), as before
    #: the waits were virtual; for benchmarks that time Discord's latency on the wall clock.
    real_time: bool = False
    #: True while SimCord starts or restarts a bot. The start runs ``login`` (and so ``setup_hook``)
    #: in the test's own task, where a sleep on SimCord's clock would wait for an advance that only
    #: that task could make; start-up calls are checked against the limits but not delayed.
    starting: bool = False
    #: True while a test moves time with ``env.advance_time``. Calls made then (timers firing) wait in
    #: their buckets but take no latency: a test that steps time-machine and SimCord together cannot
    #: step time-machine by latencies it does not know, and the two clocks would drift apart.
    advancing: bool = False
    calls: list[Call] = field(default_factory=list)
    #: Called as ``listener(method, path, payload, result)`` after each call Discord carried out (not
    #: after a failure, nor for a message a repeated nonce did not post again): a complete record of
    #: what the bot sent and what Discord answered, ephemeral replies and edits included
    #: (``tests/textlog.py`` reads every text from it).
    listeners: list[Callable[[str, str, Any, Any], None]] = field(default_factory=list)
    #: Messages Discord did not post again because their nonce had been seen (see point 5 above).
    nonce_repeats: int = 0
    _nonces: dict[tuple[int, str, str], tuple[float, Any]] = field(default_factory=dict)
    _windows: dict[str, deque[float]] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    _exhausted: set[str] = field(default_factory=set)
    #: The SimCord environment whose clock the waits run on (the last one started).
    _env: Env | None = None
    #: Waits in progress, by a counter; the driver moves SimCord's clock to the earliest.
    _waits: dict[int, _Wait] = field(default_factory=dict)
    _wait_ids: itertools.count[int] = field(default_factory=itertools.count)
    _driver: asyncio.Task[None] | None = None
    _hooks: list[tuple[str, re.Pattern[str], Callable[[str, Any], None]]] = field(default_factory=list)

    def on_call(self, method: str, path: str, hook: Callable[[str, Any], None]) -> None:
        """Run ``hook(path, payload)`` as each call matching ``method`` and the regex ``path`` starts, in
        the bot's own task, before the call's latency: a test can look at the bot's memory at the moment
        it sends that call (added for issue 27's memory proofs)."""
        self._hooks.append((method.upper(), re.compile(path), hook))

    def fail(self, method: str, path: str, kind: str, *, times: int = 1) -> None:
        """Make the next ``times`` calls matching ``method`` and the regex ``path`` fail with ``kind``
        ("500", "403" or "disconnect"). The call still takes its latency, then raises; Discord has done
        nothing."""
        if kind not in FAILURES:
            raise ValueError(f"kind must be one of {sorted(FAILURES)}")
        self._failures.append(_Failure(method.upper(), re.compile(path), kind, times))

    def exhaust_bucket(self, method: str, path: str) -> None:
        """Make the next call to ``method path`` (a concrete path) find its rate-limit bucket used up
        by other traffic, as when the bot has just posted several messages in that channel: it waits
        the bucket's whole period (with ``rate_limits`` on). Added for issue #14's deadline tests."""
        rule = self._bucket_of(method.upper(), path)
        if rule is None:
            raise ValueError(f"no rate-limit bucket for {method} {path}")
        self._exhausted.add(rule.key(method.upper(), path) or "")

    def calls_to(self, method: str, path: str) -> list[Call]:
        """The recorded calls matching ``method`` and the regex ``path``."""
        pattern = re.compile(path)
        return [c for c in self.calls if c.method == method.upper() and pattern.fullmatch(c.path)]

    def ack_seconds(self, result: Any) -> float:
        """Seconds from an interaction reaching the bot to its acknowledgement reaching Discord.

        SimCord sets the deadline 3 s after dispatch on its clock, and calls are recorded on SimCord's
        clock (seconds since its epoch, 2026-01-01 00:00 UTC)."""
        record = result._interaction
        dispatched = (datetime.fromisoformat(record.initial_response_deadline) - SIMCORD_EPOCH).total_seconds() - 3.0
        [callback] = self.calls_to("POST", rf"/interactions/{record.id}/[^/]+/callback")
        return callback.end - dispatched

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` on SimCord's clock, as the layer's latency and bucket waits do: at once on the
        wall clock while the test settles, with every bot timer due on the way firing in order.

        For a test that makes something other than Discord slow, from inside the bot (a monkeypatched
        repository method standing for a busy database), so that wait costs no wall-clock time either.
        """
        if seconds <= 0:
            return
        env = self._live_env()
        if env is None or self.real_time:
            await asyncio.sleep(seconds)  # no simulated Discord running here: nothing to drive
            return
        key = next(self._wait_ids)
        wake = env._virtual_time + max(seconds, 1e-6)  # when SimCord's timer below is due (1 µs at least)
        task = asyncio.current_task()
        if (
            _BOT_SCOPE.get() == (env, env._generation)
            and task in env._work.tasks
            and task not in env._work.external_waits
        ):
            # The bot's own work: a timer on SimCord's clock, declared an external wait so that SimCord
            # gives it no wall-clock fallback and only a move of its clock (the driver's) ends it.
            self._waits[key] = _Wait(wake, task=task)
            self._kick(env)
            try:
                await env.external_wait(asyncio.sleep(seconds), reason=WAIT_REASON)
            finally:
                self._waits.pop(key, None)
            return
        # The test's own task (a test calling ``channel.send``): a timer here would be a wall-clock
        # one, so the driver resolves this future when SimCord's clock reaches the wake instead.
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waits[key] = _Wait(wake, future)
        self._kick(env)
        try:
            await future
        finally:
            self._waits.pop(key, None)

    # -- the pieces each call goes through ------------------------------------------------------

    def _bucket_of(self, method: str, path: str) -> BucketRule | None:
        for rule in BUCKET_RULES:
            if rule.key(method, path) is not None:
                return rule
        return None

    async def _wait_in(self, key: str, limit: int, per: float) -> None:
        """Sliding window: the call starts once fewer than ``limit`` calls started in the ``per`` seconds
        before it.

        Each call reserves its start time at once (no lock, no await between reading and reserving),
        then sleeps until then. A lock or a future here would park waiting calls on something SimCord
        cannot see the end of: during ``advance_time`` a sleeping holder counts as settled but its
        waiters do not, and the advance would never settle.
        """
        window = self._windows.setdefault(key, deque())
        now = self._now()
        while window and window[0] <= now - per:
            window.popleft()
        start = now if len(window) < limit else max(now, window[-limit] + per)
        window.append(start)
        if start > now:
            await self._sleep(start - now)

    # The clock the buckets and the latency run on: SimCord's virtual clock. A benchmark that must run
    # on the wall clock overrides these two (bench_load.py).

    def _now(self) -> float:
        return self._sim_now()

    async def _sleep(self, seconds: float) -> None:
        await self.sleep(seconds)

    def _sim_now(self) -> float:
        """SimCord's clock in seconds since its epoch (the bot's loop clock reads the same), from any task."""
        env = self._live_env()
        return env._virtual_time if env is not None else asyncio.get_running_loop().time()

    async def before(self, method: str, path: str, payload: Any) -> Call:
        """Everything that happens before SimCord sees the call; raises what Discord would raise."""
        rule = self._bucket_of(method, path)
        bucket = rule.key(method, path) if rule else None
        call = Call(method, path, bucket, self._sim_now(), wall_start=time.perf_counter())
        self.calls.append(call)
        for hook_method, hook_path, hook in self._hooks:
            if hook_method == method and hook_path.fullmatch(path):
                hook(path, payload)
        if self.rate_limits and not self.starting:
            if not _EXEMPT_FROM_GLOBAL.fullmatch(path):
                await self._wait_in("global", *GLOBAL_LIMIT)
            if rule is not None and bucket is not None:
                if bucket in self._exhausted:  # other traffic just used the bucket up (on the bot's clock)
                    self._exhausted.discard(bucket)
                    self._windows.setdefault(bucket, deque()).extend([self._now()] * rule.limit)
                await self._wait_in(bucket, rule.limit, rule.per)
        if self.latency and not self.starting and not self.advancing:
            await self._sleep(self.latency)
        check_limits(method, path, payload)
        for failure in self._failures:
            if failure.times > 0 and failure.method == method and failure.pattern.fullmatch(path):
                failure.times -= 1
                call.end, call.wall_end = self._sim_now(), time.perf_counter()
                raise FAILURES[failure.kind]()
        return call

    def install(self, monkeypatch: Any) -> None:
        """Wrap SimCord's two transports for the rest of the test, and its settling and starting."""
        layer = self
        http_request = FakeHTTPClient.request
        webhook_request = FakeWebhookAdapter.request

        async def request(client: Any, route: Any, *, files: Any = None, form: Any = None, **kwargs: Any) -> Any:
            payload = kwargs.get("json") or _form_json(form)
            call = await layer.before(route.method, _path_of(route.url), payload)
            try:
                key = layer._nonce_key(client, route.method, _path_of(route.url), payload)
                earlier = layer._earlier(key, _clock(client))
                if earlier is not None:
                    return earlier
                result = await http_request(client, route, files=files, form=form, **kwargs)
                layer._remember(key, result, _clock(client))
                layer._tell(route.method, _path_of(route.url), payload, result)
                return result
            finally:
                call.end, call.wall_end = layer._sim_now(), time.perf_counter()

        async def webhook(adapter: Any, route: Any, session: Any, **kwargs: Any) -> Any:
            payload = kwargs.get("payload") or _form_json(kwargs.get("multipart"))
            call = await layer.before(route.method, _path_of(route.url), payload)
            try:
                result = await webhook_request(adapter, route, session, **kwargs)
                layer._tell(route.method, _path_of(route.url), payload, result)
                return result
            finally:
                call.end, call.wall_end = layer._sim_now(), time.perf_counter()

        monkeypatch.setattr(FakeHTTPClient, "request", request)
        monkeypatch.setattr(FakeWebhookAdapter, "request", webhook)
        for name in ("start", "restart_bot"):
            monkeypatch.setattr(Env, name, self._while_flag("starting", getattr(Env, name)))
        monkeypatch.setattr(Env, "advance_time", self._while_flag("advancing", Env.advance_time))
        if self.real_time:
            return
        monkeypatch.setattr(Env, "_settle_internal", self._settling_through_waits(Env._settle_internal))
        monkeypatch.setattr(Env, "_detach_bot", self._stopping_the_driver(Env._detach_bot))
        monkeypatch.setattr(Env, "_move_clock", self._moving_time_machine_too(Env._move_clock))

    # -- moving SimCord's clock through the waits ------------------------------------------------

    def _live_env(self) -> Env | None:
        env = self._env
        if env is None or not env._started or env._runtime is None or env._loop is not asyncio.get_running_loop():
            return None
        return env

    def _kick(self, env: Env) -> None:
        """Start the driver unless it is running."""
        if self._driver is not None and not self._driver.done():
            return
        assert env._runtime is not None
        # SimCord's original create_task and an empty context: the driver is not the bot's work (the
        # settle would otherwise wait for it to settle, and it waits for the settle).
        self._driver = env._runtime.create_task(self._drive(env), context=contextvars.Context())

    def _driving(self) -> bool:
        return self._driver is not None and not self._driver.done()

    async def _drive(self, env: Env) -> None:
        """Move SimCord's clock to each pending wait in turn until none is left, with SimCord's own
        ``_advance_to``: every timer due on the way fires in order and the bot settles at each step, as
        in ``env.advance_time``."""
        me = asyncio.current_task()
        loop = asyncio.get_running_loop()
        began = env._virtual_time
        stalled = 0
        try:
            while self._waits and env._started and env._runtime is not None:
                # A test's advance_time or a timer's real-time fallback advancing the clock: let it
                # finish first (two advances at once would each wait for the other to settle).
                busy = {t for t in (env._advance_task, env._real_advance_task) if t not in (None, me) and not t.done()}
                if busy:
                    await asyncio.wait(busy, timeout=0.01)  # _advance_task may be the test's own task
                    continue
                wake = min(w.wake for w in self._waits.values())
                if wake <= env._virtual_time:
                    # Due but not over: SimCord's timer is a hair later than the layer computed (it
                    # runs a timer at least a microsecond on). Step on by a microsecond at a time.
                    stalled += 1
                    if stalled > 1000:
                        raise RuntimeError(f"a wait in the realistic-Discord layer due at {wake} s never ended")
                    wake = env._virtual_time + 1e-6
                else:
                    stalled = 0
                if env._virtual_time - began > MAX_DRIVE:
                    waiting = ", ".join(
                        sorted({w.task.get_name() if w.task else "the test" for w in self._waits.values()})
                    )
                    raise TimeoutError(
                        f"the bot was still waiting on Discord after {MAX_DRIVE:g} s of simulated time"
                        f" ({len(self._waits)} calls waiting, in {waiting}): is it calling Discord in a loop?"
                    )
                await env._advance_to(wake, loop.time() + env.settle_timeout)
                for wait in list(self._waits.values()):
                    if wait.future is not None and wait.wake <= env._virtual_time and not wait.future.done():
                        wait.future.set_result(None)
                await asyncio.sleep(0)  # let the resumed waits leave the table
        except asyncio.CancelledError:
            self._fail_test_waits(None)
            raise
        except BaseException as error:
            self._fail_test_waits(error)
            if env._operation_task is None:  # no action to raise it in: the test's end reports it
                env._record_error(error)
            raise

    def _fail_test_waits(self, error: BaseException | None) -> None:
        for wait in self._waits.values():
            if wait.future is not None and not wait.future.done():
                if error is None:
                    wait.future.cancel()
                else:
                    wait.future.set_exception(error)

    def _settling_through_waits(self, settle: Callable[..., Any]) -> Callable[..., Any]:
        """SimCord's settle, which also returns only once no call is waiting in the layer."""
        layer = self

        async def settled(env: Env, *args: Any, **kwargs: Any) -> Any:
            if env._advance_task is not None and env._advance_task is asyncio.current_task():
                # A step of an advance (the test's advance_time, the driver, a real-time fallback):
                # waits due within it end within it; the driver takes the ones after it.
                return await settle(env, *args, **kwargs)
            result = await settle(env, *args, **kwargs)
            # SimCord's settle counts the layer's waits as settled (they are external waits) and may
            # end as a call begins to wait: finish the calls, then settle what they set going.
            while layer._env is env and env._started and (layer._waits or layer._driving()):
                layer._kick(env)
                driver = layer._driver
                assert driver is not None
                await asyncio.wait({driver})
                if not driver.cancelled() and driver.exception() is not None:
                    raise driver.exception()  # type: ignore[misc]
                result = await settle(env, *args, **kwargs)
            return result

        return settled

    def _moving_time_machine_too(self, move_clock: Callable[..., Any]) -> Callable[..., Any]:
        """SimCord's clock step; when the driver takes it and a test is time travelling with time-machine,
        the bot's clock (``bot.clock.utcnow``) takes it too, so the two stay in step as they do in
        production, where both are the wall clock. (A test's own ``advance_time`` steps are left alone:
        the test shifts time-machine by the same amount itself.)"""
        layer = self

        def moved(env: Env, target: float) -> None:
            before = env._virtual_time
            move_clock(env, target)
            driver = layer._driver
            if driver is not None and driver is _current_task() and time_machine.traveller_stack:
                time_machine.traveller_stack[-1].shift(env._virtual_time - before)

        return moved

    def _stopping_the_driver(self, detach: Callable[..., Any]) -> Callable[..., Any]:
        """SimCord's detach (restart, shutdown), with the driver stopped first: the bot's tasks and
        their waits are about to be cancelled."""
        layer = self

        async def detached(env: Env, *args: Any, **kwargs: Any) -> Any:
            driver = layer._driver
            if driver is not None and not driver.done() and driver is not asyncio.current_task():
                driver.cancel()
                await asyncio.gather(driver, return_exceptions=True)
            return await detach(env, *args, **kwargs)

        return detached

    def _tell(self, method: str, path: str, payload: Any, result: Any) -> None:
        for listener in self.listeners:
            listener(method, path, payload, result)

    # -- nonces (point 5 of the module docstring) ------------------------------------------------

    @staticmethod
    def _nonce_key(client: Any, method: str, path: str, payload: Any) -> tuple[int, str, str] | None:
        """(author, channel, nonce) of a message sent with ``enforce_nonce``; None for anything else."""
        if method != "POST" or not isinstance(payload, dict) or not payload.get("enforce_nonce"):
            return None
        match = _MESSAGES.fullmatch(path)
        nonce = payload.get("nonce")
        if match is None or nonce is None:
            return None
        author = int(getattr(getattr(client.backend, "bot_user", None), "id", 0))  # the same after a restart
        return (author, match.group(1), str(nonce))

    def _earlier(self, key: tuple[int, str, str] | None, now: float) -> Any:
        """The message already posted under ``key`` within the window before ``now`` (a copy), or None."""
        if key is None or key not in self._nonces:
            return None
        at, message = self._nonces[key]
        if now - at > NONCE_WINDOW:
            del self._nonces[key]
            return None
        self.nonce_repeats += 1
        return copy.deepcopy(message)

    def _remember(self, key: tuple[int, str, str] | None, message: Any, now: float) -> None:
        if key is None:
            return
        if len(self._nonces) >= 5000:  # discord.py gives every message a nonce: forget the expired ones
            self._nonces = {k: v for k, v in self._nonces.items() if now - v[0] <= NONCE_WINDOW}
        self._nonces[key] = (now, copy.deepcopy(message))

    def _while_flag(self, flag: str, method: Callable[..., Any]) -> Callable[..., Any]:
        layer = self

        async def wrapped(env: Env, *args: Any, **kwargs: Any) -> Any:
            layer._env = env
            setattr(layer, flag, True)
            try:
                return await method(env, *args, **kwargs)
            finally:
                setattr(layer, flag, False)

        return wrapped


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


def _clock(client: Any) -> float:
    """Seconds on SimCord's own clock, the one Discord's side lives on (``env.advance_time`` moves it)."""
    return float(client.backend.clock.elapsed)


def _form_json(form: Any) -> Any:
    """The JSON part of a multipart body (messages with files), for the limit checks."""
    import json

    for part in form or ():
        if isinstance(part, dict) and part.get("name") == "payload_json":
            try:
                return json.loads(part.get("value") or "null")
            except (TypeError, ValueError):
                return None
    return None


# -- Discord's limits that SimCord does not check -------------------------------------------------

_COMMANDS = re.compile(r"/applications/\d+(/guilds/\d+)?/commands")
_EVENTS = re.compile(r"/guilds/\d+/scheduled-events(/\d+)?")
#: Discord's OpenAPI specification for a scheduled event: name and location 1-100 characters,
#: description at most 1,000.
EVENT_TEXT_LIMITS = {"name": 100, "description": 1000}
EVENT_LOCATION = 100
_CALLBACK = re.compile(r"/interactions/\d+/[^/]+/callback")


def check_limits(method: str, path: str, payload: Any) -> None:
    """Raise what Discord raises for a payload over a limit SimCord does not enforce."""
    if not isinstance(payload, dict | list):
        return
    if method == "PUT" and _COMMANDS.fullmatch(path) and isinstance(payload, list):
        for command in payload:
            _check_command(command, command.get("name", "?"))
        return
    if not isinstance(payload, dict):
        return
    if method == "POST" and _CALLBACK.fullmatch(path) and payload.get("type") == 8:
        choices = (payload.get("data") or {}).get("choices") or []
        if len(choices) > 25:
            raise invalid_form_body(f"data.choices: {len(choices)} autocomplete results, at most 25 are allowed")
    if method in ("POST", "PATCH") and _EVENTS.fullmatch(path):
        _check_event(payload)
    _check_allowed_mentions(payload)
    nonce = payload.get("nonce")
    if method == "POST" and nonce is not None and len(str(nonce)) > NONCE_MAX:
        raise invalid_form_body(f"nonce: {len(str(nonce))} characters, at most {NONCE_MAX} are allowed")
    data = payload.get("data")
    if isinstance(data, dict):
        _check_allowed_mentions(data)


def _check_event(body: dict[str, Any]) -> None:
    for key, most in EVENT_TEXT_LIMITS.items():
        value = body.get(key)
        if isinstance(value, str) and len(value) > most:
            raise invalid_form_body(f"{key}: {len(value)} characters, at most {most} are allowed")
    location = (body.get("entity_metadata") or {}).get("location")
    if isinstance(location, str) and not 1 <= len(location) <= EVENT_LOCATION:
        raise invalid_form_body(f"entity_metadata.location: {len(location)} characters, 1 to {EVENT_LOCATION} allowed")


def _check_allowed_mentions(body: dict[str, Any]) -> None:
    mentions = body.get("allowed_mentions")
    if not isinstance(mentions, dict):
        return
    for kind in ("users", "roles"):
        ids = mentions.get(kind) or []
        if len(ids) > 100:
            raise invalid_form_body(f"allowed_mentions.{kind}: {len(ids)} ids, at most 100 are allowed")


def _check_command(node: dict[str, Any], where: str) -> None:
    description = node.get("description") or ""
    if len(description) > 100:
        raise invalid_form_body(f"{where}.description: {len(description)} characters, at most 100 are allowed")
    choices = node.get("choices") or []
    if len(choices) > 25:
        raise invalid_form_body(f"{where}.choices: {len(choices)} choices, at most 25 are allowed")
    for choice in choices:
        if len(str(choice.get("name", ""))) > 100:
            raise invalid_form_body(f"{where}.choices.name: over 100 characters")
    for option in node.get("options") or []:
        _check_command(option, f"{where} {option.get('name', '?')}")
