"""The report page, its summary and its CSV, from seeded communities (no Discord, no browser)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.report.service import build_report
from bot.storage.database import Database
from tests.reportseed import seed_community

NOW = datetime(2026, 12, 1, tzinfo=UTC)
CHARTS = {"chart-attendance", "chart-felt_able", "chart-understood", "chart-tasks", "chart-questions"}


#: Syllables of the numbers 0 to 19 said aloud ("seven" 2, "eleven" 3, "thirteen" 2 …).
_SMALL = (2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 3, 1, 2, 2, 2, 2, 3, 2, 2)


def _number_syllables(token: str) -> int:
    """A number as read aloud: "4.1" is "four point one", "26" is "twenty-six", "150" "one hundred fifty"."""
    whole, _, decimals = token.partition(".")
    n = int(whole or 0)
    if n < 20:
        count = _SMALL[n]
    elif n < 100:
        count = (3 if n // 10 == 7 else 2) + (_SMALL[n % 10] if n % 10 else 0)
    else:
        count = 3 + _number_syllables(str(n % 100)) if n % 100 else 3
    return count + (1 + sum(_SMALL[int(d)] for d in decimals) if decimals else 0)


def syllables(word: str) -> int:
    """An English syllable count good enough for a reading grade (vowel groups, silent e and -ed, numbers)."""
    word = word.lower().strip(".,;:!?()“”\"'%")
    number = re.fullmatch(r"\d+(\.\d+)?", word)
    if number:
        return _number_syllables(word)
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if count > 1 and word.endswith("e") and not word.endswith(("le", "ee")):
        count -= 1  # silent e: "came", "time"
    elif count > 1 and word.endswith("ed") and word[-3] not in "aeiouytd":
        count -= 1  # silent -ed: "asked", "answered"
    return max(count, 1)


def reading_grade(text: str) -> float:
    """Flesch–Kincaid grade level."""
    sentences = max(1, len(re.findall(r"[.!?](\s|$)", text)))
    words = text.split()
    return 0.39 * len(words) / sentences + 11.8 * sum(syllables(w) for w in words) / len(words) - 15.59


class Outline(HTMLParser):
    """Tags in order, headings with their text, and which element follows each chart's figure."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[tuple[int, str]] = []
        self._heading: int | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []

    def handle_endtag(self, tag):
        if self._heading is not None and tag == f"h{self._heading}":
            self.headings.append((self._heading, "".join(self._text).strip()))
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._text.append(data)


async def report(tmp_path: Path, *, community: str = "Knee Pain CoP", last: int = 6, **shape):
    db = Database(tmp_path / "copbot.db")
    await db.open()
    try:
        seeded = await seed_community(db, **shape)
        files = await build_report(
            db, seeded.guild_id, last=last, community=community, timezone="Europe/London", min_group=5, now=NOW
        )
    finally:
        await db.close()
    return seeded, files


async def test_the_page_is_self_contained_accessible_and_honest(tmp_path):
    seeded, files = await report(tmp_path, community='Knee <script>alert("x")</script> & Hip CoP')
    html = files.html
    page = Outline()
    page.feed(html)
    tags = [t for t, _ in page.tags]
    assert not {"script", "link", "img", "iframe", "object", "embed", "base"} & set(tags)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "url(" not in html and "@import" not in html and "@font-face" not in html
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert [h for h in page.headings if h[0] <= 2] == [
        (1, "Is our Community of Practice working?"),
        (2, "In short"),
        (2, "Who comes?"),
        (2, "Is the room equal?"),
        (2, "Do things get done?"),
        (2, "Are questions heard?"),
        (2, "How these figures are made"),
    ]
    svgs = [a for t, a in page.tags if t == "svg"]
    assert {a["id"] for a in svgs} == CHARTS
    for attrs in svgs:
        assert attrs["role"] == "img"
        assert attrs["aria-labelledby"] == f"{attrs['id']}-title" and attrs["aria-describedby"] == f"{attrs['id']}-desc"
        assert f'<title id="{attrs["id"]}-title">' in html and f'<desc id="{attrs["id"]}-desc">' in html
        # The chart's numbers are in a table right after it.
        after = tags[tags.index("svg", [a for _, a in page.tags].index(attrs)) :]
        assert after.index("table") < (after.index("svg", 1) if "svg" in after[1:] else len(after))
    tables = [a for t, a in page.tags if t == "table"]
    assert len(tables) >= 7
    assert html.count("<caption>") == len(tables)
    assert 'scope="col"' in html and 'scope="row"' in html
    assert "@media print" in html
    # Honest numbers: every table says over how many meetings.
    assert html.count("over 6 meetings") >= 5
    assert len(files.html.encode()) < 200_000
    for uid in seeded.member_ids:
        assert str(uid) not in html and str(uid) not in files.csv


async def test_a_chart_with_too_few_points_says_so_instead(tmp_path):
    _, files = await report(tmp_path, meetings=2, members=12, tasks=6)
    html = files.html
    assert "<svg" not in html
    assert html.count("Only 2 meetings so far: too few to show a trend") == 3
    assert "too few to show a trend" in html.split('id="room"')[1].split('id="tasks"')[0]
    assert "the last 2 meetings" in html and "You asked for 6; these are all there are." in html


@pytest.mark.parametrize("seed", range(8))
async def test_the_summary_is_four_or_five_plain_sentences(tmp_path, seed):
    _, files = await report(tmp_path, seed=seed, meetings=3 + seed, members=10 + 5 * seed, tasks=4 * seed)
    summary = files.html.split('<div class="summary">')[1].split("</div>")[0]
    sentences = [re.sub(r"<[^>]+>", "", s) for s in re.findall(r"<p>(.*?)</p>", summary)]
    assert 4 <= len(sentences) <= 5
    text = " ".join(sentences)
    assert reading_grade(text) <= 6.0, (reading_grade(text), text)
    assert not re.search(r"\b(KPI|metric|cohort|engagement|stakeholder|attendance rate)\b", text, re.IGNORECASE)


async def test_the_csv_holds_the_page_figures_and_no_hidden_group(tmp_path):
    _, files = await report(tmp_path, meetings=10, members=40, tasks=80, last=10)
    rows = list(csv.DictReader(io.StringIO(files.csv)))
    assert list(rows[0]) == ["section", "meeting", "date", "figure", "group", "value", "out_of", "unit"]
    assert {r["section"] for r in rows} == {"attendance", "check-in", "tasks", "questions"}
    for r in rows:
        if r["section"] == "check-in" and r["figure"].startswith("average"):
            assert int(r["out_of"]) >= 5
    f = files.figures
    people = {r["meeting"]: r["value"] for r in rows if r["figure"] == "people" and r["group"] == "Everyone"}
    assert people == {str(row.meeting.number): str(row.total) for row in f.attendance.rows}
    for row in f.tasks.rows:
        assert f'<th scope="row">#{row.meeting.number}</th><td>{row.agreed}</td>' in files.html


async def test_a_span_out_of_range_and_a_server_without_meetings_are_one_sentence(tmp_path):
    from bot.errors import UserError

    db = Database(tmp_path / "copbot.db")
    await db.open()
    try:
        for last, words in ((0, "between 1 and 50"), (51, "between 1 and 50"), (6, "nothing to report")):
            with pytest.raises(UserError, match=words):
                await build_report(db, 1, last=last, community="c", timezone="UTC", min_group=5, now=NOW)
    finally:
        await db.close()
