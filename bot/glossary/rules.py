"""What a glossary entry may be, and how terms are matched. Pure: no storage, no Discord."""

from __future__ import annotations

from bot.community_text import checked

#: Longest term (a word or short phrase; it is also a button label and an autocomplete choice).
TERM_MAX = 60
#: Longest meaning (a few plain sentences; the welcome and /glossary show it whole). As long as a
#: written answer to a question, so any answer to an ``/explain`` question can become a meaning.
MEANING_MAX = 1000


def term_key(term: str) -> str:
    """How terms are matched: case and spacing do not matter ("CoP" and " cop " are one term)."""
    return " ".join(term.casefold().split())


def clean_term(raw: str) -> str:
    return checked(raw, what="word", limit=TERM_MAX, one_line=True)


def clean_meaning(raw: str) -> str:
    return checked(raw, what="meaning", limit=MEANING_MAX)


def matches(query: str, terms: list[str], limit: int) -> list[str]:
    """Terms for autocomplete: those starting with what was typed, then those containing it, each group
    alphabetically; at most ``limit`` (Discord shows 25). Nothing typed: the first ``limit`` terms."""
    wanted = term_key(query)
    starting = sorted((t for t in terms if term_key(t).startswith(wanted)), key=term_key)
    inside = sorted((t for t in terms if wanted in term_key(t) and not term_key(t).startswith(wanted)), key=term_key)
    return [*starting, *inside][:limit]
