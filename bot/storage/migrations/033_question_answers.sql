-- Written answers to anonymous questions ("Write an answer"), shown under the question, in the
-- meeting's recap and in the export. No column for who asked or who answered.
CREATE TABLE question_answers (
    question_id INTEGER PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL,
    text        TEXT NOT NULL,
    answered_at TEXT NOT NULL
);
