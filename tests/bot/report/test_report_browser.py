"""The report in a real browser: headless Chromium opens it offline, as a reader and a screen reader would.

Debian's ``chromium`` (``.ci/run`` installs it; without it this test is skipped locally and fails in
CI). The page must load with the network off without asking for anything but itself, log no console
error, draw every chart (each chart's area of a screenshot holds ink in several colours), expose its
headings and table headers in the accessibility tree, name each chart for a screen reader, and print
to PDF.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.report.service import build_report
from bot.storage.database import Database
from tests.browser import chart_pixels, chromium_or_skip, open_page
from tests.reportseed import seed_community

CHARTS = ("chart-attendance", "chart-felt_able", "chart-understood", "chart-tasks", "chart-questions")


async def test_chromium_shows_every_chart_and_reads_the_headings_and_table_headers_offline(tmp_path):
    chromium_or_skip()
    db = Database(tmp_path / "copbot.db")
    await db.open()
    try:
        seeded = await seed_community(db, meetings=8, members=30, tasks=60)
        files = await build_report(
            db,
            seeded.guild_id,
            last=6,
            community="Knee Pain CoP",
            timezone="Europe/London",
            min_group=5,
            now=datetime(2026, 9, 1, tzinfo=UTC),
        )
    finally:
        await db.close()
    path = tmp_path / files.html_name
    path.write_text(files.html, encoding="utf-8")

    view = await asyncio.to_thread(open_page, path)

    assert view.errors == [] and view.console == []
    assert view.requests == [path.resolve().as_uri()], "the page must ask for nothing but itself"
    assert view.headings[0] == (1, "Is our Community of Practice working?")
    assert [h for h in view.headings if h[0] == 2] == [
        (2, "In short"),
        (2, "Who comes?"),
        (2, "Is the room equal?"),
        (2, "Do things get done?"),
        (2, "Are questions heard?"),
        (2, "How these figures are made"),
    ]
    assert (3, "“I felt able to say what I thought”") in view.headings
    for header in (
        "Meeting",
        "Patient or public",
        "Total",
        "New faces",
        "Tasks agreed",
        "Done by the next meeting",
        "Answered on the day",
        "Carried forward",
        "Group",
        "Answers",
    ):
        assert header in view.column_headers, header
    assert {"#3", "#8"} <= set(view.row_headers)
    assert view.tables >= 7
    assert view.images[:1] == ["People who came to each meeting, by role"]
    assert len(view.images) == len(CHARTS) and all(view.images)
    assert set(view.boxes) == set(CHARTS)
    for chart in CHARTS:
        _, _, width, height = view.boxes[chart]
        assert width > 300 and height > 150, (chart, view.boxes[chart])
        inked, colours = chart_pixels(view.screenshot, view.boxes[chart])
        assert inked > 0.02 * width * height and colours >= 4, (chart, inked, colours)
    assert view.pdf.startswith(b"%PDF") and view.pdf.count(b"/Type /Page") >= 3
