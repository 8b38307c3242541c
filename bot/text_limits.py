"""Discord's length limits, and one way to fit any text into any of them.

Discord refuses a whole message when one part is too long, so "cut it to 2,000" must happen before
sending, everywhere, after escaping (escaping can double a text's length) and counting every line that
is actually added. These are pure functions (no discord import), used by every reply through
``bot.app.send_ephemeral`` and by the features that build long posts.

Figures (Discord's documented limits): message content 2,000 characters; embed title 256, description
4,096, field value 1,024, footer 2,048, author name 256, the whole embed 6,000; at most 100 ids in each
``allowed_mentions`` list; 25 choices and autocomplete results; command and option descriptions 100.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

MESSAGE = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELD_VALUE = 1024
EMBED_FIELD_NAME = 256
EMBED_FOOTER = 2048
EMBED_TOTAL = 6000
MENTIONS_PER_MESSAGE = 100
CHOICES = 25
DESCRIPTION = 100

ELLIPSIS = "…"


def fit(text: str, limit: int = MESSAGE, *, ellipsis: str = ELLIPSIS) -> str:
    """``text`` if it fits in ``limit`` characters, else cut at a line or word boundary with ``ellipsis``.

    The cut never leaves a lone backslash at the end (it would escape the ellipsis) and never splits a
    Discord tag such as ``<@123>`` or ``<t:1700000000:F>``.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return text[:limit]
    room = limit - len(ellipsis)
    cut = text[:room]
    # Prefer a line break, then a space, in the last fifth of what we keep.
    floor = room - max(room // 5, 1)
    for sep in ("\n", " "):
        at = cut.rfind(sep)
        if at >= floor and at > 0:
            cut = cut[:at]
            break
    cut = _without_broken_tag(cut)
    cut = cut.rstrip()
    while cut.endswith("\\"):
        cut = cut[:-1]
    return cut + ellipsis


def _without_broken_tag(text: str) -> str:
    """Drop a Discord tag (``<@…>``, ``<#…>``, ``<t:…>``) that the cut left unclosed."""
    opened = text.rfind("<")
    if opened != -1 and ">" not in text[opened:] and len(text) - opened <= 40:
        return text[:opened]
    return text


def escape_then_fit(text: str, limit: int, escape: Callable[[str], str]) -> str:
    """Escape first, then fit: cutting first and escaping after can double the length past the limit.

    A cut that would end inside an escape sequence drops the backslash (see :func:`fit`).
    """
    return fit(escape(text), limit)


def fit_lines(
    lines: Sequence[str],
    limit: int = MESSAGE,
    *,
    head: str = "",
    foot: str = "",
    more: Callable[[int], str] = lambda n: f"…and {n} more.",
    separator: str = "\n",
) -> str:
    """``head``, as many of ``lines`` as fit (in order), a "…and N more" line when some are left out,
    then ``foot``, in at most ``limit`` characters.

    The budget counts every character actually added: separators, head, foot and the "more" line
    itself. A line too long to fit even alone is shortened with :func:`fit` rather than dropped.
    """

    def joined_len(parts: Sequence[str]) -> int:
        kept = [p for p in parts if p]
        return sum(map(len, kept)) + len(separator) * max(len(kept) - 1, 0)

    n = len(lines)
    fixed = joined_len([head, foot])
    longest_more = len(more(n)) + len(separator) if n else 0
    room_for_one = limit - fixed - longest_more - 2 * len(separator)
    shown: list[str] = []
    used = fixed
    for index, raw in enumerate(lines):
        line = fit(raw, max(room_for_one, 0)) if len(raw) > room_for_one else raw
        if not line:
            break
        cost = len(line) + len(separator)
        left_after = n - index - 1
        tail = len(more(left_after)) + len(separator) if left_after else 0
        if used + cost + tail > limit:
            break
        shown.append(line)
        used += cost
    parts = [head, *shown]
    if len(shown) < n:
        parts.append(more(n - len(shown)))
    parts.append(foot)
    return fit(separator.join(p for p in parts if p), limit)


def chunk_lines(lines: Iterable[str], limit: int = MESSAGE, *, separator: str = "\n") -> list[str]:
    """Split lines into messages of at most ``limit`` characters each (a too-long line is shortened)."""
    out: list[str] = []
    current = ""
    for raw in lines:
        line = fit(raw, limit)
        if current and len(current) + len(separator) + len(line) > limit:
            out.append(current)
            current = ""
        current = f"{current}{separator}{line}" if current else line
    if current:
        out.append(current)
    return out


def chunk_mentions(
    entries: Iterable[tuple[str, Iterable[int]]],
    limit: int = MESSAGE,
    *,
    max_ids: int = MENTIONS_PER_MESSAGE,
    separator: str = "\n",
) -> list[tuple[str, list[int]]]:
    """Split ``(line, user ids it mentions)`` pairs into messages that fit ``limit`` characters and
    mention at most ``max_ids`` distinct people each (Discord's ``allowed_mentions`` limit is 100).

    Each message comes with exactly the ids its own lines mention, in first-seen order.
    """
    out: list[tuple[str, list[int]]] = []
    text = ""
    ids: list[int] = []
    for raw, mentioned in entries:
        line = fit(raw, limit)
        new = [i for i in dict.fromkeys(mentioned) if i not in ids]
        too_long = bool(text) and len(text) + len(separator) + len(line) > limit
        too_many = bool(text) and len(ids) + len(new) > max_ids
        if too_long or too_many:
            out.append((text, ids))
            text, ids = "", []
            new = list(dict.fromkeys(mentioned))
        text = f"{text}{separator}{line}" if text else line
        ids.extend(new[: max(max_ids - len(ids), 0)])
    if text:
        out.append((text, ids))
    return out


EMBEDS_PER_MESSAGE = 10


def pack_sections(
    sections: Iterable[tuple[str, Sequence[str]]],
    *,
    description: int = EMBED_DESCRIPTION,
    total: int = EMBED_TOTAL,
    per_message: int = EMBEDS_PER_MESSAGE,
) -> list[list[tuple[str, str]]]:
    """Pack titled sections of lines into as few messages of embeds as Discord allows.

    Each section becomes one embed, or several ("title (continued)") when its lines pass the
    description limit; embeds then fill messages up to ``per_message`` embeds and ``total`` characters
    (titles and descriptions count together, as Discord counts them). Why: a channel takes about five
    messages in five seconds, and an embed message holds three times the text of a plain one, so a
    long recap lands at once instead of waiting out the rate limit. Returns, per message, its
    ``(title, description)`` pairs; titles are cut to :data:`EMBED_TITLE`.
    """
    embeds: list[tuple[str, str]] = []
    for title, lines in sections:
        title = fit(title, EMBED_TITLE - len(" (continued)"))
        parts = chunk_lines(lines, description) or [""]
        for index, part in enumerate(parts):
            embeds.append((title if index == 0 else f"{title} (continued)", part))
    messages: list[list[tuple[str, str]]] = []
    size = 0
    for embed in embeds:
        cost = len(embed[0]) + len(embed[1])
        if not messages or len(messages[-1]) >= per_message or size + cost > total:
            messages.append([])
            size = 0
        messages[-1].append(embed)
        size += cost
    return messages
