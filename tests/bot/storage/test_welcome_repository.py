"""The welcome's one table on both backends: one Start here post per server, shared while it is fresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.welcome import WelcomeRepository

GUILD = 1_234_567_890_123_456_789
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


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
    assert await repo.start_here_post(GUILD + 1) is None
