-- PostgreSQL spelling of 001_foundation.sql: 64-bit integers (Discord ids do not fit in INTEGER), identity
-- columns for row ids, BYTEA for bytes. Keep the two files in step.
-- Per-server settings chosen with /settings update. One row per server; NULL means "not set".
CREATE TABLE guild_settings (
    guild_id             BIGINT PRIMARY KEY,
    facilitator_role_id  BIGINT,
    meeting_channel_id   BIGINT,
    questions_channel_id BIGINT,
    facilitator_channel_id BIGINT,
    main_voice_id        BIGINT,
    timezone             TEXT,
    moderation           BIGINT NOT NULL DEFAULT 0 CHECK (moderation IN (0, 1)),
    updated_at           TEXT NOT NULL
);

-- A member's stakeholder role in one server, chosen with /profile or set by a facilitator.
CREATE TABLE member_profiles (
    guild_id   BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    role       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE INDEX member_profiles_role ON member_profiles (guild_id, role);
