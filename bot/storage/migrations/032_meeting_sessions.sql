-- The meeting itself (/meeting start … /meeting end). Numbered per server (#N); at most one open
-- meeting per server. meeting_id links to the scheduled meeting it runs, if any.
CREATE TABLE meeting_sessions (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    number           INTEGER NOT NULL,
    meeting_id       INTEGER REFERENCES meetings (id),
    title            TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    started_at       TEXT NOT NULL,     -- ISO 8601, UTC
    ended_at         TEXT,
    started_by       INTEGER NOT NULL,
    panel_channel_id INTEGER,
    panel_message_id INTEGER,
    recap_channel_id INTEGER,
    recap_message_id INTEGER,
    UNIQUE (guild_id, number)
);

CREATE UNIQUE INDEX meeting_sessions_one_open ON meeting_sessions (guild_id) WHERE status = 'open';

-- Who was in the main voice channel during a meeting: one row per stay (join → leave).
CREATE TABLE meeting_attendance (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    session_id INTEGER NOT NULL REFERENCES meeting_sessions (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    joined_at  TEXT NOT NULL,
    left_at    TEXT
);

CREATE INDEX meeting_attendance_session ON meeting_attendance (session_id, user_id);
CREATE UNIQUE INDEX meeting_attendance_one_stay ON meeting_attendance (session_id, user_id) WHERE left_at IS NULL;

-- Members who chose /profile recaps:false: no recap DM when they miss a meeting.
CREATE TABLE recap_opt_outs (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
