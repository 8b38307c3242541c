"""Knowing an asker again without ever knowing who they are, and only for as long as needed.

The promise (DESIGN.md, "Anonymity"): copbot keeps nothing that ties a question, a vote or a
check-in answer to a person: not in its database, files, logs or messages. Three features still
need to recognise "the same person again": one vote per member, a rate limit, and "mute this asker".

How:

* Every identity is replaced at once by a keyed fingerprint, ``HMAC-SHA256(secret, purpose |
  server | [question |] member)`` (:func:`fingerprint`), made with a 32-byte :class:`Secret` that
  lives only in this process's memory: never stored, logged or shown. Without the secret the
  fingerprint cannot be recomputed, so it cannot be matched against the (small, enumerable) set of
  member ids: that is why the secrets are not stored, not even in the database.
* A **vote secret** per server. Vote fingerprints are stored (one per member per open question) so a
  second press of "Me too" takes the vote back. The secret is replaced (:meth:`AnonymityKeys.forget_votes`)
  when the server's meeting ends (``/meeting end``), when no vote has been made there for the mute
  window (``questions.mute_hours``: the meeting is over), and at the latest :data:`VOTE_SECRET_MAX_AGE`
  after it was drawn. After that nobody, copbot included, can match the fingerprints already stored
  to a member, so a memory dump taken later names no earlier voter. The price, as after a restart: a
  member who pressed "Me too" before the change and presses it again afterwards adds a second vote
  (and cannot take the first one back). When a question is answered, removed or rejected its
  fingerprints are deleted and only the count stays.
* The **asker secret** keys the memory-only state: the rate limit, the mutes and the links
  "question → its asker's key" that "Mute this asker" needs. :class:`MeetingMemory` holds all three
  and forgets each entry once it is older than the mute window; when the last one goes, or at
  ``/meeting end``, :meth:`MeetingMemory.forget_meeting_state` clears everything and draws a new
  asker secret, so even the old keys can no longer be recomputed.
* Secrets live in a ``bytearray`` that is overwritten with zeros when it is replaced, and the
  message each fingerprint is made from is built in one and overwritten too: Python does not
  overwrite freed memory, so "forgotten" would otherwise mean only "unreachable".

What a memory dump reveals, honestly: while a secret is alive, someone who can read this process's
memory gets it, and with the member list they can recompute every member's key: who voted on the
open questions of the current meeting, and who asked the questions of the current mute window. A
later dump reveals none of that. Discord also tells any bot who pressed what, so whoever runs copbot
could change it to record people live; the protection here is against what is *kept*.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta

from bot.clock import utcnow
from bot.errors import UserError

Clock = Callable[[], datetime]

#: The longest a server's vote secret lives, even while votes keep coming (a meeting lasts hours).
VOTE_SECRET_MAX_AGE = timedelta(hours=24)
SECRET_BYTES = 32

RATE_LIMITED = (
    "Thank you for your questions! You have asked quite a few in a short time, so please wait "
    "about {minutes} minutes before asking another. Facilitators will get to the ones already there."
)
MUTED = (
    "Thank you. The facilitators have paused new anonymous questions from you for the rest of this "
    "meeting. You are still very welcome to speak up, or to talk to a facilitator."
)


def _random_bytearray(size: int) -> bytearray:
    """``size`` random bytes read straight into a bytearray (no immutable copy left behind to free)."""
    buffer = bytearray(size)
    try:
        with open("/dev/urandom", "rb", buffering=0) as source:
            if source.readinto(buffer) == size:
                return buffer
    except OSError:  # no /dev/urandom (Windows): the short-lived bytes object is not overwritten
        pass
    buffer[:] = secrets.token_bytes(size)
    return buffer


def fingerprint(secret: bytes | bytearray, purpose: str, *parts: int) -> bytes:
    """``HMAC-SHA256(secret, purpose | parts…)``: the one way copbot turns a member into a key.

    The message (which holds the member's id beside the question's or check-in's) is built in a
    bytearray and overwritten once hashed, so it does not linger in freed memory.
    """
    message = bytearray(purpose.encode())
    for part in parts:
        message += b"|"
        message += int(part).to_bytes(8, "big", signed=True)
    try:
        return hmac.digest(secret, message, hashlib.sha256)
    finally:
        message[:] = bytes(len(message))


class Secret:
    """32 random bytes that exist only here, and can be wiped (overwritten) when they are replaced."""

    __slots__ = ("_bytes",)

    def __init__(self, fixed: bytes | None = None) -> None:
        self._bytes = bytearray(fixed) if fixed is not None else _random_bytearray(SECRET_BYTES)

    def key(self, purpose: str, *parts: int) -> bytes:
        """The fingerprint of ``parts`` under this secret (see :func:`fingerprint`)."""
        return fingerprint(self._bytes, purpose, *parts)

    def wipe(self) -> None:
        """Overwrite the secret: keys made with it can never be recomputed, from memory either."""
        self._bytes[:] = bytes(len(self._bytes))

    def __repr__(self) -> str:  # never show the secret, even in a debugger or a traceback
        return "Secret(<hidden>)"


class _VoteSecret:
    __slots__ = ("drawn", "last_used", "secret")

    def __init__(self, secret: Secret, now: datetime) -> None:
        self.secret = secret
        self.drawn = now
        self.last_used = now


class AnonymityKeys:
    """Secret-keyed, one-way keys for members; the secrets exist only in this object.

    ``vote_idle`` is how long a server's vote secret outlives its last vote (the mute window);
    ``secret`` fixes the first secrets (tests only; every replacement is random).
    """

    __slots__ = ("_asker", "_clock", "_fixed", "_votes", "vote_idle", "vote_max_age")

    def __init__(
        self,
        secret: bytes | None = None,
        *,
        vote_idle: timedelta = timedelta(hours=3),
        vote_max_age: timedelta = VOTE_SECRET_MAX_AGE,
        clock: Clock = utcnow,
    ) -> None:
        self._fixed = secret
        self._asker = Secret(secret)
        self._votes: dict[int, _VoteSecret] = {}
        self._clock = clock
        self.vote_idle = vote_idle
        self.vote_max_age = vote_max_age

    def asker(self, guild_id: int, user_id: int) -> bytes:
        """The key for "this member in this server", for the rate limit and mutes (memory only)."""
        return self._asker.key("asker", guild_id, user_id)

    def vote(self, guild_id: int, question_id: int, user_id: int) -> bytes:
        """The key stored for one member's vote on one question, under the server's current vote secret."""
        now = self._clock()
        held = self._votes.get(guild_id)
        if held is not None and self._expired(held, now):
            self.forget_votes(guild_id)
            held = None
        if held is None:
            fixed = self._fixed
            self._fixed = None
            held = self._votes[guild_id] = _VoteSecret(Secret(fixed), now)
        held.last_used = now
        return held.secret.key("vote", guild_id, question_id, user_id)

    def _expired(self, held: _VoteSecret, now: datetime) -> bool:
        return now >= min(held.last_used + self.vote_idle, held.drawn + self.vote_max_age)

    def forget_votes(self, guild_id: int | None = None) -> None:
        """Wipe one server's vote secret (or every one): its stored fingerprints can no longer be matched."""
        for gid in list(self._votes) if guild_id is None else [guild_id]:
            held = self._votes.pop(gid, None)
            if held is not None:
                held.secret.wipe()

    def sweep_votes(self) -> None:
        """Wipe the vote secrets whose meeting is over (idle for ``vote_idle``) or that are too old."""
        now = self._clock()
        for gid in [g for g, held in self._votes.items() if self._expired(held, now)]:
            self.forget_votes(gid)

    def next_vote_expiry(self) -> datetime | None:
        times = [min(h.last_used + self.vote_idle, h.drawn + self.vote_max_age) for h in self._votes.values()]
        return min(times, default=None)

    def vote_secrets(self) -> int:
        """How many servers have a vote secret now (for tests and diagnostics)."""
        return len(self._votes)

    def new_asker_secret(self) -> None:
        """Forget the asker secret: keys made with it can no longer be recomputed by anyone."""
        self._asker.wipe()
        self._asker = Secret()

    def __repr__(self) -> str:  # never show the secrets, even in a debugger or a traceback
        return "AnonymityKeys(<secrets hidden>)"


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

    def recent_count(self, key: bytes) -> int:
        """How many times ``key`` was recorded within the window."""
        return len(self._recent(key, self._clock()))

    def record(self, key: bytes) -> None:
        """Count one question for ``key`` (call after :meth:`check`, once the question is accepted)."""
        now = self._clock()
        times = self._recent(key, now)
        times.append(now)
        self._seen[key] = times

    def sweep(self) -> None:
        """Drop every entry older than the window."""
        now = self._clock()
        for key in list(self._seen):
            self._recent(key, now)

    def next_expiry(self) -> datetime | None:
        return min((times[0] + self.window for times in self._seen.values() if times), default=None)

    def clear(self) -> None:
        self._seen.clear()

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

    def sweep(self) -> None:
        now = self._clock()
        for key in [k for k, until in self._until.items() if now >= until]:
            del self._until[key]

    def next_expiry(self) -> datetime | None:
        return min(self._until.values(), default=None)

    def clear(self) -> None:
        self._until.clear()

    def __len__(self) -> int:
        return len(self._until)


class AskerMemory:
    """question → its asker's key, in memory only, so a facilitator can mute "whoever asked #N".

    Each link is kept for ``window`` (the mute window) and then forgotten: after that nobody, the
    bot included, can say who asked. ``limit`` is only a guard against a flood within one window.
    """

    def __init__(self, window: timedelta = timedelta(hours=3), clock: Clock = utcnow, limit: int = 20_000) -> None:
        self.window = window
        self._clock = clock
        self._limit = limit
        self._keys: dict[Hashable, tuple[bytes, datetime]] = {}

    def remember(self, question: Hashable, key: bytes) -> None:
        self.sweep()
        self._keys[question] = (key, self._clock())
        while len(self._keys) > self._limit:
            del self._keys[next(iter(self._keys))]

    def key_for(self, question: Hashable) -> bytes | None:
        self.sweep()
        found = self._keys.get(question)
        return found[0] if found else None

    def forget(self, question: Hashable) -> None:
        self._keys.pop(question, None)

    def sweep(self) -> None:
        """Drop every link older than the window (the dict is in insertion order, oldest first)."""
        now = self._clock()
        while self._keys:
            question, (_key, at) = next(iter(self._keys.items()))
            if now - at < self.window:
                break
            del self._keys[question]

    def next_expiry(self) -> datetime | None:
        for _key, at in self._keys.values():
            return at + self.window
        return None

    def clear(self) -> None:
        self._keys.clear()

    def __len__(self) -> int:
        return len(self._keys)


class MeetingMemory:
    """Everything about askers the bot holds, in memory only, for at most the mute window:
    the question rate limit, the mutes, the question → asker links and the DM counts.

    :meth:`sweep` drops what has expired and says when to look again; once nothing is left it calls
    :meth:`forget_meeting_state`, which also replaces the asker secret.
    """

    def __init__(
        self,
        *,
        rate_limit_count: int,
        rate_limit_window: timedelta,
        mute_window: timedelta,
        dms_per_hour: int = 10,
        clock: Clock = utcnow,
    ) -> None:
        self.keys = AnonymityKeys(vote_idle=mute_window, clock=clock)
        self.rate_limiter = RateLimiter(rate_limit_count, min(rate_limit_window, mute_window), clock)
        self.mutes = MuteList(mute_window, clock)
        self.askers = AskerMemory(mute_window, clock)
        #: Direct messages to the bot per member (fair use), also under the asker secret.
        self.dm_limiter = RateLimiter(dms_per_hour, min(timedelta(hours=1), mute_window), clock)

    @property
    def _parts(self) -> tuple[RateLimiter | MuteList | AskerMemory, ...]:
        return (self.rate_limiter, self.mutes, self.askers, self.dm_limiter)

    def sweep(self) -> datetime | None:
        """Forget expired entries and vote secrets; return when the next one expires (``None``: nothing is held)."""
        for part in self._parts:
            part.sweep()
        self.keys.sweep_votes()
        if self.is_empty():
            self.forget_meeting_state()
            return None
        return self.next_expiry()

    def next_expiry(self) -> datetime | None:
        times = [part.next_expiry() for part in self._parts] + [self.keys.next_vote_expiry()]
        return min((t for t in times if t is not None), default=None)

    def is_empty(self) -> bool:
        return not any(len(part) for part in self._parts) and not self.keys.vote_secrets()

    def __len__(self) -> int:
        """How many entries are held in all (for tests and ``copbot check``-style diagnostics)."""
        return sum(len(part) for part in self._parts)

    def forget_meeting_state(self, guild_id: int | None = None) -> None:
        """Clear the rate limit, the mutes and every question → asker link, and draw a new asker secret;
        wipe the vote secret of ``guild_id`` (``None``: of every server).

        Called with the server by ``/meeting end``, and without one when everything held has expired.
        """
        for part in self._parts:
            part.clear()
        self.keys.new_asker_secret()
        self.keys.forget_votes(guild_id)
