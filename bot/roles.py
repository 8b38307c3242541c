"""Stakeholder roles, read once from ``config/roles.toml``.

Roles are content, not code: a CoP may relabel them, so the keys and labels live in config and
this module only loads and validates them. The keys are part of the public command contract
(``/profile role:``) and of the offline CSV format, so they are checked at import time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

#: The shipped ``config`` package, found through the import system rather than a path relative to
#: this file or the working folder, so an installed wheel finds its own copy from any folder.
CONFIG_DIR: Traversable = resources.files("config")

#: Keys the command contract promises; the config file may relabel them but not drop them.
CONTRACT_KEYS = ("lay", "clinician", "gp", "commissioner", "manager", "researcher", "facilitator", "other")


@dataclass(frozen=True, slots=True)
class Role:
    """One stakeholder role: ``key`` for machines, ``label``/``short`` for people, and ``brings``: a few
    plain words on what people in that role bring (shown by the welcome when a newcomer picks a role)."""

    key: str
    label: str
    short: str
    brings: str = ""


def _load(path: Traversable) -> tuple[Role, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    roles = tuple(
        Role(key=r["key"], label=r["label"], short=r.get("short", r["label"]), brings=r.get("brings", ""))
        for r in data["role"]
    )
    keys = [r.key for r in roles]
    if sorted(keys) != sorted(CONTRACT_KEYS):
        raise ValueError(
            f"{path} must define exactly the roles {', '.join(CONTRACT_KEYS)}; it defines {', '.join(keys)}"
        )
    return roles


ROLES: tuple[Role, ...] = _load(CONFIG_DIR / "roles.toml")
ROLE_KEYS: tuple[str, ...] = tuple(r.key for r in ROLES)
_BY_KEY = {r.key: r for r in ROLES}

#: The role whose holders lead groups; the grouping engine treats it as "is a facilitator".
FACILITATOR = "facilitator"
#: The role for members who have not chosen one yet.
OTHER = "other"


def get_role(key: str) -> Role:
    """Return the role for ``key``; raises ``KeyError`` for unknown keys."""
    return _BY_KEY[key]


def is_role(key: str) -> bool:
    """True when ``key`` is one of the configured stakeholder roles."""
    return key in _BY_KEY


def label(key: str) -> str:
    """The plain-language label for ``key`` (the key itself if unknown, so display never fails)."""
    role = _BY_KEY.get(key)
    return role.label if role else key


def short_label(key: str) -> str:
    """The short label for ``key``, used in compact lists such as group plans."""
    role = _BY_KEY.get(key)
    return role.short if role else key
