-- PostgreSQL spelling of 033_question_answers.sql: 64-bit integers (Discord ids do not fit in INTEGER), identity
-- columns for row ids, BYTEA for bytes. Keep the two files in step.
-- Written answers to anonymous questions ("Write an answer"), shown under the question, in the
-- meeting's recap and in the export. No column for who asked or who answered.
CREATE TABLE question_answers (
    question_id BIGINT PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
    guild_id    BIGINT NOT NULL,
    text        TEXT NOT NULL,
    answered_at TEXT NOT NULL
);
