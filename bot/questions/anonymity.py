"""Knowing an asker again without ever knowing who they are.

The promise (DESIGN.md, "Anonymity"): nothing the bot keeps can tie a question to its asker, not
even for the operator who can read the database and the logs. Three features still need to
recognise "the same person again": one vote per member, a rate limit, and "mute this asker".

How:

* :class:`AnonymityKeys` draws a 32-byte secret with :func:`secrets.token_bytes` when the bot
  starts. It lives only in this process's memory: it is never stored, logged or shown. Every
  identity is replaced at once by ``HMAC-SHA256(secret, purpose | server | [question |] user)``.
  Without the secret the hash cannot be recomputed, so it cannot be matched against the (small,
  enumerable) set of member ids: that is why the secret must not be stored, not even in the
  database. (A key stored next to the data would let the operator try every member id.)
* Vote hashes include the question, so one voter's hashes on two questions look unrelated.
* The rate limiter and the mute list (:class:`RateLimiter`, :class:`MuteList`) are in memory
  only, keyed with the same kind of hash, and forget entries once they expire.
* The link "question → its asker's key", needed to mute an asker, is a dict in memory only
  (kept by the cog); it is never written anywhere.

The trade-off on restart: a new process has a new secret. Old vote hashes in the database can
then no longer be matched, so after a restart a member can add one more "Me too" to a question
they had already supported (and cannot take the old one back); existing counts stay correct. The
rate limit and mutes start afresh, and questions asked before the restart cannot be muted. We
accept that: the alternative (a secret that survives restarts) would have to be stored, and a
stored secret makes every hash reversible by whoever can read it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.clock import utcnow
from bot.errors import UserError

Clock = Callable[[], datetime]

RATE_LIMITED = (
    "Thank you for your questions! You have asked quite a few in a short time, so please wait "
    "about {minutes} minutes before asking another. Facilitators will get to the ones already there."
)
MUTED = (
    "Thank you. The facilitators have paused new anonymous questions from you for the rest of this "
    "meeting. You are still very welcome to speak up, or to talk to a facilitator."
)


class AnonymityKeys:
    """Secret-keyed, one-way keys for members; the secret exists only in this object."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    def _digest(self, *parts: object) -> bytes:
        message = "|".join(str(p) for p in parts).encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def asker(self, guild_id: int, user_id: int) -> bytes:
        """The key for "this member in this server", for the rate limit and mutes (memory only)."""
        return self._digest("asker", guild_id, user_id)

    def vote(self, guild_id: int, question_id: int, user_id: int) -> bytes:
        """The key stored for one member's vote on one question."""
        return self._digest("vote", guild_id, question_id, user_id)

    def __repr__(self) -> str:  # never show the secret, even in a debugger or a traceback
        return "AnonymityKeys(<secret hidden>)"


class RateLimiter:
    """At most ``count`` questions per ``window`` per key, remembered in memory only."""

    def __init__(self, count: int, window: timedelta, clock: Clock = utcnow) -> None:
        self.count = count
        self.window = window
        self._clock = clock
        self._seen: dict[bytes, deque[datetime]] = {}

    def _recent(self, key: bytes, now: datetime) -> deque[datetime]:
        times = self._seen.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._seen[key]
        return times

    def check(self, key: bytes) -> None:
        """Raise a kind :class:`UserError` if ``key`` has used up its questions for now."""
        if len(self._recent(key, self._clock())) >= self.count:
            raise UserError(RATE_LIMITED.format(minutes=int(self.window.total_seconds() // 60)))

    def record(self, key: bytes) -> None:
        """Count one question for ``key`` (call after :meth:`check`, once the question is accepted)."""
        now = self._clock()
        times = self._recent(key, now)
        times.append(now)
        self._seen[key] = times

    def __len__(self) -> int:
        return len(self._seen)


class MuteList:
    """Askers a facilitator muted, by key, until a time; memory only."""

    def __init__(self, duration: timedelta, clock: Clock = utcnow) -> None:
        self.duration = duration
        self._clock = clock
        self._until: dict[bytes, datetime] = {}

    def mute(self, key: bytes) -> datetime:
        until = self._clock() + self.duration
        self._until[key] = until
        return until

    def is_muted(self, key: bytes) -> bool:
        until = self._until.get(key)
        if until is None:
            return False
        if self._clock() >= until:
            del self._until[key]
            return False
        return True

    def check(self, key: bytes) -> None:
        """Raise a kind :class:`UserError` if ``key`` is muted."""
        if self.is_muted(key):
            raise UserError(MUTED)


class AskerMemory:
    """question id → its asker's key, in memory only, so a facilitator can mute "whoever asked #N".

    Bounded so a long-running bot does not grow without limit; the oldest entries go first (those
    questions can then no longer be muted, which matters little once a meeting is over).
    """

    def __init__(self, limit: int = 20_000) -> None:
        self._limit = limit
        self._keys: dict[int, bytes] = {}

    def remember(self, question_id: int, key: bytes) -> None:
        self._keys[question_id] = key
        while len(self._keys) > self._limit:
            del self._keys[next(iter(self._keys))]

    def key_for(self, question_id: int) -> bytes | None:
        return self._keys.get(question_id)
