"""Waiting on concurrent steps by polling, the way SimCord (the test harness) can follow.

Long Discord work (opening breakout rooms: channels created while people are moved) runs as several
asyncio tasks at once. Under SimCord a task that *awaits another task* (or a lock, event or future)
while that one sleeps on a Discord call never counts as settled when SimCord moves its clock, and
cancelling a sleeping task can leave SimCord waiting; so steps are joined by polling (:func:`join`)
and stopped with a flag, never ``cancel()``. In production the polling costs nothing measurable.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

T = TypeVar("T")

#: How often a step that waits for other concurrent steps checks on them.
POLL_SECONDS = 0.05


async def join(tasks: list[asyncio.Task[T]]) -> list[T]:
    """The tasks' results once all are done (the first failure is raised, after all have finished)."""
    while not all(t.done() for t in tasks):
        await asyncio.sleep(POLL_SECONDS)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    return [t.result() for t in tasks]
