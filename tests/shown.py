"""What a person sees of copbot's answer in an end-to-end test: the messages of a reply and their buttons.

Shared by the cog tests so each reads a reply the same way (a deferred reply's first message arrives as
``response``, the rest as follow-ups; a message's buttons sit in rows).
"""

from __future__ import annotations

from typing import Any


def replies(result: Any) -> list:
    """Every message of a (deferred) reply: the first arrives as ``response``, the rest as follow-ups."""
    out = [result.response] if result.response is not None else []
    seen = {m.id for m in out}
    return out + [m for m in result.followups if m.id not in seen]


def labels(message: Any) -> list[str]:
    """Button labels of a message, of an interaction's response, or of a result holding one (``.message``)."""
    message = getattr(message, "message", message)
    return [child.label for row in message.components for child in getattr(row, "children", [row])]
