"""The glossary without Discord: what may be written, refusals that change nothing, and reading (both backends)."""

from __future__ import annotations

import pytest
import textstat

from bot.errors import UserError
from bot.glossary.rules import MEANING_MAX, TERM_MAX, clean_meaning, clean_term, matches, term_key
from bot.glossary.service import GlossaryService, load_starter
from bot.storage.glossary import GlossaryRepository
from bot.storage.question_answers import QuestionAnswerRepository
from bot.storage.questions import QuestionRepository

GUILD = 1_234_567_890_123_456_789
FRAN = 987_654_321_098_765_432


def service(db, *, max_terms: int = 300, starter=None) -> GlossaryService:
    return GlossaryService(
        GlossaryRepository(db),
        QuestionRepository(db),
        QuestionAnswerRepository(db),
        max_terms=max_terms,
        starter=starter,
    )


@pytest.mark.parametrize(
    ("raw", "sentence"),
    [
        ("   ", "Nothing was saved: the word can't be empty."),
        ("x" * (TERM_MAX + 1), f"Nothing was saved: the word can be at most {TERM_MAX} characters, and this is 61."),
        ("hello @everyone", "please take out @everyone, @here"),
        ("@HERE", "please take out @everyone, @here"),
        ("ask <@123456789>", "mentions of people, roles or channels"),
        ("<@&42> team", "mentions of people, roles or channels"),
        ("[NICE](https://evil.example)", "please write a link out in full"),
        ("[nice]( <https://evil.example> )", "please write a link out in full"),
    ],
)
def test_bad_terms_are_refused_in_one_sentence(raw: str, sentence: str) -> None:
    with pytest.raises(UserError) as refused:
        clean_term(raw)
    message = refused.value.message
    assert sentence in message and message.startswith("Nothing was saved:") and message.count(". ") == 0


def test_terms_and_meanings_are_tidied_but_kept_as_typed() -> None:
    assert clean_term("  Care \n  pathway\u200b ") == "Care pathway"
    assert clean_meaning("Line one.\r\n\r\n\r\n  Line   two. ") == "Line one.\n\nLine two."
    assert clean_meaning("See https://www.nhs.uk for more.") == "See https://www.nhs.uk for more."
    assert term_key(" CoP ") == term_key("cop") == "cop"
    with pytest.raises(UserError):
        clean_meaning("x" * (MEANING_MAX + 1))


def test_autocomplete_puts_words_that_start_with_the_text_first_and_stops_at_the_limit() -> None:
    terms = ["Pathway", "Care pathway", "Patient", "PPI", "Outcome"]
    assert matches("pat", terms, 25) == ["Pathway", "Patient", "Care pathway"]
    assert matches("", terms, 2) == ["Care pathway", "Outcome"]
    assert len(matches("", [f"w{i}" for i in range(40)], 25)) == 25


def test_the_starter_words_are_short_and_plain() -> None:
    starter = load_starter()
    assert len(starter) >= 12
    for entry in starter:
        assert textstat.lexicon_count(entry.meaning) <= 40, entry.term
        assert textstat.flesch_kincaid_grade(entry.meaning) <= 6, entry.term


async def test_a_server_starts_with_the_starter_words_once(database) -> None:
    glossary = service(database)
    first = await glossary.entries(GUILD)
    assert [e.term for e in first] == sorted((e.term for e in load_starter()), key=str.casefold)
    assert all(e.written_by == 0 for e in first)
    for entry in first:
        await glossary.remove(GUILD, entry.term)
    again = service(database)  # a restart: the memory of started servers is gone, the row is not
    assert await again.entries(GUILD) == []


