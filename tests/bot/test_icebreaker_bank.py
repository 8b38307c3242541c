"""The shipped prompt bank keeps its promises: enough prompts, stable unique ids, short, not intrusive."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.errors import UserError
from bot.icebreakers.bank import (
    SHIPPED_MAX_LENGTH,
    BankError,
    check_custom_prompt,
    load_bank,
    parse_bank,
    shipped_bank,
)

#: Topics a prompt must never touch (DESIGN: nothing intrusive). Whole words, case-insensitive.
INTRUSIVE = (
    "health|healthy|ill|illness|sick|disease|diagnosis|symptom|pain|medicine|medication|doctor|hospital|"
    "money|salary|wage|debt|income|rich|poor|afford|price|"
    "religion|religious|god|church|mosque|temple|pray|prayer|faith|belief|"
    "politics|political|vote|election|government|party|"
    "weight|diet|body|fat|thin|"
    "alcohol|beer|wine|drunk|drink|drinking|"
    "death|dead|die|died|funeral|grief|loss|lost|divorce|miscarriage"
)
_SCREEN = re.compile(rf"\b({INTRUSIVE})\b", re.IGNORECASE)


def test_shipped_bank_is_big_unique_short_and_in_known_categories() -> None:
    bank = load_bank()
    assert len(bank.prompts) >= 100
    assert len(bank.categories) >= 4
    ids = [p.key for p in bank.prompts]
    assert len(ids) == len(set(ids))
    assert len({p.text.casefold() for p in bank.prompts}) == len(bank.prompts)
    for prompt in bank.prompts:
        assert prompt.category in bank.categories, prompt
        assert 0 < len(prompt.text) <= SHIPPED_MAX_LENGTH, prompt
        assert prompt.key.startswith(prompt.category + "-"), prompt
    assert [p.number for p in bank.prompts] == list(range(1, len(bank.prompts) + 1))
    for key in bank.categories:
        assert sum(p.category == key for p in bank.prompts) >= 20, key


def test_shipped_bank_avoids_intrusive_topics() -> None:
    flagged = [(p.key, m.group(0)) for p in shipped_bank().prompts if (m := _SCREEN.search(p.text))]
    assert flagged == []


def test_the_screen_itself_catches_intrusive_words() -> None:
    assert _SCREEN.search("How is your health these days?")
    assert _SCREEN.search("What did you spend money on?")
    assert not _SCREEN.search("What is a skill you are proud of?")


def _bank_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "categories": {"light": "Light"},
        "prompts": [{"id": "light-001", "category": "light", "text": "Tea or coffee?"}],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("prompts", "fragment"),
    [
        ([{"id": "light-001", "category": "dark", "text": "Hi?"}], "unknown category"),
        ([{"id": "light-001", "category": "light", "text": "x" * 201}], "longer than 200"),
        ([{"id": "light-001", "category": "light", "text": "  "}], "no text"),
        ([{"id": "Light 1", "category": "light", "text": "Hi?"}], "id like"),
        (
            [
                {"id": "light-001", "category": "light", "text": "One?"},
                {"id": "light-001", "category": "light", "text": "Two?"},
            ],
            "repeats an id",
        ),
    ],
)
def test_broken_banks_are_refused_with_a_reason(prompts: list[dict[str, str]], fragment: str) -> None:
    with pytest.raises(BankError, match=fragment):
        parse_bank(_bank_data(prompts=prompts))


def test_missing_bank_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="does not exist"):
        load_bank(tmp_path / "nope.toml")


def test_custom_prompt_checks() -> None:
    bank = shipped_bank()
    assert check_custom_prompt(bank, "  What  made you smile? ", "Light and easy", 300) == (
        "light",
        "What made you smile?",
    )
    assert check_custom_prompt(bank, "Hi?", "creative", 300)[0] == "creative"
    with pytest.raises(UserError, match="empty"):
        check_custom_prompt(bank, "   ", "light", 300)
    with pytest.raises(UserError, match="301 characters"):
        check_custom_prompt(bank, "x" * 301, "light", 300)
    with pytest.raises(UserError, match="no icebreaker category"):
        check_custom_prompt(bank, "Hi?", "gossip", 300)
