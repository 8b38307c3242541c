"""Forming well-mixed breakout groups for a Community of Practice meeting. Pure domain code: no Discord, no I/O.

Hard rules (a plan that breaks one is never returned; :class:`InfeasibleError` says which and why):
everyone is placed exactly once, group sizes differ by at most one, keep-apart pairs never share a group,
and keep-together pairs always do (transitively, so they form components that move as one).

What "well mixed" means is a cost summed over every pair of people who share a group::

    cost(i, j) = Wr * [same spread class]
               + Wf * [both facilitators]
               + 3  * sum over past meetings m where i and j shared a group of (0.8 + 0.2 * 0.5**age(m))

where age is 0 for the last meeting, 1 for the one before, and so on (meetings more than
``HISTORY_WINDOW`` = 12 back are forgotten). A shared past group costs 3 if it was the last meeting,
2.7 one meeting back, 2.55, 2.475 … and never less than 2.4 inside the window.

The priority is strict: facilitators, then role spread, then history ("mix first, then new faces").
Wr is the smallest power of two (at least 2) above everything history can cost in this plan, and
Wf = Wr * (P + 1) with P the number of pairs the plan holds; :func:`cost.weights_for` proves that this
makes the single cost lexicographic, so a role is never above its even share to save repeats when a plan
without that exists. (Before, Wr was 2 and Wf 50: one extra same-role pair was accepted to avoid a
repeat, and on a CoP case 6 people ended above their role's share.) The report says when people meet
again because the mix came first.

*Spread class* is the person's role, except that facilitators form a class of their own: a GP who runs a
group is there as its facilitator, and counting them as a GP too would make the engine avoid putting a
second GP next to them for no good reason. Facilitator pairs therefore cost Wr + Wf.

Why this cost. Summed over a group, the same-class term is ``Wr * sum_r C(c_r, 2)`` where c_r is how many
people of class r the group holds. C(c, 2) is convex, so for a class of N people over g groups the sum is
smallest exactly when the class is spread evenly (each group gets floor(N/g) or ceil(N/g)), which gives
"every role spread as evenly as possible" and "full coverage when a role has fewer people than groups"
in one term.

The history term follows the product contract ("the more recently and the more often two people have
already been in a group together, the less the next plan puts them together again; a third time together
weighs more than a second"): putting a pair together again costs the sum over their past meetings, so it
grows with every meeting they shared, and a recent one weighs more than an old one. The recency part is
deliberately gentle. With the issue's example of halving per meeting back, meetings three or more back are
nearly free, and the engine happily re-forms old groups: on the repeat benchmark (30 people, 7 meetings)
that gave about 65 repeated pair-meetings, against about 45 with the floor of 0.8. A linear sum also
keeps the cost a sum of constants per pair (one "tag" per past group, see :func:`cost.person_tags`), so
every solver delta stays exact and the exact references in the benchmark model it directly.

Thinking of later meetings: planning one meeting at a time is short-sighted in a small community, so for
up to 60 people with history and a budget of at least half a second, two things order plans of equal cost
(neither ever accepts a dearer plan for this meeting):

* two tie-breaks inside the search, together below the smallest step between two real costs:
  :mod:`.strangers` (two people placed together cost a tiny amount for each person neither has met yet,
  so pairs who could later form a group of strangers with those people are kept for then) and
  :mod:`.saturation` (someone who has already met most of the people of other roles they can meet, on
  today's and the expected roster, is priced for every new face they spend, so they take the smaller
  groups and the second seat of a role, and keep the new faces they have left for later meetings).
* looking ahead (:mod:`.lookahead`): several plans of the best cost are compared by how well the next few
  imagined meetings can then go, and the one that leaves the most new faces is kept.

Planning several meetings jointly (a season, ``copbot groups plan --rounds K``) is :mod:`.season`; so is
following one season design meeting by meeting when the same people meet again, a few of them perhaps
away (:func:`.season.continued_design`, used by ``plan_first_of_season``).

One meeting as ``/breakout plan`` and ``copbot groups plan`` plan it is :func:`.meeting.plan_meeting`: both
call it, so the same inputs and seed give the same groups in Discord and offline. It also works out who is
expected at later meetings and weighs each by how often they came.

The lower bound. For each class the fewest same-class pairs over g groups is
``e * C(q+1, 2) + (g - e) * C(q, 2)`` with ``q, e = divmod(N, g)``. This holds whatever the group sizes
(convexity alone gives it), so adding it over classes, with each class's weight, and zero for history,
bounds every plan from below: the history term is never negative; keep-apart and keep-together only
remove plans, so the bound stays valid.
Sizes differing by one never stop the bound from being reached when there are no other wishes: dealing
people class by class round the groups like cards puts each class at its even spread. The bound is
therefore exact without history, and on large rosters the history term can usually be driven to zero by
swapping people of the same class, which keeps every class count and so the role part at its optimum.
The search stops as soon as it reaches the bound.

A "lay person alone" rule is not a separate term: when lay members are fewer than groups, an even spread
means one per group by design (full coverage beats pairing them up), and with at least twice as many lay
members as groups the even spread already gives every group two or more.

Public API::

    plan_groups(participants, *, size=None, group_count=None, history=None, constraints=None,
                seed=0, time_budget=0.3, avoid=(), later=(), attendance=None) -> Plan
    meeting.plan_meeting(today, *, size, history=None, constraints=None, seed=0, time_budget=1.0,
                         members=(), attended=None, season_meetings=1, avoid=()) -> Plan
    lower_bound(participants, *, size=None, group_count=None, history=None) -> float
    objective(groups, history=None) -> float
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .history import History
from .model import Constraints, InfeasibleError, Participant, group_count_for

if TYPE_CHECKING:
    from .cost import lower_bound, objective
    from .plan import Plan, plan_groups
    from .report import GroupReport, PlanReport

#: Names loaded on first use, so that reading a CSV file or building the ``copbot`` parser does not load
#: the search (``copbot --help`` starts faster; issue 29).
_LAZY = {
    "lower_bound": ".cost",
    "objective": ".cost",
    "Plan": ".plan",
    "plan_groups": ".plan",
    "GroupReport": ".report",
    "PlanReport": ".report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Constraints",
    "GroupReport",
    "History",
    "InfeasibleError",
    "Participant",
    "Plan",
    "PlanReport",
    "group_count_for",
    "lower_bound",
    "objective",
    "plan_groups",
]
