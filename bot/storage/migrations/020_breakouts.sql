-- Pairs of members a facilitator asked never to put in the same breakout group. user_a < user_b.
CREATE TABLE breakout_keep_apart (
    guild_id   INTEGER NOT NULL,
    user_a     INTEGER NOT NULL,
    user_b     INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_a, user_b),
    CHECK (user_a < user_b)
);

-- One breakout session: a plan, then the rooms made for it. The row is the truth, so the rooms can be
-- closed after a restart. groups_json: [[{"id": 1, "role": "gp", "facilitator": false}, ...], ...].
CREATE TABLE breakout_sessions (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    status            TEXT NOT NULL
                      CHECK (status IN ('planned', 'opening', 'open', 'closing', 'closed', 'cancelled')),
    size              INTEGER NOT NULL,
    seed              INTEGER NOT NULL,
    groups_json       TEXT NOT NULL,
    summary           TEXT NOT NULL DEFAULT '',
    source_channel_id INTEGER,
    category_id       INTEGER,
    channel_ids_json  TEXT NOT NULL DEFAULT '[]',
    ends_at           TEXT,
    warned            INTEGER NOT NULL DEFAULT 0 CHECK (warned IN (0, 1)),
    created_by        INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    opened_at         TEXT,
    closed_at         TEXT
);

-- At most one session per server may have rooms (opening, open or closing) at a time.
CREATE UNIQUE INDEX breakout_sessions_one_live ON breakout_sessions (guild_id)
    WHERE status IN ('opening', 'open', 'closing');
CREATE INDEX breakout_sessions_guild_status ON breakout_sessions (guild_id, status);

-- Who was in a group with whom, one row per closed session; the planner reads the most recent ones.
-- groups_json: [[user_id, ...], ...].
CREATE TABLE breakout_meetings (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    session_id  INTEGER NOT NULL REFERENCES breakout_sessions (id),
    groups_json TEXT NOT NULL,
    held_at     TEXT NOT NULL
);

CREATE INDEX breakout_meetings_guild ON breakout_meetings (guild_id, id);
