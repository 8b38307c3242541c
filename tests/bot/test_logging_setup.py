"""No library logger writes a statement's parameters, at any level (issue 27).

With ``COPBOT_LOG_LEVEL=DEBUG`` aiosqlite logged every ``INSERT INTO question_votes`` with its
fingerprint, which a memory dump could then tie to a member. Every library logger copbot configures is
capped at INFO (APScheduler at WARNING), even if something sets it to DEBUG later, and a logger one of
them creates later is capped too.
"""

from __future__ import annotations

import logging

import aiosqlite
import pytest

from bot.logging_setup import LIBRARY_FLOORS, cap_library_loggers


@pytest.fixture
def capture(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    cap_library_loggers(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    for name in (*LIBRARY_FLOORS, "bot"):
        caplog.set_level(logging.DEBUG, logger=name)  # the worst an operator could do
    return caplog


async def test_a_statement_s_parameters_are_never_logged(tmp_path, capture):
    secret = b"\x8f" * 16 + b"fingerprint-xyz!"
    async with aiosqlite.connect(tmp_path / "x.db") as conn:
        await conn.execute("CREATE TABLE votes (voter_hash BLOB)")
        await conn.execute("INSERT INTO votes VALUES (?)", (secret,))
        await conn.commit()
    logging.getLogger("bot.tests").debug("copbot's own DEBUG lines still come through")
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in capture.records)
    assert "copbot's own DEBUG lines" in text
    assert "fingerprint-xyz" not in text and "INSERT INTO votes" not in text
    assert not [r for r in capture.records if r.name.startswith("aiosqlite")]


def test_loggers_made_later_under_a_library_are_capped_too(capture):
    for prefix, floor in LIBRARY_FLOORS.items():
        late = logging.getLogger(f"{prefix}.made_later_for_this_test")
        late.setLevel(logging.DEBUG)
        late.debug("a statement with %s", "parameters")
        late.log(floor, "allowed at the floor")
    messages = [r.getMessage() for r in capture.records]
    assert "a statement with parameters" not in messages
    assert messages.count("allowed at the floor") == len(LIBRARY_FLOORS)
