"""Message nonces for scheduled sends: the same message gets the same nonce in every process.

The sweep records reminders as sent in small batches after their messages went out (see
:mod:`bot.reminders.service`), so a process that dies mid-batch leaves a few messages sent but not
recorded, and whichever process takes those rows over sends them again. Discord drops such a repeat
when the message carries a ``nonce`` with ``enforce_nonce``: within a few minutes, a second message
from the same author with the same nonce returns the first one instead of posting again. discord.py
2.7.1 sends ``enforce_nonce`` with every message, but when the caller gives no nonce it makes a random
one, which never matches the other process's. So both processes must compute the same nonce for the
same message: it is derived from what the message *is* (the outbox row, its due time, which part of a
digest), never from a counter or the clock.

Discord accepts a nonce of at most 25 characters; a hash keeps any key inside that.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

#: Discord's limit on a message nonce, in characters.
NONCE_MAX = 25


def message_nonce(*parts: object) -> str:
    """A stable nonce for the message that ``parts`` name (24 hexadecimal characters).

    96 bits of a BLAKE2b hash: two different messages sharing a nonce within Discord's window of a
    few minutes is vanishingly unlikely, and if it happened the second would be dropped, not
    doubled.
    """
    key = "\x1f".join(str(part) for part in parts)
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


def outbox_nonce(row_id: int, due_at: datetime) -> str:
    """The nonce of the message an outbox row (a task reminder, a meeting digest) stands for.

    The due time joins the id because SQLite may hand a deleted row's id to a new row (a task
    re-planned after its latest reminder was removed): the pair names one planned send only.
    """
    return message_nonce("copbot:outbox", row_id, due_at.isoformat())


def part_nonce(nonce: str, *part: object) -> str:
    """The nonce of one message among several that one scheduled send posts (a digest's channel
    parts and its DMs): distinct per part, the same for the same part in every process."""
    return message_nonce(nonce, *part)
