"""The glossary as a service: look words up, suggest them, and let facilitators write them. No Discord.

Who may write is decided by the cog (facilitators, checked on every button and again on every form,
since a role can be taken away while a form is open); this service decides what may be written and
says, in one sentence, why something was refused. Every change is one statement or one transaction,
so a refusal leaves the glossary exactly as it was.

Each server starts with copbot's starter words (``config/glossary.toml``), copied in the first time
its glossary is used, so the welcome has words to show on the first day; from then on they are the
community's own to change or remove, and removing them all never brings them back.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import utcnow
from bot.community_text import tidy
from bot.errors import NotFoundError, UserError
from bot.glossary.rules import TERM_MAX, clean_meaning, clean_term, matches, term_key
from bot.readability import Reading, measure
from bot.roles import CONFIG_DIR
from bot.storage.glossary import GlossaryEntry, GlossaryRepository, NewEntry
from bot.storage.question_answers import QuestionAnswerRepository
from bot.storage.questions import QuestionRepository
from bot.text_limits import CHOICES

STARTER_FILE = CONFIG_DIR / "glossary.toml"


@dataclass(frozen=True, slots=True)
class Written:
    """An entry just written, with how readable its meaning is (shown to the facilitator who wrote it)."""

    entry: GlossaryEntry
    reading: Reading


def load_starter() -> tuple[NewEntry, ...]:
    """copbot's starter words, checked like any facilitator's (a bad one fails at start, not in front of a member)."""
    data = tomllib.loads(STARTER_FILE.read_text(encoding="utf-8"))
    entries = []
    for item in data.get("term", []):
        term = clean_term(item["term"])
        entries.append(NewEntry(term, term_key(term), clean_meaning(item["meaning"])))
    keys = [e.key for e in entries]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{STARTER_FILE} has the same term twice")
    return tuple(entries)


def _quoted(term: str) -> str:
    return f"“{term}”"


class GlossaryService:
    """Reading and writing one server's glossary (see the module docstring)."""

    def __init__(
        self,
        repo: GlossaryRepository,
        questions: QuestionRepository,
        answers: QuestionAnswerRepository,
        *,
        max_terms: int,
        starter: Iterable[NewEntry] | None = None,
    ) -> None:
        self.repo = repo
        self._questions = questions
        self._answers = answers
        self.max_terms = max_terms
        self._starter = tuple(load_starter() if starter is None else starter)
        #: Servers known to have their starter words (memory only: saves a read on every look-up).
        self._started: set[int] = set()

    async def _ready(self, guild_id: int) -> None:
        """Give the server its starter words the first time its glossary is used."""
        if guild_id in self._started:
            return
        if not await self.repo.is_started(guild_id):
            await self.repo.start(guild_id, self._starter, utcnow())
        self._started.add(guild_id)

    # -- reading ----------------------------------------------------------------------------------

    async def entries(self, guild_id: int) -> list[GlossaryEntry]:
        """Every word, alphabetically."""
        await self._ready(guild_id)
        return await self.repo.all(guild_id)

    async def look_up(self, guild_id: int, term: str) -> GlossaryEntry | None:
        """The entry for ``term`` (case and spacing do not matter), counted as read; ``None`` if there is none."""
        await self._ready(guild_id)
        entry = await self.repo.by_key(guild_id, term_key(term))
        if entry is not None:
            await self.repo.count_lookup(guild_id, entry.number)
        return entry

    async def read(self, guild_id: int, number: int) -> GlossaryEntry:
        """Word ``number`` (a button in the welcome), counted as read."""
        entry = await self.repo.get(guild_id, number)
        await self.repo.count_lookup(guild_id, entry.number)
        return entry

    async def suggest(self, guild_id: int, typed: str) -> list[str]:
        """Terms for the autocomplete of ``/glossary``: at most 25, those starting with what was typed first."""
        await self._ready(guild_id)
        return matches(typed, [e.term for e in await self.repo.all(guild_id)], CHOICES)

    async def most_read(self, guild_id: int, limit: int) -> list[GlossaryEntry]:
        """The words people look up most (the welcome's "words you will hear")."""
        await self._ready(guild_id)
        return await self.repo.most_read(guild_id, limit)

    async def explained_between(self, guild_id: int, start: datetime, end: datetime) -> list[GlossaryEntry]:
        """Words added or changed in the window: "explained at the meeting" in its recap."""
        return await self.repo.changed_between(guild_id, start, end)

    # -- writing (facilitators) -------------------------------------------------------------------

    async def add(
        self, guild_id: int, term: str, meaning: str, writer: int, *, question_number: int | None = None
    ) -> Written:
        """Add a new word; refused in one sentence if it is invalid, already there, or the glossary is full."""
        await self._ready(guild_id)
        clean = clean_term(term)
        text = clean_meaning(meaning)
        if await self.repo.count(guild_id) >= self.max_terms:
            raise UserError(
                f"Nothing was saved: the glossary already holds {self.max_terms:,} words, the most it can keep, "
                "so please remove one first."
            )
        entry = await self.repo.add(
            guild_id, NewEntry(clean, term_key(clean), text), writer, utcnow(), question_number=question_number
        )
        if entry is None:
            raise UserError(
                f"Nothing was saved: {_quoted(clean)} is already in the glossary, so press Change to edit its meaning."
            )
        return Written(entry, measure(text))

    async def change(self, guild_id: int, number: int | None, term: str, meaning: str, writer: int) -> Written:
        """Rewrite a word's meaning (and its spelling, when the form was opened from that word).

        ``number`` is the word the form was opened from; without one, the typed term says which word.
        """
        await self._ready(guild_id)
        clean = clean_term(term)
        text = clean_meaning(meaning)
        if number is None:
            found = await self.repo.by_key(guild_id, term_key(clean))
            if found is None:
                raise NotFoundError(
                    f"Nothing was saved: {_quoted(clean)} is not in the glossary yet, so press Add a term for a "
                    "new word."
                )
            number = found.number
        entry = await self.repo.change(guild_id, number, NewEntry(clean, term_key(clean), text), writer, utcnow())
        if entry is None:
            raise UserError(f"Nothing was saved: another entry is already called {_quoted(clean)}.")
        return Written(entry, measure(text))

    async def remove(self, guild_id: int, term: str) -> GlossaryEntry:
        """Remove the word typed; refused in one sentence if there is no such word."""
        await self._ready(guild_id)
        clean = clean_term(term)
        removed = await self.repo.remove(guild_id, term_key(clean))
        if removed is None:
            raise NotFoundError(f"Nothing was removed: {_quoted(clean)} is not in the glossary.")
        return removed

    async def add_from_answer(self, guild_id: int, number: int, writer: int) -> Written:
        """One press: the word asked about with ``/explain`` as question ``#number``, with its written
        answer as the meaning."""
        question = await self._questions.by_number(guild_id, number)
        if question.kind != "explain" or question.status not in ("open", "answered") or not question.text:
            raise UserError("Nothing was saved: only a word someone asked about with /explain can go in the glossary.")
        answer = await self._answers.get(guild_id, number)
        if answer is None:
            raise UserError("Nothing was saved: please write an answer first, because it becomes the meaning.")
        if len(tidy(question.text, one_line=True)) > TERM_MAX:
            raise UserError(
                f"Nothing was saved: Question #{number} is too long to be one glossary word, so use Add a term in "
                "/glossary to write a shorter one."
            )
        return await self.add(guild_id, question.text, answer, writer, question_number=number)
