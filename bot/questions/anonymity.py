"""Knowing an asker again without ever knowing who they are, and only for as long as needed.

The promise (DESIGN.md, "Anonymity"): nothing the bot keeps can tie a question to its asker, not
even for the operator who can read the database, the logs and every DM chat. Three features still
need to recognise "the same person again": one vote per member, a rate limit, and "mute this asker".

How:

* :class:`AnonymityKeys` draws two 32-byte secrets with :func:`secrets.token_bytes`. They live only
  in this process's memory: never stored, logged or shown. Every identity is replaced at once by
  ``HMAC-SHA256(secret, purpose | server | [question |] user)``. Without the secret the hash cannot
  be recomputed, so it cannot be matched against the (small, enumerable) set of member ids: that is
  why the secrets are not stored, not even in the database.
* The **vote secret** lasts as long as the process, because vote fingerprints are stored (one per
  member per open question) and must be matched again when a member clicks "Me too" a second time.
  Vote hashes include the question, so one voter's hashes on two questions look unrelated. When a
  question is answered, removed or rejected its fingerprints are deleted and only the count stays.
* The **asker secret** keys the memory-only state: the rate limit, the mutes and the links
  "question → its asker's key" that "Mute this asker" needs. :class:`MeetingMemory` holds all three
  and forgets each entry once it is older than the mute window (``questions.mute_hours``); when the
  last one goes, :meth:`MeetingMemory.forget_meeting_state` clears everything and draws a new asker
  secret, so even the old keys can no longer be recomputed. ``/meeting end`` will call the same
  method. Nothing here is ever written anywhere.

What a memory dump reveals, honestly: while entries are alive, someone who can read this process's
memory gets the asker secret together with the links, and with the member list they can recompute
every member's key and so learn who asked the questions of the current mute window (and who voted
on still-open questions, with the vote secret). The keys protect against everything that is *stored*
(database, logs, messages); against a live memory dump the protection is that the window is short:
links, mutes and rate-limit entries live at most ``mute_hours``, and the asker secret is replaced
when they are gone. Python does not promise to overwrite freed memory, so "gone" means unreachable.

The trade-off on restart: a new process has new secrets. Old vote hashes in the database can then
no longer be matched, so after a restart a member can add one more "Me too" to a question they had
already supported (and cannot take the old one back); existing counts stay correct. The rate limit
and mutes start afresh, and questions asked before the restart cannot be muted. We accept that: a
secret that survives restarts would have to be stored, and a stored secret makes every hash
reversible by whoever can read it.
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

RATE_LIMITED = (
    "Thank you for your questions! You have asked quite a few in a short time, so please wait "
    "about {minutes} minutes before asking another. Facilitators will get to the ones already there."
)
MUTED = (
    "Thank you. The facilitators have paused new anonymous questions from you for the rest of this "
    "meeting. You are still very welcome to speak up, or to talk to a facilitator."
)


class AnonymityKeys:
    """Secret-keyed, one-way keys for members; the secrets exist only in this object."""

    __slots__ = ("_asker_secret", "_vote_secret")

    def __init__(self, secret: bytes | None = None) -> None:
        self._vote_secret = secret if secret is not None else secrets.token_bytes(32)
        self._asker_secret = secret if secret is not None else secrets.token_bytes(32)

    @staticmethod
    def _digest(secret: bytes, *parts: object) -> bytes:
        message = "|".join(str(p) for p in parts).encode()
        return hmac.new(secret, message, hashlib.sha256).digest()

    def asker(self, guild_id: int, user_id: int) -> bytes:
        """The key for "this member in this server", for the rate limit and mutes (memory only)."""
        return self._digest(self._asker_secret, "asker", guild_id, user_id)

    def vote(self, guild_id: int, question_id: int, user_id: int) -> bytes:
        """The key stored for one member's vote on one question."""
        return self._digest(self._vote_secret, "vote", guild_id, question_id, user_id)

    def check_in(self, guild_id: int, pulse_id: int, user_id: int) -> bytes:
        """The key held in memory for "this member answered this check-in" (:mod:`bot.pulse.memory`).

        Keyed with the vote secret and including the check-in, like a vote: one member's keys on two
        check-ins look unrelated, and without the secret none can be matched to a member id.
        """
        return self._digest(self._vote_secret, "check-in", guild_id, pulse_id, user_id)

    def new_asker_secret(self) -> None:
        """Forget the asker secret: keys made with it can no longer be recomputed by anyone."""
        self._asker_secret = secrets.token_bytes(32)

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
        self.keys = AnonymityKeys()
        self.rate_limiter = RateLimiter(rate_limit_count, min(rate_limit_window, mute_window), clock)
        self.mutes = MuteList(mute_window, clock)
        self.askers = AskerMemory(mute_window, clock)
        #: Direct messages to the bot per member (fair use), also under the asker secret.
        self.dm_limiter = RateLimiter(dms_per_hour, min(timedelta(hours=1), mute_window), clock)

    @property
    def _parts(self) -> tuple[RateLimiter | MuteList | AskerMemory, ...]:
        return (self.rate_limiter, self.mutes, self.askers, self.dm_limiter)

    def sweep(self) -> datetime | None:
        """Forget expired entries; return when the next one expires (``None``: nothing is held)."""
        for part in self._parts:
            part.sweep()
        if self.is_empty():
            self.forget_meeting_state()
            return None
        return self.next_expiry()

    def next_expiry(self) -> datetime | None:
        times = [part.next_expiry() for part in self._parts]
        return min((t for t in times if t is not None), default=None)

    def is_empty(self) -> bool:
        return not any(len(part) for part in self._parts)

    def __len__(self) -> int:
        """How many entries are held in all (for tests and ``copbot check``-style diagnostics)."""
        return sum(len(part) for part in self._parts)

    def forget_meeting_state(self) -> None:
        """Clear the rate limit, the mutes and every question → asker link, and draw a new asker secret.

        Called when the mute window has passed for everything held, and by ``/meeting end``.
        """
        for part in self._parts:
            part.clear()
        self.keys.new_asker_secret()
