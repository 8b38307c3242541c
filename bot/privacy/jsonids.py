"""Finding, hiding and removing one member's id inside the JSON columns the registry declares.

Pure functions over decoded JSON, one behaviour per shape (see :data:`bot.privacy.registry.JsonShape`).
"""

from __future__ import annotations

from typing import Any

from bot.privacy.registry import JsonShape

YOU = "you"
SOMEONE = "another member"


def _is(value: Any, user_id: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value == user_id


def contains(shape: JsonShape, data: Any, user_id: int) -> bool:
    """True if the member's id appears in ``data``."""
    if shape == "ids":
        return any(_is(v, user_id) for v in data)
    if shape == "id_groups":
        return any(_is(v, user_id) for group in data for v in group)
    if shape == "member_groups":
        return any(_is(m.get("id"), user_id) for group in data for m in group)
    if shape == "id_pairs":
        return any(_is(pair[0], user_id) for pair in data)
    raise ValueError(shape)


def member_ids(shape: JsonShape, data: Any) -> set[int]:
    """Every member id in ``data``."""
    if shape == "ids":
        values = list(data)
    elif shape == "id_groups":
        values = [v for group in data for v in group]
    elif shape == "member_groups":
        values = [m.get("id") for group in data for m in group]
    elif shape == "id_pairs":
        values = [pair[0] for pair in data]
    else:
        raise ValueError(shape)
    return {v for v in values if isinstance(v, int) and not isinstance(v, bool)}


def without(shape: JsonShape, data: Any, user_id: int) -> Any:
    """``data`` with the member taken out (everyone else left as they were)."""
    if shape == "ids":
        return [v for v in data if not _is(v, user_id)]
    if shape == "id_groups":
        return [[v for v in group if not _is(v, user_id)] for group in data]
    if shape == "member_groups":
        return [[m for m in group if not _is(m.get("id"), user_id)] for group in data]
    if shape == "id_pairs":
        return [pair for pair in data if not _is(pair[0], user_id)]
    raise ValueError(shape)


def masked(shape: JsonShape, data: Any, user_id: int) -> Any:
    """``data`` for the member's own export: their id reads "you", other people's "another member"."""

    def who(v: Any) -> Any:
        return YOU if _is(v, user_id) else SOMEONE

    if shape == "ids":
        return [who(v) for v in data]
    if shape == "id_groups":
        return [[who(v) for v in group] for group in data if any(_is(v, user_id) for v in group)]
    if shape == "member_groups":
        return [
            [{**m, "id": who(m.get("id"))} for m in group]
            for group in data
            if any(_is(m.get("id"), user_id) for m in group)
        ]
    if shape == "id_pairs":
        return [[YOU, *pair[1:]] for pair in data if _is(pair[0], user_id)]
    raise ValueError(shape)
