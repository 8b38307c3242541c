-- Per-server settings chosen with /settings update. One row per server; NULL means "not set".
CREATE TABLE guild_settings (
    guild_id             INTEGER PRIMARY KEY,
    facilitator_role_id  INTEGER,
    meeting_channel_id   INTEGER,
    questions_channel_id INTEGER,
    facilitator_channel_id INTEGER,
    main_voice_id        INTEGER,
    timezone             TEXT,
    moderation           INTEGER NOT NULL DEFAULT 0 CHECK (moderation IN (0, 1)),
    updated_at           TEXT NOT NULL
);

-- A member's stakeholder role in one server, chosen with /profile or set by a facilitator.
CREATE TABLE member_profiles (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    role       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE INDEX member_profiles_role ON member_profiles (guild_id, role);
