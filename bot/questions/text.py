"""What a member typed, checked and made safe to show.

Two separate steps on purpose:

* :func:`clean_question` decides whether the text is acceptable (not empty, not just invisible
  characters, not over the limit) and returns the canonical text that is stored.
* :func:`render_safe` turns stored text into something Discord shows literally: every markdown
  character is escaped with a backslash, and a zero-width space follows every ``@`` so
  ``@everyone``, ``@here``, ``<@123>`` and ``<@&123>`` are shown but can never become mentions, even
  if a message were sent without ``allowed_mentions`` (which we also always pass).

:func:`render_safe` is exactly reversible by :func:`unrender_safe`. The DM path relies on this: the
text waiting for "Post anonymously" lives only in the preview message in the member's own DMs, and
is read back from there, so nothing about the asker has to be remembered by the bot.
"""

from __future__ import annotations

import re
import unicodedata

from bot.errors import UserError
from bot.privacy.personal_info import find_personal_detail

ZWSP = "\u200b"
EXPLAIN_PREFIX = "Someone would like a plain-language explanation of: "

# Characters that mean something to Discord's markdown (and the backslash itself, so escaping is
# reversible). ``:`` and ``<`` are included so custom emoji, timestamps and mention syntax stay text.
_MARKDOWN = frozenset("\\*_~`|>#-[]()<:!.+=")
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
# Control characters other than newline and tab can corrupt a layout and have no business in a question.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

EMPTY = "Please type your question: it can't be empty."


def _has_visible_text(text: str) -> bool:
    """True if ``text`` has at least one character a reader could see.

    Whitespace, zero-width characters, direction marks and other format characters (category Cf),
    and unassigned or private code points do not count, so "\u200b\u200f" is refused like "".
    """
    return any(
        not ch.isspace() and unicodedata.category(ch) not in {"Cf", "Cc", "Cn", "Co", "Zs", "Zl", "Zp"} for ch in text
    )


def clean_question(raw: str, max_length: int, *, what: str = "question") -> str:
    """The canonical text to store, or a :class:`UserError` saying what to change.

    Line endings are normalised, control characters dropped and the ends trimmed. The limit is
    counted on what remains, which is what the member sees. Text with a personal detail (an NHS
    number, phone number, email address, postcode or date of birth) is refused with a sentence naming
    the kind of detail (:mod:`bot.privacy.personal_info`).
    """
    text = _CONTROL.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not _has_visible_text(text):
        raise UserError(EMPTY if what == "question" else f"Please type the {what}: it can't be empty.")
    if len(text) > max_length:
        raise UserError(
            f"Sorry, that {what} is {len(text):,} characters long; the limit is {max_length:,}. "
            "Please shorten it and try again."
        )
    if (detail := find_personal_detail(text)) is not None:
        raise UserError(detail.sentence)
    return text


def clean_answer(raw: str, max_length: int) -> str:
    """A facilitator's written answer, tidied as :func:`clean_question` does, or a :class:`UserError`.

    Answers are written by facilitators under their own responsibility (they are not anonymous
    content), so a phone number or email address of a service may be part of a good answer.
    """
    text = _CONTROL.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not _has_visible_text(text):
        raise UserError("Please type the answer: it can't be empty.")
    if len(text) > max_length:
        raise UserError(
            f"Sorry, that answer is {len(text):,} characters long; the limit is {max_length:,}. "
            "Please shorten it and try again."
        )
    return text


def render_safe(text: str) -> str:
    """``text`` as Discord will show it literally: escaped markdown, inert mentions (reversible)."""
    escaped = "".join(f"\\{ch}" if ch in _MARKDOWN else ch for ch in text)
    return escaped.replace("@", "@" + ZWSP)


def unrender_safe(shown: str) -> str:
    """The exact inverse of :func:`render_safe`."""
    return _UNESCAPE.sub(r"\1", shown.replace("@" + ZWSP, "@"))


def question_body(kind: str, text: str) -> str:
    """The words shown for a stored question; an explanation request gets its plain sentence."""
    if kind == "explain":
        return EXPLAIN_PREFIX + render_safe(text)
    return render_safe(text)


def render_in_parts(text: str, limit: int, max_parts: int) -> list[str]:
    """``text`` rendered safe (as :func:`render_safe`) and split into at most ``max_parts`` pieces of at
    most ``limit`` characters each, never inside an escape; the last piece is cut with "…" if need be.

    For a written answer shown in embed fields (1,024 characters each): escaping can double a
    1,000-character answer, so it may take two fields.
    """
    parts: list[str] = []
    current = ""
    for ch in text:
        unit = render_safe(ch)
        if len(current) + len(unit) > limit:
            parts.append(current)
            current = ""
        current += unit
    if current or not parts:
        parts.append(current)
    if len(parts) > max_parts:
        last = parts[max_parts - 1]
        room = limit - 1
        while len(last) > room or last.endswith("\\"):
            last = last[:-1]
        parts = [*parts[: max_parts - 1], last + "…"]
    return parts


def preview(text: str, limit: int) -> str:
    """A one-line, safe excerpt for lists: newlines flattened, cut at ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return render_safe(flat)