async def test_add_change_remove_and_the_refusals_change_nothing(database) -> None:
    glossary = service(database, starter=())
    written = await glossary.add(GUILD, "Triage", "Deciding who needs care first.", FRAN)
    assert written.entry.term == "Triage" and written.entry.written_by == FRAN and written.reading.words == 5
    with pytest.raises(UserError, match="“TRIAGE” is already in the glossary, so press Change"):
        await glossary.add(GUILD, " TRIAGE ", "Something else.", FRAN)
    with pytest.raises(UserError, match="not in the glossary yet, so press Add a term"):
        await glossary.change(GUILD, None, "Nope", "Meaning.", FRAN)
    await glossary.add(GUILD, "Audit", "Checking care against a standard.", FRAN)
    with pytest.raises(UserError, match="another entry is already called “audit”"):
        await glossary.change(GUILD, written.entry.number, "audit", "Clash.", FRAN)
    renamed = await glossary.change(
        GUILD, written.entry.number, "Triage nurse", "A nurse who decides who goes first.", 7
    )
    assert renamed.entry.number == written.entry.number and renamed.entry.written_by == 7
    assert [(e.term, e.meaning) for e in await glossary.entries(GUILD)] == [
        ("Audit", "Checking care against a standard."),
        ("Triage nurse", "A nurse who decides who goes first."),
    ]
    with pytest.raises(UserError, match="Nothing was removed: “Triage” is not in the glossary"):
        await glossary.remove(GUILD, "Triage")
    assert (await glossary.remove(GUILD, "triage NURSE")).term == "Triage nurse"
    assert [e.term for e in await glossary.entries(GUILD)] == ["Audit"]


async def test_words_are_numbered_per_server_and_a_number_is_never_given_twice(database) -> None:
    glossary = service(database)
    starter = await glossary.entries(GUILD)
    assert sorted(e.number for e in starter) == list(range(1, len(starter) + 1))
    first = await glossary.add(GUILD, "Triage", "Deciding who needs care first.", FRAN)
    assert first.entry.number == len(starter) + 1
    await glossary.remove(GUILD, "Triage")
    again = await glossary.add(GUILD, "Triage", "Deciding who needs care first.", FRAN)
    assert again.entry.number == len(starter) + 2  # the removed word's number is not reused
    other = await service(database).add(GUILD + 1, "Audit", "Checking care.", FRAN)
    assert other.entry.number == len(starter) + 1  # another server counts on its own
    assert (await glossary.read(GUILD, again.entry.number)).term == "Triage"


async def test_a_full_glossary_refuses_a_new_word(database) -> None:
    glossary = service(database, max_terms=2, starter=())
    await glossary.add(GUILD, "One", "The first.", FRAN)
    await glossary.add(GUILD, "Two", "The second.", FRAN)
    with pytest.raises(UserError, match="already holds 2 words, the most it can keep"):
        await glossary.add(GUILD, "Three", "The third.", FRAN)
    assert len(await glossary.entries(GUILD)) == 2


async def test_words_read_most_come_first(database) -> None:
    glossary = service(database)
    starter = [e.term for e in load_starter()]
    assert [e.term for e in await glossary.most_read(GUILD, 3)] == starter[:3]
    for _ in range(2):
        await glossary.look_up(GUILD, "nhs")
    await glossary.look_up(GUILD, "Outcome")
    assert await glossary.look_up(GUILD, "not a word") is None
    assert [e.term for e in await glossary.most_read(GUILD, 3)] == ["NHS", "Outcome", starter[0]]


async def test_an_explain_answer_becomes_a_word_with_one_call(database) -> None:
    glossary = service(database, starter=())
    questions, answers = QuestionRepository(database), QuestionAnswerRepository(database)

    async def posted(kind: str, text: str) -> int:
        question = await questions.create(GUILD, kind, text, pending=False)
        await questions.set_message(question.id, 1, question.id + 100)
        number = (await questions.get(question.id)).number
        assert number is not None
        return number

    word = await posted("explain", "Commissioning")
    plain = await posted("question", "When is the next meeting?")
    long_one = await posted("explain", "What does it mean when a service is " + "really " * 10 + "integrated?")
    with pytest.raises(UserError, match="please write an answer first"):
        await glossary.add_from_answer(GUILD, word, FRAN)
    for number in (word, plain, long_one):
        await answers.save(GUILD, number, "Planning and paying for the care an area needs.", _now())
    with pytest.raises(UserError, match="only a word someone asked about with /explain"):
        await glossary.add_from_answer(GUILD, plain, FRAN)
    with pytest.raises(UserError, match="too long to be one glossary word"):
        await glossary.add_from_answer(GUILD, long_one, FRAN)
    written = await glossary.add_from_answer(GUILD, word, FRAN)
    assert (written.entry.term, written.entry.question_number) == ("Commissioning", word)
    assert written.entry.meaning == "Planning and paying for the care an area needs."
    with pytest.raises(UserError, match="already in the glossary"):
        await glossary.add_from_answer(GUILD, word, FRAN)


def _now():
    from bot.clock import utcnow

    return utcnow()
