"""Which prompt comes next: no repeats in a scope until the whole scope has been used.

A *scope* is one category, or ``"all"`` for the whole bank. For each server and scope, storage
keeps the set of prompt keys already used in the current cycle (see
:mod:`bot.storage.icebreakers`); the next prompt is drawn at random from the ones not used yet,
which is the same as walking a fresh random order, but stays correct when the scope changes
mid-cycle:

* a prompt a facilitator adds mid-cycle is simply "not used yet", so it comes up in this cycle;
* a prompt hidden mid-cycle is no longer a candidate, and its "used" mark is ignored;
* keys of prompts that no longer exist are ignored when deciding whether the cycle is complete.

When every candidate has been used, a new cycle starts; its first pick avoids the prompt asked last
so the same question never appears twice in a row across the boundary (when there is a choice).
Posting a prompt marks it used in both ``"all"`` and its own category, so asking by category and
asking for "any" do not repeat each other either.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass

ALL_SCOPE = "all"


@dataclass(frozen=True, slots=True)
class Pick:
    """The chosen key, and whether choosing it started a new cycle (forget the old marks first)."""

    key: str
    new_cycle: bool


def choose_next(
    candidates: Sequence[str],
    used: Collection[str],
    last: str | None,
    rng: random.Random,
) -> Pick:
    """Pick the next prompt key among ``candidates`` (``ValueError`` if there are none)."""
    if not candidates:
        raise ValueError("no candidates")
    used_set = set(used)
    remaining = [key for key in candidates if key not in used_set]
    if remaining:
        return Pick(rng.choice(remaining), new_cycle=False)
    fresh = [key for key in candidates if key != last] or list(candidates)
    return Pick(rng.choice(fresh), new_cycle=True)
