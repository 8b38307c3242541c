"""What a facilitator wants to know about a plan, counted from the plan itself (not from solver state).

Counting from the finished groups keeps the report honest: it would show a solver bug instead of
repeating the solver's own belief.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from .cost import even_split, meeting_weights, spread_class
from .history import History
from .model import Participant, people


@dataclass(frozen=True, slots=True)
class GroupReport:
    """One group: its size, facilitators, the roles of everyone else, and pairs repeated from last time."""

    number: int
    size: int
    facilitators: int
    roles: dict[str, int]
    repeats_from_last_meeting: int


@dataclass(frozen=True, slots=True)
class PlanReport:
    """Totals over the plan, plus the cost and the bound it was measured against (lower is better)."""

    groups: tuple[GroupReport, ...]
    facilitators: int
    groups_without_facilitator: int
    people_above_even_share: int
    repeats_from_last_meeting: int
    objective: float
    lower_bound: float
    #: Pairs sharing a group who already shared one at a meeting inside the history window.
    met_before: int = 0
    #: Set after a reshuffle (``plan_groups(avoid=...)``) that found no other plan of the same cost.
    only_best: bool = False

    def lines(self, label: Callable[[str], str] = str) -> list[str]:
        """Plain-language lines, roles shown through ``label`` (e.g. ``bot.roles.short_label``)."""
        out = [self._group_line(gr, label) for gr in self.groups]
        g = len(self.groups)
        missing = self.groups_without_facilitator
        if missing == 0:
            out.append("Every group has a facilitator.")
        else:
            only = "is only 1 facilitator" if self.facilitators == 1 else f"are only {self.facilitators} facilitators"
            why = f", because there {only}" if self.facilitators < g else ""
            if self.facilitators == 0:
                why = ", because nobody is marked as a facilitator"
            out.append(f"{missing} of {g} groups {'has' if missing == 1 else 'have'} no facilitator{why}.")
        if self.people_above_even_share == 0:
            out.append("Every role is spread as evenly as possible over the groups.")
        else:
            k = self.people_above_even_share
            out.append(
                f"{people(k)} would have to move for every role to be spread as evenly as possible "
                "(the other wishes made that too costly)."
            )
        if self.repeats_from_last_meeting == 0:
            out.append("Nobody is grouped with someone they were grouped with at the last meeting.")
        else:
            k = self.repeats_from_last_meeting
            out.append(f"{k} {'pair was' if k == 1 else 'pairs were'} also in the same group at the last meeting.")
        if (
            self.met_before
            and self.people_above_even_share == 0
            and self.groups_without_facilitator <= max(0, len(self.groups) - self.facilitators)
        ):
            # The mix comes first, strictly: say so when it is why people meet again.
            k = self.met_before
            out.append(
                f"{k} {'pair has' if k == 1 else 'pairs have'} been in a group together at a recent meeting: "
                "keeping the mix of roles even came first, and no plan with that mix and fewer repeats was found."
            )
        verdict = (
            "the lowest possible"
            if self.objective <= self.lower_bound + 1e-6
            else f"no plan can score below {_num(self.lower_bound)}"
        )
        out.append(f"Mix score {_num(self.objective)} (lower is better; {verdict}).")
        if self.only_best:
            out.append("No other plan as good as this one was found, so these are the same groups as before.")
        return out

    def to_text(self, label: Callable[[str], str] = str) -> str:
        return "\n".join(self.lines(label))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready totals and per-group counts."""
        return {
            "groups": [
                {
                    "group": gr.number,
                    "size": gr.size,
                    "facilitators": gr.facilitators,
                    "roles": dict(gr.roles),
                    "repeats_from_last_meeting": gr.repeats_from_last_meeting,
                }
                for gr in self.groups
            ],
            "facilitators": self.facilitators,
            "groups_without_facilitator": self.groups_without_facilitator,
            "people_above_even_share": self.people_above_even_share,
            "repeats_from_last_meeting": self.repeats_from_last_meeting,
            "objective": self.objective,
            "lower_bound": self.lower_bound,
            "met_before": self.met_before,
            "only_best": self.only_best,
        }

    @staticmethod
    def _group_line(gr: GroupReport, label: Callable[[str], str]) -> str:
        parts = []
        if gr.facilitators:
            parts.append(f"{gr.facilitators} facilitator{'s' if gr.facilitators > 1 else ''}")
        else:
            parts.append("no facilitator")
        roles = ", ".join(f"{label(role)} {k}" for role, k in gr.roles.items())
        text = f"Group {gr.number} ({people(gr.size)}): {'; '.join(parts)}"
        if roles:
            text += f"; {roles}"
        if gr.repeats_from_last_meeting:
            k = gr.repeats_from_last_meeting
            text += f"; {k} {'pair' if k == 1 else 'pairs'} also together last time"
        return text + "."


def _num(x: float) -> str:
    return f"{round(x, 2):g}"


def people_above_even_share(groups: Sequence[Sequence[Participant]]) -> int:
    """How many people must change group for every class to be at its even spread.

    For one class with counts c_g, the even spread gives ``extra`` groups the higher share and the rest
    the lower one; the cheapest way to get there gives the higher share to the fullest groups.
    """
    g = len(groups)
    per_class: dict[Hashable, list[int]] = {}
    for b, group in enumerate(groups):
        for p in group:
            per_class.setdefault(spread_class(p), [0] * g)[b] += 1
    total = 0
    for counts in per_class.values():
        low, high, extra = even_split(sum(counts), g)
        for rank, c in enumerate(sorted(counts, reverse=True)):
            total += max(0, c - (high if rank < extra else low))
    return total


def build_report(
    groups: Sequence[Sequence[Participant]], history: History | None, lower_bound: float, objective: float
) -> PlanReport:
    """Count everything in :class:`PlanReport` from the groups and the history."""
    last = history.meeting_count - 1 if history is not None and history.meeting_count else None
    window = set(meeting_weights(history))
    met_before = 0
    if history is not None and window:
        for group in groups:
            places = [{x for x in history.groups_of(p.id) if x[0] in window} for p in group]
            met_before += sum(1 for a, b in combinations(range(len(group)), 2) if places[a] & places[b])
    reports = []
    for number, group in enumerate(groups, start=1):
        roles: Counter[str] = Counter(p.role for p in group if not p.is_facilitator)
        last_groups: Counter[int] = Counter()
        if last is not None and history is not None:
            for p in group:
                for m, b in history.groups_of(p.id):
                    if m == last:
                        last_groups[b] += 1
        reports.append(
            GroupReport(
                number=number,
                size=len(group),
                facilitators=sum(p.is_facilitator for p in group),
                roles=dict(roles),
                repeats_from_last_meeting=sum(k * (k - 1) // 2 for k in last_groups.values()),
            )
        )
    return PlanReport(
        groups=tuple(reports),
        facilitators=sum(r.facilitators for r in reports),
        groups_without_facilitator=sum(1 for r in reports if r.facilitators == 0),
        people_above_even_share=people_above_even_share(groups),
        repeats_from_last_meeting=sum(r.repeats_from_last_meeting for r in reports),
        objective=objective,
        lower_bound=lower_bound,
        met_before=met_before,
    )
