-- A server's own icebreaker prompts, numbered from 1001 per server. Removed ones keep their row
-- (removed_at set) so a number is never given to a different prompt later.
CREATE TABLE icebreaker_custom_prompts (
    guild_id   INTEGER NOT NULL,
    number     INTEGER NOT NULL CHECK (number >= 1001),
    category   TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    removed_at TEXT,
    PRIMARY KEY (guild_id, number)
);

-- Shipped prompts a server's facilitators chose to hide (by the prompt's stable key, e.g. light-001).
CREATE TABLE icebreaker_hidden_prompts (
    guild_id   INTEGER NOT NULL,
    prompt_key TEXT NOT NULL,
    hidden_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, prompt_key)
);

-- The no-repeat cycle: prompts already used in the current cycle of each scope ('all' or a category).
-- Custom prompts are keyed 'custom-<number>'.
CREATE TABLE icebreaker_used_prompts (
    guild_id   INTEGER NOT NULL,
    scope      TEXT NOT NULL,
    prompt_key TEXT NOT NULL,
    used_at    TEXT NOT NULL,
    PRIMARY KEY (guild_id, scope, prompt_key)
);

-- The prompt asked last in each scope, so a new cycle never starts with the one just asked.
CREATE TABLE icebreaker_last_prompts (
    guild_id   INTEGER NOT NULL,
    scope      TEXT NOT NULL,
    prompt_key TEXT NOT NULL,
    PRIMARY KEY (guild_id, scope)
);

-- Speaking rounds. The row is the truth, so buttons and timers carry on after a restart.
CREATE TABLE icebreaker_rounds (
    round_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id         INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,
    prompt_text      TEXT NOT NULL,
    seconds          INTEGER,
    voice_channel_id INTEGER,
    phase            TEXT NOT NULL CHECK (phase IN ('joining', 'speaking', 'finished')),
    speaker_order    TEXT NOT NULL DEFAULT '[]',
    position         INTEGER NOT NULL DEFAULT 0,
    turn             INTEGER NOT NULL DEFAULT 0,
    outcomes         TEXT NOT NULL DEFAULT '[]',
    message_id       INTEGER,
    turn_message_id  INTEGER,
    deadline         TEXT,
    warned           INTEGER NOT NULL DEFAULT 0 CHECK (warned IN (0, 1)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

-- One round at a time per channel.
CREATE UNIQUE INDEX icebreaker_rounds_one_open_per_channel
    ON icebreaker_rounds (channel_id) WHERE phase != 'finished';
