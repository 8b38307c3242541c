"""The shipped prompt bank (``config/icebreakers.toml``): loaded once, checked strictly.

The bank is content, not code, so it lives in config; this module turns it into typed, validated
:class:`Prompt` objects. A broken bank is a packaging mistake, so it fails loudly at start-up with
:class:`BankError` naming the line's id, rather than showing members a half-empty list later.

Numbering: members type integer ids (DESIGN: ids are integers shown as ``#N``). Shipped prompts are
numbered 1..K in file order, which is stable because the bank is only ever appended to; a server's
own prompts are numbered from :data:`CUSTOM_START` upwards, so the two ranges can never collide.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path

from bot.errors import UserError
from bot.roles import CONFIG_DIR

BANK_FILE = CONFIG_DIR / "icebreakers.toml"
#: Longest shipped prompt: short enough to read aloud and answer in under a minute.
SHIPPED_MAX_LENGTH = 200
#: First number given to a server's own prompts; shipped prompts stay below it.
CUSTOM_START = 1001
_ID = re.compile(r"^[a-z][a-z-]*-\d{3}$")
_CATEGORY = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


class BankError(Exception):
    """The prompt bank file is malformed; the message says where."""


@dataclass(frozen=True, slots=True)
class Prompt:
    """One prompt as members see it: ``number`` is the ``#N`` they type, ``key`` what storage keeps."""

    key: str
    number: int
    category: str
    text: str
    custom: bool = False


@dataclass(frozen=True, slots=True)
class Bank:
    """The shipped categories (key → label, in file order) and prompts (in file order)."""

    categories: dict[str, str]
    prompts: tuple[Prompt, ...]

    def label(self, category: str) -> str:
        """The member-facing name of a category (the key itself if unknown)."""
        return self.categories.get(category, category)

    def by_number(self, number: int) -> Prompt | None:
        """The shipped prompt shown as ``#number``, if there is one."""
        if 1 <= number <= len(self.prompts):
            return self.prompts[number - 1]
        return None

    def resolve_category(self, typed: str) -> str:
        """Match what a member typed (key or label, any case) to a category key; ``KeyError`` if none."""
        wanted = " ".join(typed.split()).casefold()
        for key, label in self.categories.items():
            if wanted in (key.casefold(), label.casefold()):
                return key
        raise KeyError(typed)


def parse_bank(data: dict[str, object], *, source: str = "the icebreaker bank") -> Bank:
    """Build a :class:`Bank` from parsed TOML, checking every rule the bank promises."""
    raw_categories = data.get("categories")
    if not isinstance(raw_categories, dict) or not raw_categories:
        raise BankError(f"{source} needs a [categories] table with at least one category.")
    categories: dict[str, str] = {}
    for key, label in raw_categories.items():
        if not _CATEGORY.match(key) or not isinstance(label, str) or not label.strip():
            raise BankError(f"{source}: category {key!r} needs a lower-case key and a non-empty label.")
        categories[key] = label.strip()

    raw_prompts = data.get("prompts")
    if not isinstance(raw_prompts, list) or not raw_prompts:
        raise BankError(f"{source} needs a non-empty prompts list.")
    prompts: list[Prompt] = []
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for index, item in enumerate(raw_prompts, 1):
        if not isinstance(item, dict):
            raise BankError(f"{source}: prompt number {index} is not a table.")
        pid, category, text = item.get("id"), item.get("category"), item.get("text")
        where = f"{source}: prompt {pid!r} (number {index})"
        if not isinstance(pid, str) or not _ID.match(pid):
            raise BankError(f"{where} needs an id like 'light-001'.")
        if pid in seen_ids:
            raise BankError(f"{where} repeats an id.")
        if category not in categories:
            raise BankError(f"{where} has unknown category {category!r}.")
        if not isinstance(text, str) or not text.strip():
            raise BankError(f"{where} has no text.")
        text = " ".join(text.split())
        if len(text) > SHIPPED_MAX_LENGTH:
            raise BankError(f"{where} is longer than {SHIPPED_MAX_LENGTH} characters.")
        if text.casefold() in seen_texts:
            raise BankError(f"{where} repeats another prompt's text.")
        seen_ids.add(pid)
        seen_texts.add(text.casefold())
        prompts.append(Prompt(key=pid, number=index, category=str(category), text=text))
    if len(prompts) >= CUSTOM_START:
        raise BankError(f"{source} has too many prompts: shipped numbers must stay below {CUSTOM_START}.")
    return Bank(categories=categories, prompts=tuple(prompts))


def load_bank(path: Traversable | Path = BANK_FILE) -> Bank:
    """Read and validate a bank file."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise BankError(f"The icebreaker bank {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise BankError(f"The icebreaker bank {path} is not valid TOML: {exc}.") from None
    return parse_bank(data, source=str(path))


@cache
def shipped_bank() -> Bank:
    """The bank that ships with copbot, read once per process."""
    return load_bank()


def check_custom_prompt(bank: Bank, text: str, category: str, max_length: int) -> tuple[str, str]:
    """Validate a facilitator's new prompt; return ``(category_key, tidy_text)`` or raise ``UserError``."""
    tidy = " ".join(text.split())
    if not tidy:
        raise UserError("The prompt is empty. Please type the question you would like to add.")
    if len(tidy) > max_length:
        raise UserError(
            f"That prompt is {len(tidy)} characters long; the limit is {max_length}. Please make it shorter."
        )
    try:
        key = bank.resolve_category(category)
    except KeyError:
        raise UserError(unknown_category_sentence(bank, category)) from None
    return key, tidy


def unknown_category_sentence(bank: Bank, typed: str) -> str:
    """The one sentence a member sees for a category that does not exist."""
    names = ", ".join(f"“{label}”" for label in bank.categories.values())
    return f"There is no icebreaker category called “{typed[:50]}”. Please choose one of: {names}."
