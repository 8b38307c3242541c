-- PostgreSQL spelling of 100_welcome.sql: 64-bit integers (Discord ids do not fit in INTEGER). Keep the
-- two files in step.
-- The welcome new members get by direct message, one step at a time (issue 30).
-- Facilitators can turn it off for their server (/settings update welcome).
ALTER TABLE guild_settings ADD COLUMN welcome BIGINT NOT NULL DEFAULT 1 CHECK (welcome IN (0, 1));

-- The one "Start here" post in a server's meeting channel, for newcomers whose direct messages are
-- closed. It names nobody; a newer one replaces it, so the channel holds at most one. (copbot keeps
-- nothing about who was welcomed: the welcome message in a member's own direct messages is its memory.)
CREATE TABLE welcome_posts (
    guild_id   BIGINT PRIMARY KEY,
    channel_id BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    posted_at  TEXT NOT NULL
);
