"""Text facilitators write for everyone to read (glossary words and meanings, the community's aims).

Checked before anything is saved, with one sentence for each thing that is wrong, because these texts
are shown to every member, including in the welcome and the digest:

* not empty, not over its limit (counted on what is kept: ends trimmed, line breaks made plain);
* no ``@everyone``, ``@here`` or mention of a person, role or channel: copbot sends with no pings
  anyway, but a glossary is not a place to name people, and a mention would still look like a ping;
* no masked links (``[words](https://…)``): a member should see where a link goes before pressing it.

Shown escaped (:func:`bot.questions.text.render_safe`), so markdown typed into a meaning is shown as
typed. How hard the text is to read is measured (:mod:`bot.readability`) and told to the writer, never
enforced: they know their community's words.
"""

from __future__ import annotations

import re

from bot.errors import UserError
from bot.questions.text import render_safe

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_MASS_PING = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
_MENTION = re.compile(r"<(@[!&]?|#)\d+>")
_MASKED_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?[a-z][a-z0-9+.-]*:[^)\s]*>?\s*\)", re.IGNORECASE)

NO_PINGS = "Nothing was saved: please take out @everyone, @here and mentions of people, roles or channels."
NO_MASKED_LINKS = (
    "Nothing was saved: please write a link out in full rather than behind words, so everyone can see where it goes."
)


def tidy(raw: str, *, one_line: bool = False) -> str:
    """The text as it will be kept: control and invisible characters out, ends trimmed; one line if asked."""
    text = _INVISIBLE.sub("", _CONTROL.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")))
    if one_line:
        return " ".join(text.split())
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def checked(raw: str, *, what: str, limit: int, one_line: bool = False) -> str:
    """``raw`` tidied and checked (see the module docstring), or a :class:`UserError` in one sentence."""
    text = tidy(raw, one_line=one_line)
    if not text:
        raise UserError(f"Nothing was saved: the {what} can't be empty.")
    if len(text) > limit:
        raise UserError(
            f"Nothing was saved: the {what} can be at most {limit:,} characters, and this is {len(text):,}."
        )
    if _MASS_PING.search(text) or _MENTION.search(text):
        raise UserError(NO_PINGS)
    if _MASKED_LINK.search(text):
        raise UserError(NO_MASKED_LINKS)
    return text


def shown(text: str) -> str:
    """Kept text as Discord should show it: literally, with no markdown and no mentions."""
    return render_safe(text)
