"""Unit tests of the keyed identity hashes, the rate limiter and the mute list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.questions.anonymity import AnonymityKeys, AskerMemory, MeetingMemory, MuteList, RateLimiter, fingerprint


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


def test_asker_links_last_only_the_mute_window():
    clock = FakeClock()
    memory = AskerMemory(timedelta(hours=3), clock)
    memory.remember(1, b"a")
    clock.now += timedelta(hours=2)
    memory.remember(2, b"b")
    assert memory.next_expiry() == datetime(2026, 1, 1, 3, tzinfo=UTC)
    clock.now += timedelta(hours=1)
    assert memory.key_for(1) is None and memory.key_for(2) == b"b"
    memory.forget(2)
    assert len(memory) == 0 and memory.next_expiry() is None


def test_meeting_memory_sweeps_then_forgets_everything_with_a_new_secret():
    clock = FakeClock()
    memory = MeetingMemory(
        rate_limit_count=5, rate_limit_window=timedelta(minutes=10), mute_window=timedelta(hours=3), clock=clock
    )
    key = memory.keys.asker(1, 2)
    memory.rate_limiter.record(key)
    memory.askers.remember(7, key)
    memory.mutes.mute(key)
    memory.dm_limiter.record(memory.keys.asker(0, 2))
    assert len(memory) == 4 and memory.next_expiry() == clock.now + timedelta(minutes=10)
    clock.now += timedelta(hours=1)
    assert memory.sweep() == datetime(2026, 1, 1, 3, tzinfo=UTC) and len(memory) == 2
    clock.now += timedelta(hours=2)
    assert memory.sweep() is None and len(memory) == 0
    assert memory.keys.asker(1, 2) != key  # the old keys cannot be recomputed any more
    assert memory.keys.vote(1, 7, 2) == memory.keys.vote(1, 7, 2)  # vote keys stay stable


def test_rate_limit_window_never_outlives_the_mute_window():
    memory = MeetingMemory(rate_limit_count=5, rate_limit_window=timedelta(hours=10), mute_window=timedelta(hours=3))
    assert memory.rate_limiter.window == timedelta(hours=3)


def test_each_server_has_its_own_vote_secret_replaced_after_its_meeting():
    clock = FakeClock()
    keys = AnonymityKeys(vote_idle=timedelta(hours=3), clock=clock)
    first = keys.vote(1, 7, 42)
    assert keys.vote(1, 7, 42) == first and keys.vote(2, 7, 42) != first  # stable within a meeting
    held = keys._votes[1].secret
    keys.forget_votes(1)  # /meeting end in server 1
    assert bytes(held._bytes) == bytes(32), "the old secret is overwritten, not only dropped"
    assert keys.vote(1, 7, 42) != first, "a new secret: the stored fingerprints can no longer be matched"
    assert keys.vote_secrets() == 2


def test_a_vote_secret_goes_after_the_mute_window_without_votes_and_after_a_day_at_most():
    clock = FakeClock()
    keys = AnonymityKeys(vote_idle=timedelta(hours=3), clock=clock)
    first = keys.vote(1, 7, 42)
    clock.now += timedelta(hours=2)
    keys.sweep_votes()
    assert keys.vote(1, 8, 42) and keys.vote(1, 7, 42) == first  # votes keep it alive
    assert keys.next_vote_expiry() == clock.now + timedelta(hours=3)
    clock.now += timedelta(hours=3)
    keys.sweep_votes()
    assert keys.vote_secrets() == 0 and keys.next_vote_expiry() is None
    busy = keys.vote(1, 7, 42)
    for _ in range(30):  # a vote every hour, all day long
        clock.now += timedelta(hours=1)
        keys.vote(1, 9, 1)
    assert keys.vote(1, 7, 42) != busy, "no vote secret lives more than a day"


def test_the_meeting_end_of_one_server_leaves_the_other_servers_votes_alone():
    memory = MeetingMemory(rate_limit_count=5, rate_limit_window=timedelta(minutes=10), mute_window=timedelta(hours=3))
    here, there = memory.keys.vote(1, 7, 42), memory.keys.vote(2, 7, 42)
    memory.forget_meeting_state(1)
    assert memory.keys.vote(1, 7, 42) != here and memory.keys.vote(2, 7, 42) == there
    memory.forget_meeting_state()
    assert memory.keys.vote(2, 7, 42) != there


def test_a_fingerprint_holds_neither_the_member_nor_the_secret():
    secret = bytes(range(32))
    key = fingerprint(secret, "vote", 1, 7, 123456789012345678)
    assert len(key) == 32 and (123456789012345678).to_bytes(8, "big") not in key and secret not in key
    assert fingerprint(bytearray(secret), "vote", 1, 7, 123456789012345678) == key
