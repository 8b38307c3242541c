"""One copbot per database: an exclusive lock on ``<database>.lock``, held while the bot runs.

Two copbots on one file would both roll repeating meetings forward, both send every reminder and
both create Discord events. SQLite's own locking only serialises single writes, so it cannot stop
that; an advisory lock on a file beside the database can (``flock`` on Linux and macOS, ``msvcrt.locking``
on Windows). The operating system drops it when the process ends, however it ends (even ``kill -9``), so
a crash never leaves a stale lock to clean up by hand.

The platform's module is imported only when a lock is taken, so every command that does not take one
(``--help``, ``check``, ``groups plan``) works whatever the platform offers.

Within one process the lock is re-entrant (counted per database path): ``copbot run`` takes it
before connecting to Discord, and the bot takes it again when it opens its database, so test
harnesses that build several bots in one process, or restart a bot on the same file, still work.
A *second process* is refused at once with :class:`DatabaseInUseError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO


class DatabaseInUseError(Exception):
    """Another copbot process holds the lock on this database; the message is one sentence."""


@dataclass
class _Held:
    handle: IO[str]
    count: int


_HELD: dict[Path, _Held] = {}

#: Windows locks byte ranges, and a locked range cannot be rewritten: lock one byte far past the process
#: id the file holds (a range past the end of a file may be locked there).
_WINDOWS_LOCK_OFFSET = 1 << 30


def lock_path(database: Path) -> Path:
    """The lock file that guards ``database`` (``copbot.db`` → ``copbot.db.lock``)."""
    return database.with_name(database.name + ".lock")


class DatabaseLock:
    """A handle on the process-wide lock for one database; :meth:`acquire` and :meth:`release` pair up."""

    def __init__(self, database: Path) -> None:
        self.database = database.absolute()
        self._acquired = False

    def acquire(self) -> None:
        """Take the lock, or raise :class:`DatabaseInUseError` at once if another process holds it."""
        if self._acquired:
            return
        held = _HELD.get(self.database)
        if held is None:
            path = lock_path(self.database)
            # Created readable by copbot's user only, like the database it guards.
            handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+", encoding="utf-8")
            if not _try_lock(handle):
                handle.close()
                raise DatabaseInUseError(
                    f"Another copbot is already using the database {self.database}: stop it first, "
                    "or point COPBOT_DB at another file."
                ) from None
            # The holder's process id, for a person wondering which copbot it is (not used for locking).
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            held = _HELD[self.database] = _Held(handle, 0)
        held.count += 1
        self._acquired = True

    def release(self) -> None:
        """Give the lock back; the file is unlocked when the last holder in this process releases it."""
        if not self._acquired:
            return
        self._acquired = False
        held = _HELD.get(self.database)
        if held is None:
            return
        held.count -= 1
        if held.count <= 0:
            del _HELD[self.database]
            _unlock(held.handle)
            held.handle.close()


def _try_lock(handle: IO[str]) -> bool:
    """Lock the open lock file without waiting; False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(_WINDOWS_LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(handle: IO[str]) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(_WINDOWS_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
