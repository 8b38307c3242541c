"""One meeting planned the same way wherever it is planned: ``/breakout plan`` in Discord and
``copbot groups plan`` offline both call :func:`plan_meeting`.

Why one function. The bot planned each meeting as the first of a season and continued one season
design read back from the history, while the command line planned one round on its own: on the
social-golfer case (30 people, groups of 5, 7 meetings) a facilitator planning offline meeting by meeting
got 40 to 46 repeated pair-meetings where the bot got 24 (issue 29). Everything that decides the groups
(who is here, who else may come later and how often they come, the history, the keep-apart pairs, the
seed and the time) now goes through here, and both callers only gather those inputs.

Who is expected later, and how much each counts. ``members`` lists everyone who may come to later
meetings (the bot: every member with a stakeholder role; offline: the people file, those not here today
included). ``attended`` says who came to each recent meeting (the bot: the attendance copbot records
with ``/meeting start``; offline, or when nothing was recorded: who was in the breakout groups of each
meeting of the history). Each person's weight is how often they came, counting today as a meeting, with
each meeting back counting ``ATTENDANCE_FADE`` times the one after it, so someone who stopped coming
months ago fades away while a regular weighs 1 (:func:`attendance_weights`). The expected roster is
today's people and every member with a weight above 0. The saturation tie-break (:mod:`.saturation`)
uses these weights: the new faces someone has left to meet are counted by how likely those people are
to come, so the plan spends new faces where people will actually meet.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass

from .history import History
from .model import Constraints, Participant
from .plan import Plan, plan_groups
from .season import plan_first_of_season

#: How many recent meetings say how often someone comes (the bot keeps 10 meetings of breakout history).
ATTENDANCE_WINDOW = 10
#: Each meeting further back counts this much less than the one after it: a regular who stopped coming
#: five meetings ago weighs about a quarter of someone who never misses.
ATTENDANCE_FADE = 0.8


@dataclass(frozen=True, slots=True)
class Expected:
    """Who may be at the next meetings: today's people first, then the members likely to come later, and
    each one's weight (how often they come, from 0 to 1)."""

    roster: list[Participant]
    weights: dict[Hashable, float]


def attendance_weights(
    today: Collection[Hashable], attended: Sequence[Collection[Hashable]], window: int = ATTENDANCE_WINDOW
) -> dict[Hashable, float]:
    """How often each person came: over today and the last ``window`` meetings of ``attended`` (oldest
    first), each meeting back weighing ``ATTENDANCE_FADE`` times the one after it. 1 for someone at every
    one of them; people at none are left out."""
    recent = list(attended)[-window:] if window > 0 else []
    meetings = [*recent, today]
    weights: dict[Hashable, float] = {}
    total = 0.0
    for age, people in enumerate(reversed(meetings)):
        fade = ATTENDANCE_FADE**age
        total += fade
        for person in set(people):
            weights[person] = weights.get(person, 0.0) + fade
    return {person: w / total for person, w in weights.items()}


def expected_roster(
    today: Sequence[Participant],
    members: Sequence[Participant],
    history: History | None,
    attended: Sequence[Collection[Hashable]] | None = None,
) -> Expected:
    """Today's people, then every member of ``members`` who came to one of the recent meetings, with
    their weights (:func:`attendance_weights`). ``attended`` defaults to who was in each meeting of
    ``history``."""
    if attended is None:
        attended = [] if history is None else [{i for group in m for i in group} for m in history.meetings()]
    weights = attendance_weights([p.id for p in today], attended)
    roster = list(today)
    seen = {p.id for p in roster}
    for member in members:
        if member.id not in seen and weights.get(member.id, 0.0) > 0:
            seen.add(member.id)
            roster.append(member)
    return Expected(roster, {p.id: weights.get(p.id, 0.0) for p in roster})


def plan_meeting(
    today: Sequence[Participant],
    *,
    size: int,
    history: History | None = None,
    constraints: Constraints | None = None,
    seed: int = 0,
    time_budget: float = 1.0,
    members: Sequence[Participant] = (),
    attended: Sequence[Collection[Hashable]] | None = None,
    season_meetings: int = 1,
    avoid: Sequence[Sequence[Sequence[Hashable]]] = (),
) -> Plan:
    """Plan today's groups; the same inputs and ``seed`` give the same plan from the bot and offline.

    With ``season_meetings`` > 1 today is planned as the first of that many meetings
    (:func:`.season.plan_first_of_season`): a cyclic season design continued from the history when the
    same people meet again, else the one-meeting engine told who else is expected (:func:`expected_roster`
    from ``members`` and ``attended``) and how often they come. A reshuffle (``avoid``: plans already
    shown) plans this meeting alone: it must be a plan of the same cost as the one shown, and only this
    meeting's cost is comparable. Raises :class:`.model.InfeasibleError` when the hard rules cannot hold.

    Blocking CPU work, up to ``time_budget`` seconds of wall time.
    """
    if season_meetings > 1 and not avoid:
        expected = expected_roster(today, members, history, attended)
        return plan_first_of_season(
            today,
            expected.roster,
            rounds=season_meetings,
            size=size,
            history=history,
            constraints=constraints,
            seed=seed,
            time_budget=time_budget,
            attendance=expected.weights,
        )
    return plan_groups(
        today, size=size, history=history, constraints=constraints, seed=seed, time_budget=time_budget, avoid=avoid
    )
