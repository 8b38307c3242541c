"""Settings and the work that must be saved with them (re-planning reminders) share one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.database import Database
from bot.storage.settings import SettingsRepository


async def test_a_failure_in_the_same_transaction_saves_nothing(tmp_path: Path) -> None:
    db = Database(tmp_path / "copbot.db")
    await db.open()
    try:
        settings = SettingsRepository(db)
        await settings.update(1, timezone="Europe/London")
        seen = []

        async def fails(tx, before, after):
            seen.append((before.timezone, after.timezone))
            raise RuntimeError("re-planning failed")

        with pytest.raises(RuntimeError):
            await settings.update(1, also=fails, timezone="America/New_York")
        assert seen == [("Europe/London", "America/New_York")]
        assert (await settings.get(1)).timezone == "Europe/London"
    finally:
        await db.close()
