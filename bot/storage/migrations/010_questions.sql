-- Anonymous questions. By design there is NO column for who asked: the asker's identity never
-- reaches the database (see bot/questions/anonymity.py). Votes are stored only as keyed hashes.
CREATE TABLE questions (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    number INTEGER,                      -- "#N" per server, given when the question is posted
    kind TEXT NOT NULL CHECK (kind IN ('question', 'explain')),
    text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'open', 'answered', 'removed', 'rejected')),
    channel_id INTEGER,                  -- where the public post is
    message_id INTEGER,
    review_channel_id INTEGER,           -- where the moderation message is (facilitator channel)
    review_message_id INTEGER,
    created_at TEXT NOT NULL,
    answered_at TEXT
);

CREATE UNIQUE INDEX questions_guild_number ON questions (guild_id, number);

CREATE INDEX questions_guild_status ON questions (guild_id, status);

CREATE TABLE question_votes (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    voter_hash BLOB NOT NULL,
    PRIMARY KEY (question_id, voter_hash)
) WITHOUT ROWID;
