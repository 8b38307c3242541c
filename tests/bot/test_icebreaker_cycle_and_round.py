"""Pure rules: the no-repeat cycle and the speaking round's state machine."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from bot.icebreakers.cycle import choose_next
from bot.icebreakers.round import (
    Outcome,
    Phase,
    RoundState,
    add_joiner,
    advance,
    begin_speaking,
    finish,
    remove_member,
)


@given(st.integers(min_value=1, max_value=30), st.integers(min_value=0, max_value=2**32))
def test_a_cycle_uses_every_key_once_then_starts_again_without_an_immediate_repeat(n: int, seed: int) -> None:
    rng = random.Random(seed)
    keys = [f"k{i}" for i in range(n)]
    used: set[str] = set()
    last: str | None = None
    picks: list[str] = []
    for _ in range(2 * n):
        pick = choose_next(keys, used, last, rng)
        if pick.new_cycle:
            used = set()
        used.add(pick.key)
        picks.append(pick.key)
        last = pick.key
    assert sorted(picks[:n]) == sorted(keys)
    assert sorted(picks[n:]) == sorted(keys)
    if n > 1:
        assert picks[n] != picks[n - 1]


def test_added_keys_join_the_current_cycle_and_hidden_ones_are_ignored() -> None:
    rng = random.Random(1)
    assert choose_next(["a", "b", "new"], {"a", "b"}, "b", rng).key == "new"
    # "gone" was used but no longer exists: the cycle is complete once a and b are used.
    pick = choose_next(["a", "b"], {"a", "b", "gone"}, "a", rng)
    assert pick == type(pick)("b", new_cycle=True)


def _round() -> RoundState:
    return RoundState(round_id=1, guild_id=1, channel_id=2, prompt_text="Hi?", seconds=None, voice_channel_id=3)


def test_round_calls_everyone_once_and_counts_spoke_and_passed() -> None:
    state = begin_speaking(_round(), (10, 20, 30))
    seen = []
    outcomes = [Outcome.SPOKE, Outcome.PASSED, Outcome.SPOKE]
    for outcome in outcomes:
        seen.append(state.current_speaker)
        state = advance(state, outcome)
    assert seen == [10, 20, 30]
    assert state.phase is Phase.FINISHED and state.current_speaker is None
    assert (state.spoke, state.passed) == (2, 1)
    assert advance(state, Outcome.SPOKE) == state


def test_leavers_are_skipped_and_late_joiners_go_last_once() -> None:
    state = begin_speaking(_round(), (10, 20, 30))
    state = remove_member(state, 20)  # waiting: dropped
    assert state.order == (10, 30)
    state = add_joiner(state, 40)
    state = add_joiner(state, 40)
    assert state.order == (10, 30, 40)
    state = remove_member(state, 10)  # speaking now: skipped, not counted as spoke
    assert state.current_speaker == 30 and state.outcomes == ((10, Outcome.LEFT),)
    state = add_joiner(state, 10)  # already had a turn
    assert state.order == (10, 30, 40)
    state = advance(advance(state, Outcome.SPOKE), Outcome.SPOKE)
    assert state.is_over and state.spoke == 2


def test_an_empty_round_finishes_and_finish_is_final() -> None:
    assert begin_speaking(_round(), ()).is_over
    state = finish(begin_speaking(_round(), (1, 2)))
    assert state.is_over and add_joiner(state, 9) == state
