"""Keep the garbage collector from stalling the event loop of a long-running bot.

CPython's full (oldest-generation) collection walks every tracked object. After start-up a copbot
process holds a few hundred thousand of them (discord.py, matplotlib, dateparser's tables, the member
cache), none of which will ever be garbage, so each full collection stalled the loop for 60-100 ms in
the recap benchmark: longer than a user would notice and than our 50 ms budget. ``gc.freeze()`` moves
every object alive at that moment into a permanent generation the collector no longer walks (the
approach CPython documents for long-lived servers); later collections see only what was made since.
With it the worst stall in the same benchmark fell to about 6 ms.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_start_up_heap() -> int:
    """Collect once (so no garbage is frozen forever), then freeze what is left. Returns how many
    objects were frozen. Call it once, when start-up is over: the bot is connected and its caches are
    filled."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("Start-up memory set aside from garbage collection: %d objects", frozen)
    return frozen
