"""The start-up heap freeze: garbage is collected first, so nothing unreachable is kept forever."""

from __future__ import annotations

import gc
import weakref

from bot.heap import freeze_start_up_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector can free it


def test_freezing_collects_garbage_first_and_freezes_what_is_alive() -> None:
    kept = _Node()
    garbage = _Node()
    gone = weakref.ref(garbage)
    del garbage
    try:
        frozen = freeze_start_up_heap()
        assert gone() is None, "an unreachable cycle must be collected, not frozen"
        assert frozen == gc.get_freeze_count() > 0
        assert kept.me is kept
    finally:
        gc.unfreeze()
