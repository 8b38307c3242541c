-- PostgreSQL spelling of 100_welcome.sql: 64-bit integers (Discord ids do not fit in INTEGER). Keep the
-- two files in step.
-- The welcome new members get by direct message, one step at a time (issue 30).
-- Facilitators can turn it off for their server (/settings update welcome).
ALTER TABLE guild_settings ADD COLUMN welcome BIGINT NOT NULL DEFAULT 1 CHECK (welcome IN (0, 1));

-- One row per member who was welcomed in a server: written before the welcome is sent, so it is never
-- sent twice (a second join event, a member who left and came back), and moved on as they press Next,
-- so /mydata can say how far they got. The steps themselves need no memory: each button carries the
-- step it leads to, so a welcome carries on after a restart.
CREATE TABLE welcome_progress (
    guild_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    step        BIGINT NOT NULL CHECK (step BETWEEN 1 AND 5),
    sent_via    TEXT NOT NULL CHECK (sent_via IN ('dm', 'channel', 'command')),
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (guild_id, user_id)
);

-- The one "Start here" post in a server's meeting channel, for newcomers whose direct messages are
-- closed. It names nobody; a newer one replaces it, so the channel holds at most one.
CREATE TABLE welcome_posts (
    guild_id   BIGINT PRIMARY KEY,
    channel_id BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    posted_at  TEXT NOT NULL
);
