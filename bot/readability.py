"""How hard a text is to read: word count and Flesch–Kincaid grade, without Discord and without a library.

copbot writes for lay members who are new to Discord (reading age 9 to 11, Flesch–Kincaid grade 5 or
below is the goal). Facilitators write for them too (glossary meanings, the community's aims), so when
they do, copbot shows them the words and the grade of what they wrote: a hint, never a refusal.

The formula and the way words and sentences are counted follow ``textstat`` 0.7.4, which the test
suite uses as the reference: words are what is left between spaces once punctuation is taken out;
sentences are runs ending in ``.``, ``!`` or ``?`` and those of two words or fewer do not count; the
average sentence length and syllables per word are each rounded to one decimal before the formula.
``textstat`` counts syllables with a hyphenation dictionary (pyphen); copbot is not going to carry a
dictionary for a hint, so :func:`syllables` is the usual vowel-group rule with the common English
exceptions. The two agree to within about a grade on copbot's own texts (``tests/bot/test_readability.py``).

:func:`plain_text` turns a Discord message into the words a member sees (timestamps as a date,
channel mentions as ``#name``, no markdown), so the measure reads what people read, not the markup.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: The goal for text members read (Flesch–Kincaid grade; about reading age 10).
GRADE_GOAL = 5.0

_KEEP_CONTRACTION = re.compile(r"'(?![tsd]\b|ve\b|ll\b|re\b)")
_PUNCTUATION = re.compile(r"[^\w\s']")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
#: Endings that add a syllable the vowel-group rule would miss or drop one it would count.
_SILENT_E = re.compile(r"[^aeiouy]e$")
_CONSONANT_LE = re.compile(r"[^aeiouy]le$")
_ED_SILENT = re.compile(r"[^td]ed$")
_ES_SILENT = re.compile(r"[^sxzcgh]es$")
#: A silent "e" inside a compound or before a suffix ("something", "careful", "likely").
_INNER_SILENT_E = re.compile(r"[aeiouy][^aeiouy]e(thing|one|times?|where|body|how|less|ful|ly|ment|ness)$")
#: Vowel pairs that are usually said as two syllables ("idea", "create", "being", "science").
_TWO_VOWELS = re.compile(r"(?<![cgst])i[ao](?!u)|ua|uo|ii|iu|ea(?=te|l$)|ie(?=r$|st$|t$)")

#: What a Discord timestamp looks like to a reader (the exact words depend on their settings).
_TIMESTAMP_AS_READ = {
    "t": "7 pm",
    "T": "7:00 pm",
    "d": "3 March 2026",
    "D": "3 March 2026",
    "f": "3 March 2026 at 7 pm",
    "F": "Tuesday 3 March 2026 at 7 pm",
    "R": "in 2 days",
}


@dataclass(frozen=True, slots=True)
class Reading:
    """A text's length and difficulty."""

    words: int
    grade: float

    def describe(self) -> str:
        """For the facilitator who wrote it: the figures and what copbot aims for, in one phrase."""
        words = "1 word" if self.words == 1 else f"{self.words} words"
        hint = "easy to read" if self.grade <= GRADE_GOAL else "shorter words and sentences would make it easier"
        return f"{words}, reading grade {self.grade:.1f} (copbot aims for {GRADE_GOAL:.0f} or below: {hint})"


def _legacy_round(number: float, points: int = 1) -> float:
    """``textstat``'s rounding: half away from zero."""
    p = 10**points
    return float(math.floor(number * p + math.copysign(0.5, number))) / p


def _remove_punctuation(text: str) -> str:
    return _PUNCTUATION.sub("", _KEEP_CONTRACTION.sub('"', text))


def word_list(text: str) -> list[str]:
    """The words of ``text``, counted as ``textstat`` counts them."""
    return _remove_punctuation(text).split()


def word_count(text: str) -> int:
    return len(word_list(text))


def sentence_count(text: str) -> int:
    """Sentences of three words or more (at least one)."""
    found = _SENTENCE.findall(text)
    short = sum(1 for s in found if word_count(s) <= 2)
    return max(1, len(found) - short)


def syllables(word: str) -> int:
    """The syllables of one English word, by vowel groups with the usual exceptions (at least one)."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 1 if any(ch.isdigit() for ch in word) else 0
    if len(w) <= 3:
        return 1
    count = len(_VOWEL_GROUP.findall(w))
    if (_SILENT_E.search(w) and not _CONSONANT_LE.search(w)) or _ED_SILENT.search(w) or _ES_SILENT.search(w):
        count -= 1
    if _INNER_SILENT_E.search(w):
        count -= 1
    count += len(_TWO_VOWELS.findall(w))
    return max(count, 1)


def measure(text: str) -> Reading:
    """Words and Flesch–Kincaid grade of ``text`` (plain text: see :func:`plain_text` for a message)."""
    words = word_list(text)
    if not words:
        return Reading(0, 0.0)
    per_sentence = _legacy_round(len(words) / sentence_count(text))
    per_word = _legacy_round(sum(syllables(w) for w in words) / len(words))
    return Reading(len(words), _legacy_round(0.39 * per_sentence + 11.8 * per_word - 15.59))


def plain_text(message: str, channel_names: dict[int, str] | None = None) -> str:
    """A Discord message as a member reads it: timestamps as dates, ``<#id>`` as ``#name``, mentions as
    ``@someone``, custom emoji dropped, markdown marks, bullets and escapes taken out."""
    names = channel_names or {}
    text = re.sub(r"<t:-?\d+(?::([tTdDfFR]))?>", lambda m: _TIMESTAMP_AS_READ[m.group(1) or "f"], message)
    text = re.sub(r"<#(\d+)>", lambda m: "#" + names.get(int(m.group(1)), "channel"), text)
    text = re.sub(r"<@[!&]?\d+>", "@someone", text)
    text = re.sub(r"<a?:(\w+):\d+>", "", text)
    text = re.sub(r"\\(.)", r"\1", text)
    text = re.sub(r"[*_~`|>]", "", text)
    text = re.sub(r"^\s*[•-]\s+", "", text, flags=re.MULTILINE)
    return text.replace("\u200b", "")
