"""One copbot "process" for the two-process reminder tests: ``python -m tests.reminder_process DIR NAME``.

A real bot from ``create_bot()`` under its own SimCord environment, on the database named by
``COPBOT_DB``. It builds the test server (same order in every process, so the same simulated ids),
writes the ids to ``DIR/NAME.ids``, waits for ``DIR/go`` (the test fills the outbox in between),
runs its reminder job (what its own scheduler's job runs) until the outbox is empty, and appends a
line for every reminder DM it sends to ``DIR/NAME.sent`` as the DM goes out: the task number, the
message's nonce and the wall-clock time. With ``COPBOT_TEST_CRASH_AFTER=N`` it kills itself
(``os._exit``, like ``kill -9``) right after its N+1th DM: that DM, and the others sent since the
sweep last recorded its sends, are sent but not recorded.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

import simcord

import bot.reminders.service as reminder_service
from bot import create_bot

MEMBERS = 100
#: A reminder names its task by its description ("Task 12"), as members read it (no number: issue 25).
TASK_NUMBER = re.compile(r"“Task (\d+)”")


def build_server(env) -> tuple[int, list[int]]:
    guild = env.create_guild("Shared CoP")
    guild.create_text_channel("meeting")
    members = [guild.add_member(env.create_user(f"member{i:03d}")) for i in range(MEMBERS)]
    return guild.id, [m.id for m in members]


async def prune_cancelled_timers(env) -> None:
    """Drop SimCord's records of cancelled timers every 0.1 s, as SimCord does each time it settles.

    The sweep runs outside any SimCord action, so nothing settles while it sends: without this, the
    records of every cancelled timeout (one per database query and send) pile up, and SimCord's
    removal of a record as each callback runs (a list scan) made a third of the process's time.
    Same private detail as ``tests/benchmarks/bench_load.py``'s ``prune_cancelled_timers``.
    """
    while True:
        work = env._work
        work.callbacks = [r for r in work.callbacks if r.handle is not None and not r.handle.cancelled()]
        await asyncio.sleep(0.1)


async def main(folder: Path, name: str) -> None:
    if os.environ.get("COPBOT_TEST_LEASE_SECONDS"):
        reminder_service.LEASE = timedelta(seconds=float(os.environ["COPBOT_TEST_LEASE_SECONDS"]))
    crash_after = int(os.environ.get("COPBOT_TEST_CRASH_AFTER", "0")) or None
    sent_file = (folder / f"{name}.sent").open("a", encoding="utf-8")
    bot = create_bot(lock_scope=f"test-{name}")  # as two shard ranges: one lock each
    async with simcord.run(bot, settle_timeout=600, check_errors=False) as env:
        ids = build_server(env)
        delivery = bot.get_cog("TasksCog").delivery
        original_send = delivery.send_to_member
        sends = 0

        async def send_to_member(guild_id, user_id, content, **kwargs):
            nonlocal sends
            told = await original_send(guild_id, user_id, content, **kwargs)
            match = TASK_NUMBER.search(content)
            if match:
                sent_file.write(f"{match.group(1)} {kwargs.get('nonce')} {time.time():.3f}\n")
                sent_file.flush()
                sends += 1
                if crash_after is not None and sends > crash_after:
                    os._exit(9)  # dies between messages and their record
            return told

        delivery.send_to_member = send_to_member
        (folder / f"{name}.ids").write_text(json.dumps(ids), encoding="utf-8")
        while not (folder / "go").exists():
            time.sleep(0.05)
        pruning = asyncio.create_task(prune_cancelled_timers(env))
        for _ in range(120):
            await bot.tasks.reminders.run()
            row = await bot.db.fetchone("SELECT COUNT(*) FROM reminders WHERE sent_at IS NULL")
            if int(row[0]) == 0:
                break
            time.sleep(0.5)  # the other process holds rows (or held them, until its leases end)
        pruning.cancel()
        bot.tasks.stop()
    await bot.release()
    sent_file.close()
    (folder / f"{name}.done").write_text("ok", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
