"""Forming well-mixed breakout groups for a Community of Practice meeting. Pure domain code: no Discord, no I/O.

Hard rules (a plan that breaks one is never returned; :class:`InfeasibleError` says which and why):
everyone is placed exactly once, group sizes differ by at most one, keep-apart pairs never share a group,
and keep-together pairs always do (transitively, so they form components that move as one).

What "well mixed" means is a cost summed over every pair of people who share a group::

    cost(i, j) = 2  * [same spread class]
               + 50 * [both facilitators]
               + 2  * (w + w**2 / 2),    w = sum over past meetings m where i and j shared a group of 0.9**age(m)

where age is 0 for the last meeting, 1 for the one before, and so on (meetings more than
``HISTORY_WINDOW`` = 12 back are forgotten). w is "how often, and how recently, the two have been
together": a meeting counts 1 when it was the last one and fades slowly (0.9 per meeting, about half after
seven meetings), so an old repeat is still a repeat and not nearly free.

*Spread class* is the person's role, except that facilitators form a class of their own: a GP who runs a
group is there as its facilitator, and counting them as a GP too would make the engine avoid putting a
second GP next to them for no good reason. Facilitator pairs therefore cost 2 + 50 = 52.

Why this cost. Summed over a group, the same-class term is ``2 * sum_r C(c_r, 2)`` where c_r is how many
people of class r the group holds. C(c, 2) is convex, so for a class of N people over g groups the sum is
smallest exactly when the class is spread evenly (each group gets floor(N/g) or ceil(N/g)), which gives
"every role spread as evenly as possible" and "full coverage when a role has fewer people than groups"
in one term. The facilitator weight dwarfs the others, so one facilitator per group (and an even spread
when there are more or fewer facilitators than groups) comes first.

The history term is convex in w, as the product contract asks ("the more recently and the more often two
people have already been in a group together, the less the next plan puts them together again; a third
time together weighs more than a second"): without fading, a first meeting costs 3, a second 5 more and a
third 7 more (each extra meeting costs 2 more than the one before). It is a sum of constants per pair, so
every solver delta stays exact; the solver sees it as a sum over shared "tags" (one per past group, one per
pair of past groups, see :func:`cost.person_tags`), which keeps its per-group bookkeeping unchanged.

How it trades against role spread (2 per same-role pair): a pair who met once costs 3 if that was the last
meeting, 2.61 one meeting back, 2.28 two back, and less than one same-role pair from three meetings back
on. So one extra same-role pair is accepted to avoid a single recent repeat (as before: repeat avoidance
is the point of planning from history), while an old single meeting is only avoided when the role spread
allows it; a pair who met at both of the last two meetings (7.4) is worth several same-role pairs. The
priority facilitators > role spread > history holds for everything but such recent and repeated
meetings. A pair's history cost stays below one facilitator pair (52) unless the two have shared a group
at (nearly) every one of the last ten meetings or more; the engine never arranges that itself, and for
keep-together pairs, who are always together, the cost is the same in every plan.

The lower bound. For each class the fewest same-class pairs over g groups is
``e * C(q+1, 2) + (g - e) * C(q, 2)`` with ``q, e = divmod(N, g)``. This holds whatever the group sizes
(convexity alone gives it), so adding it over classes, with each class's weight, and zero for history,
bounds every plan from below: the history term is never negative (w >= 0, so 2 * (w + w**2 / 2) >= 0),
however it is shaped; keep-apart and keep-together only remove plans, so the bound stays valid.
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
                seed=0, time_budget=0.3) -> Plan
    lower_bound(participants, *, size=None, group_count=None) -> float
    objective(groups, history=None) -> float
"""

from .cost import lower_bound, objective
from .history import History
from .model import Constraints, InfeasibleError, Participant, group_count_for
from .plan import Plan, plan_groups
from .report import GroupReport, PlanReport

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
