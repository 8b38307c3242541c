"""The personal-detail guard: each kind is found, ordinary numbers never are (examples and properties)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from bot.privacy.personal_info import (
    DATE_OF_BIRTH,
    EMAIL_ADDRESS,
    NHS_NUMBER,
    PHONE_NUMBER,
    POSTCODE,
    find_personal_detail,
    nhs_number_is_valid,
)
from bot.questions.text import clean_question


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("My NHS number is 943 476 5919, can you check?", NHS_NUMBER),
        ("9434765919", NHS_NUMBER),
        ("nhs no 943-476-5919", NHS_NUMBER),
        ("Ring me on 07700 900123 please", PHONE_NUMBER),
        ("my mobile: +44 7700 900123", PHONE_NUMBER),
        ("+44 (0)20 7946 0018", PHONE_NUMBER),
        ("(020) 7946 0018 is the surgery", PHONE_NUMBER),
        ("01632 960001", PHONE_NUMBER),
        ("0800-123-4567", PHONE_NUMBER),
        ("email sam.jones+cop@example.co.uk for the slides", EMAIL_ADDRESS),
        ("I live at SW1A 1AA", POSTCODE),
        ("near ls6 2qe in Leeds", POSTCODE),
        ("M11AE", POSTCODE),
        ("I was born 3/4/1961 and still have knee pain", DATE_OF_BIRTH),
        ("DOB: 03.04.61", DATE_OF_BIRTH),
        ("my date of birth is 3 April 1961", DATE_OF_BIRTH),
        ("born on the 3rd of April 1961", DATE_OF_BIRTH),
        ("D.O.B. 1961-04-03", DATE_OF_BIRTH),
    ],
)
def test_each_kind_of_detail_is_found(text: str, kind) -> None:
    assert find_personal_detail(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "In 2026 we had 12 sessions",
        "Question 3: what about the 2nd floor?",
        "Is B12 3rd most common?",
        "Meet at M1 9am?",
        "The 2019-2020 report said 45% improved",
        "Call 111 or 999 in an emergency",
        "I was born in 1961",
        "What does DOB mean on the form?",
        "£1,234,567.89 for 1,000,000 patients",
        "ISBN 978-0-306-40615-7",
        "We saw 1234567890 people",  # ten digits, but not a valid NHS number
        "Meeting at 10:30 on 3/4/2026",
        "Why is @everyone in the leaflet?",
        "Q3 2nd wave figures",
    ],
)
def test_ordinary_text_is_not_flagged(text: str) -> None:
    assert find_personal_detail(text) is None


def test_modulus_11() -> None:
    assert nhs_number_is_valid("9434765919")
    assert not nhs_number_is_valid("9434765918")
    assert not nhs_number_is_valid("943476591")


def test_clean_question_refuses_with_the_kind_named() -> None:
    with pytest.raises(UserError) as refused:
        clean_question("Please call 07700 900123", 1000)
    assert "a phone number" in refused.value.message and "Nothing was posted or saved" in refused.value.message
    assert "07700" not in refused.value.message


# -- properties ---------------------------------------------------------------------------------

WORDS = [
    "what",
    "how",
    "why",
    "when",
    "does",
    "the",
    "a",
    "our",
    "group",
    "care",
    "pathway",
    "knee",
    "pain",
    "GP",
    "clinic",
    "meeting",
    "session",
    "week",
    "month",
    "year",
    "question",
    "slide",
    "report",
    "patients",
    "carers",
    "leaflet",
    "number",
    "page",
    "item",
    "step",
    "plan",
    "audit",
    "waiting",
    "list",
    "referral",
]


def _ordinary_number(rnd: random.Random) -> str:
    choice = rnd.randrange(9)
    if choice == 0:
        return str(rnd.randrange(1900, 2100))  # a year
    if choice == 1:
        return f"{rnd.randrange(1, 60)} sessions"
    if choice == 2:
        return f"question {rnd.randrange(1, 300)}"
    if choice == 3:
        return f"{rnd.randrange(0, 24):02d}:{rnd.randrange(0, 60):02d}"
    if choice == 4:
        return f"{rnd.randrange(0, 101)}%"
    if choice == 5:
        return f"#{rnd.randrange(1, 5000)}"
    if choice == 6:
        return f"{rnd.randrange(1, 29)}/{rnd.randrange(1, 13)}/{rnd.randrange(2020, 2030)}"
    if choice == 7:
        return f"{rnd.randrange(1, 1000):,}"
    return f"page {rnd.randrange(1, 400)}"


@st.composite
def ordinary_questions(draw: st.DrawFn) -> str:
    rnd = random.Random(draw(st.integers(0, 2**32)))
    parts: list[str] = []
    for _ in range(rnd.randrange(3, 25)):
        # Numbers are separated by words, as in real questions: a run such as "03:08 1961 1905" reads
        # as one long digit string, which a phone number may be, and the guard rightly refuses it.
        number = rnd.random() < 0.3 and not (parts and any(c.isdigit() for c in parts[-1]))
        parts.append(_ordinary_number(rnd) if number else rnd.choice(WORDS))
    return " ".join(parts).capitalize() + "?"


def _nhs(rnd: random.Random) -> str:
    while True:
        digits = "".join(str(rnd.randrange(10)) for _ in range(9))
        check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            full = digits + str(check)
            return rnd.choice([full, f"{full[:3]} {full[3:6]} {full[6:]}", f"{full[:3]}-{full[3:6]}-{full[6:]}"])


def _phone(rnd: random.Random) -> str:
    rest = "".join(str(rnd.randrange(10)) for _ in range(9))
    lead = rnd.choice("1237")
    return rnd.choice(
        [
            f"0{lead}{rest}",
            f"0{lead}{rest[:3]} {rest[3:]}",
            f"+44 {lead}{rest[:3]} {rest[3:]}",
            f"(0{lead}{rest[:2]}) {rest[2:]}",
        ]
    )


def _email(rnd: random.Random) -> str:
    return f"{rnd.choice(WORDS).lower()}.{rnd.randrange(100)}@{rnd.choice(['nhs.net', 'example.org', 'mail.co.uk'])}"


def _postcode(rnd: random.Random) -> str:
    area = rnd.choice(["SW", "M", "LS", "B", "EH", "CB", "NE"])
    inward = f"{rnd.randrange(10)}{rnd.choice('ABDEFGHJLNPQRSTUWXYZ')}{rnd.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    code = f"{area}{rnd.randrange(1, 20)} {inward}"
    # Typed in lower case too, except where the ending reads like "2nd" (then only capitals count).
    ordinal = inward[1:].lower() in ("st", "nd", "rd", "th")
    return code.lower() if rnd.random() < 0.3 and not ordinal else code


def _dob(rnd: random.Random) -> str:
    d, m, y = rnd.randrange(1, 29), rnd.randrange(1, 13), rnd.randrange(1920, 2010)
    return rnd.choice([f"born {d}/{m}/{y}", f"DOB {d:02d}.{m:02d}.{y % 100:02d}", f"date of birth {d} May {y}"])


MAKERS = {
    NHS_NUMBER: _nhs,
    PHONE_NUMBER: _phone,
    EMAIL_ADDRESS: _email,
    POSTCODE: _postcode,
    DATE_OF_BIRTH: _dob,
}


@settings(max_examples=1000, deadline=None)
@given(ordinary_questions())
def test_ordinary_generated_questions_pass(text: str) -> None:
    assert find_personal_detail(text) is None, text
    assert clean_question(text, 1000) == text


@settings(max_examples=500, deadline=None)
@given(ordinary_questions(), st.sampled_from(sorted(MAKERS, key=lambda k: k.kind)), st.integers(0, 2**32))
def test_a_detail_inside_an_ordinary_question_is_always_found(text: str, kind, seed: int) -> None:
    rnd = random.Random(seed)
    words = text.split()
    words.insert(rnd.randrange(len(words) + 1), MAKERS[kind](rnd))
    question = " ".join(words)
    assert find_personal_detail(question) is not None, question
    with pytest.raises(UserError):
        clean_question(question, 1000)
