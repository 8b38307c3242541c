"""The speaking round as a pure state machine: who speaks, who is next, who has had a turn.

Kept free of Discord and of storage so every rule (a pass is just a turn that moved on, leavers
are skipped, late joiners go to the end, nobody is called twice) is one small function that can be
tested without a server. The cog loads a :class:`RoundState` from the database, applies one
transition, saves it and renders it.

``turn`` counts every move; buttons and timers carry the turn they were made for, so a click on an
old message or a timer that fires just after someone pressed "Next" cannot skip the next person.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Phase(StrEnum):
    """Where a round is: waiting for people to click "Join", calling speakers, or over."""

    JOINING = "joining"
    SPEAKING = "speaking"
    FINISHED = "finished"


class Outcome(StrEnum):
    """How a member's turn ended. Only the counts are shown, never who passed."""

    SPOKE = "spoke"
    PASSED = "passed"
    LEFT = "left"


@dataclass(frozen=True, slots=True)
class RoundState:
    """One round. ``order`` holds everyone called or still to be called; ``position`` is the current one."""

    round_id: int
    guild_id: int
    channel_id: int
    prompt_text: str
    seconds: int | None
    voice_channel_id: int | None
    phase: Phase = Phase.JOINING
    order: tuple[int, ...] = ()
    position: int = 0
    turn: int = 0
    outcomes: tuple[tuple[int, Outcome], ...] = ()
    message_id: int | None = None
    turn_message_id: int | None = None
    #: The random number the round's buttons carry instead of ``round_id`` (``None``: made before tokens).
    token: int | None = None

    @property
    def current_speaker(self) -> int | None:
        """The member whose turn it is, or ``None`` outside the speaking phase."""
        if self.phase is Phase.SPEAKING and self.position < len(self.order):
            return self.order[self.position]
        return None

    @property
    def upcoming(self) -> tuple[int, ...]:
        """Members still waiting for their turn, in order."""
        return self.order[self.position + 1 :]

    @property
    def spoke(self) -> int:
        return sum(1 for _, outcome in self.outcomes if outcome is Outcome.SPOKE)

    @property
    def passed(self) -> int:
        return sum(1 for _, outcome in self.outcomes if outcome is Outcome.PASSED)

    @property
    def is_over(self) -> bool:
        return self.phase is Phase.FINISHED


def add_joiner(state: RoundState, user_id: int) -> RoundState:
    """Someone clicked "Join the round" or came into the voice channel.

    While joining, they are collected; once speaking, they go to the end of the queue. Someone who
    already had a turn, or is already waiting, is not added again.
    """
    if state.is_over or user_id in state.order:
        return state
    return replace(state, order=(*state.order, user_id))


def begin_speaking(state: RoundState, order: tuple[int, ...]) -> RoundState:
    """Start calling people in ``order`` (already shuffled by the caller); an empty order ends the round."""
    if state.phase is not Phase.JOINING:
        return state
    if not order:
        return replace(state, phase=Phase.FINISHED, order=(), position=0, turn=state.turn + 1)
    return replace(state, phase=Phase.SPEAKING, order=tuple(dict.fromkeys(order)), position=0, turn=state.turn + 1)


def advance(state: RoundState, outcome: Outcome) -> RoundState:
    """The current speaker's turn ends with ``outcome``; call the next person, or finish."""
    speaker = state.current_speaker
    if speaker is None:
        return state
    position = state.position + 1
    phase = Phase.SPEAKING if position < len(state.order) else Phase.FINISHED
    return replace(
        state,
        outcomes=(*state.outcomes, (speaker, outcome)),
        position=position,
        phase=phase,
        turn=state.turn + 1,
    )


def remove_member(state: RoundState, user_id: int) -> RoundState:
    """Someone left the voice channel: skip them if it is their turn, drop them if they are waiting."""
    if state.is_over:
        return state
    if state.phase is Phase.JOINING:
        return replace(state, order=tuple(u for u in state.order if u != user_id))
    if state.current_speaker == user_id:
        return advance(state, Outcome.LEFT)
    if user_id in state.upcoming:
        done = state.order[: state.position + 1]
        waiting = tuple(u for u in state.upcoming if u != user_id)
        return replace(state, order=(*done, *waiting))
    return state


def finish(state: RoundState) -> RoundState:
    """End the round now (a facilitator pressed "End round", or its channel is gone)."""
    if state.is_over:
        return state
    return replace(state, phase=Phase.FINISHED, turn=state.turn + 1)
