"""Unit tests of the keyed identity hashes, the rate limiter and the mute list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.questions.anonymity import AnonymityKeys, AskerMemory, MuteList, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_keys_depend_on_the_secret_and_never_show_it():
    a, b = AnonymityKeys(b"s" * 32), AnonymityKeys(b"t" * 32)
    assert a.asker(1, 2) == AnonymityKeys(b"s" * 32).asker(1, 2)
    assert a.asker(1, 2) != b.asker(1, 2)
    assert a.asker(1, 2) != a.asker(1, 3) != a.asker(9, 2)
    assert a.vote(1, 5, 2) != a.vote(1, 6, 2)  # one voter's hashes on two questions are unrelated
    assert str(2).encode() not in a.asker(1, 2)
    assert "s" * 8 not in repr(a)
    assert AnonymityKeys().asker(1, 2) != AnonymityKeys().asker(1, 2)  # a fresh random secret each time


def test_rate_limit_counts_per_key_within_the_window():
    clock = FakeClock()
    limiter = RateLimiter(2, timedelta(minutes=10), clock)
    for _ in range(2):
        limiter.check(b"a")
        limiter.record(b"a")
    with pytest.raises(UserError, match="wait about 10 minutes"):
        limiter.check(b"a")
    limiter.check(b"b")
    clock.now += timedelta(minutes=10)
    limiter.check(b"a")
    assert len(limiter) == 0  # expired entries are forgotten


def test_mute_lasts_for_its_duration():
    clock = FakeClock()
    mutes = MuteList(timedelta(hours=3), clock)
    mutes.mute(b"a")
    with pytest.raises(UserError, match="paused"):
        mutes.check(b"a")
    mutes.check(b"b")
    clock.now += timedelta(hours=3)
    mutes.check(b"a")


def test_asker_memory_is_bounded():
    memory = AskerMemory(limit=2)
    for qid in (1, 2, 3):
        memory.remember(qid, bytes([qid]))
    assert memory.key_for(1) is None and memory.key_for(3) == b"\x03"
