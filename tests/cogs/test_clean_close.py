"""Closing the bot (what SIGTERM does in ``copbot run``) unloads cogs, stops timers, saves one file."""

from __future__ import annotations

import sqlite3


async def test_close_unloads_cogs_stops_the_scheduler_and_folds_the_log_into_the_database(
    simcord_env, community, db_path
):
    await community.configure()
    bot = simcord_env.bot
    assert bot.cogs and bot.scheduler.running
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the settings write sits in the write-ahead log

    await bot.close()

    assert not bot.cogs
    assert not bot.scheduler.running
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM guild_settings").fetchone()[0] == 1
