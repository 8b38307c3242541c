"""``copbot report``: the host writes the report offline from the database ``copbot run`` uses, on SQLite
and on PostgreSQL (the ``database_target`` fixture runs each test on both)."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from bot.cli import main
from bot.storage.backend import make_database
from tests.reportseed import seed_community

OTHER_SERVER = 4_300_000_000_000_000_001


def seed(target: str, *guilds: int, meetings: int = 8) -> None:
    async def run() -> None:
        db = make_database(target, exclusive=False)
        await db.open()
        try:
            for guild in guilds:
                await seed_community(db, guild_id=guild, meetings=meetings, members=25, tasks=40)
        finally:
            await db.close()

    asyncio.run(run())


@pytest.fixture
def target(database_target: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COPBOT_DB", database_target)
    return database_target


def test_writes_the_page_and_its_csv_from_the_bots_database(target, tmp_path, capsys):
    seed(target, 4_200_000_000_000_000_001)
    out = tmp_path / "report.html"
    assert main(["report", "--last", "4", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Wrote the report of 4 meetings (#5 to #8)" in said and str(tmp_path / "report.csv") in said
    html = out.read_text(encoding="utf-8")
    assert "<h1>Is our Community of Practice working?</h1>" in html and "our Community of Practice" in html
    rows = list(csv.DictReader(io.StringIO((tmp_path / "report.csv").read_text(encoding="utf-8"))))
    assert {r["meeting"] for r in rows if r["meeting"]} == {"5", "6", "7", "8"}
    assert main(["report", str(tmp_path / "all.html")]) == 0
    assert "6 meetings (#3 to #8)" in capsys.readouterr().out


def test_a_database_with_several_servers_asks_which(target, tmp_path, capsys):
    seed(target, 4_200_000_000_000_000_001, OTHER_SERVER)
    out = tmp_path / "r.html"
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "several servers" in err and str(OTHER_SERVER) in err and "--server" in err and not out.exists()
    assert main(["report", "--server", str(OTHER_SERVER), str(out)]) == 0 and out.exists()
    assert main(["report", "--server", "123", str(out)]) == 2
    assert "held no meeting" in capsys.readouterr().err


def test_bad_input_is_one_sentence_and_exit_2(target, tmp_path, capsys):
    seed(target)  # a database the bot has created, with no meeting held yet
    assert main(["report", str(tmp_path / "r.html")]) == 2
    assert "nothing to report" in capsys.readouterr().err
    seed(target, 4_200_000_000_000_000_001, meetings=2)
    for args, words in (
        (["--last", "0"], "between 1 and 50"),
        (["--last", "51"], "between 1 and 50"),
        (["--server", "abc"], "server id"),
    ):
        assert main(["report", *args, str(tmp_path / "r.html")]) == 2
        assert words in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing" / "r.html")]) == 2
    assert "no folder" in capsys.readouterr().err


def test_no_database_file_is_one_sentence(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COPBOT_DB", str(tmp_path / "nowhere.db"))
    assert main(["report", str(tmp_path / "r.html")]) == 2
    assert "no database" in capsys.readouterr().err and not (tmp_path / "nowhere.db").exists()
