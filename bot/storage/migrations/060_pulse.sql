-- The anonymous check-in after a meeting (/pulse). Numbered per server (#N); at most one per
-- meeting held with /meeting start (session_id), none for a meeting held without it.
CREATE TABLE pulses (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    session_id  INTEGER REFERENCES meeting_sessions (id) ON DELETE SET NULL,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_at   TEXT NOT NULL,     -- ISO 8601, UTC
    closes_at   TEXT NOT NULL,
    closed_at   TEXT,
    invited     INTEGER NOT NULL,  -- how many people were asked
    opened_by   INTEGER NOT NULL,
    UNIQUE (guild_id, number)
);

CREATE UNIQUE INDEX pulses_one_per_meeting ON pulses (session_id) WHERE session_id IS NOT NULL;

-- Who was asked, only while the check-in is open (deleted when it closes): the people who may
-- answer. Nothing here says whether they answered.
CREATE TABLE pulse_invitees (
    pulse_id INTEGER NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (pulse_id, user_id)
);

-- The answers: no member id, no time of their own, and a random 16-byte key in a WITHOUT ROWID
-- table, so neither a rowid nor the key's order follows the order of answering (see
-- bot/pulse/service.py for how the writes themselves are batched and shuffled).
CREATE TABLE pulse_answers (
    id         BLOB PRIMARY KEY,
    pulse_id   INTEGER NOT NULL REFERENCES pulses (id) ON DELETE CASCADE,
    felt_able  INTEGER NOT NULL CHECK (felt_able BETWEEN 1 AND 5),
    understood INTEGER NOT NULL CHECK (understood BETWEEN 1 AND 5),
    good_use   INTEGER NOT NULL CHECK (good_use BETWEEN 1 AND 5),
    role       TEXT,               -- only if the member chose to share it
    comment    TEXT                -- optional, cleaned as questions are
) WITHOUT ROWID;

CREATE INDEX pulse_answers_pulse ON pulse_answers (pulse_id);
