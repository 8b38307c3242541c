"""Settings and the work that must be saved with them (re-planning reminders) share one transaction."""

from __future__ import annotations

import pytest

from bot.storage.settings import SettingsRepository


async def test_a_failure_in_the_same_transaction_saves_nothing(database) -> None:
    """On both backends (the ``database`` fixture)."""
    settings = SettingsRepository(database)
    await settings.update(1, timezone="Europe/London")
    seen = []

    async def fails(tx, before, after):
        seen.append((before.timezone, after.timezone))
        raise RuntimeError("re-planning failed")

    with pytest.raises(RuntimeError):
        await settings.update(1, also=fails, timezone="America/New_York")
    assert seen == [("Europe/London", "America/New_York")]
    assert (await settings.get(1)).timezone == "Europe/London"
