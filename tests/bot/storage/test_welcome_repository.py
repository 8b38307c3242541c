"""The welcome's rows on both backends: claimed once, the furthest step kept, one Start here post per server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.welcome import WelcomeRepository

GUILD = 1_234_567_890_123_456_789
PAT = 987_654_321_098_765_432
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_a_member_is_claimed_once(database) -> None:
    repo = WelcomeRepository(database)
    assert await repo.claim(GUILD, PAT, "dm", NOW)
    assert not await repo.claim(GUILD, PAT, "dm", NOW + timedelta(days=3))
    assert await repo.claim(GUILD + 1, PAT, "dm", NOW)  # another server is another welcome
    await repo.set_via(GUILD, PAT, "channel")
    progress = await repo.get(GUILD, PAT)
    assert progress is not None and (progress.step, progress.sent_via, progress.started_at) == (1, "channel", NOW)


async def test_the_furthest_step_is_kept_and_finishing_is_recorded(database) -> None:
    repo = WelcomeRepository(database)
    await repo.reached(GUILD, PAT, 3, "command", NOW)
    await repo.reached(GUILD, PAT, 2, "command", NOW + timedelta(minutes=1))
    progress = await repo.get(GUILD, PAT)
    assert progress is not None and progress.step == 3 and progress.finished_at is None
    await repo.finished(GUILD, PAT, NOW + timedelta(minutes=2))
    await repo.finished(GUILD, PAT, NOW + timedelta(minutes=9))
    progress = await repo.get(GUILD, PAT)
    assert progress is not None and progress.step == 5 and progress.finished_at == NOW + timedelta(minutes=2)
    assert await repo.get(GUILD, PAT + 1) is None


async def test_one_start_here_post_per_server_and_a_fresh_one_is_shared(database) -> None:
    repo = WelcomeRepository(database)
    fresh = timedelta(hours=1)
    assert await repo.start_here_post(GUILD) is None
    assert await repo.claim_start_here(GUILD, 11, NOW, NOW - fresh) == (True, None)
    assert await repo.claim_start_here(GUILD, 11, NOW, NOW - fresh) == (False, None)  # joined together: one post
    await repo.set_start_here_message(GUILD, 111)
    later = NOW + timedelta(minutes=30)
    assert await repo.claim_start_here(GUILD, 11, later, later - fresh) == (False, None)  # still fresh
    later = NOW + timedelta(hours=2)
    taken, old = await repo.claim_start_here(GUILD, 12, later, later - fresh)
    assert taken and old is not None and (old.channel_id, old.message_id, old.posted_at) == (11, 111, NOW)
    await repo.set_start_here_message(GUILD, 222)
    post = await repo.start_here_post(GUILD)
    assert post is not None and (post.channel_id, post.message_id, post.posted_at) == (12, 222, later)
