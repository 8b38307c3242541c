-- PostgreSQL spelling of 011_question_public_ids.sql: 64-bit integers (Discord ids do not fit in INTEGER), identity
-- columns for row ids, BYTEA for bytes. Keep the two files in step.
-- Public ids and less kept text (issue #14).
-- review_token: a random number for the Approve/Reject buttons of a question waiting for a check,
-- so no button ever carries the row id (one counter across all servers). Posted questions'
-- buttons carry their per-server number instead.
ALTER TABLE questions ADD COLUMN review_token BIGINT;

CREATE UNIQUE INDEX questions_review_token ON questions (review_token);

-- kept_votes: the "Me too" count of a question that has been dealt with, whose vote fingerprints
-- are then deleted (NULL while the question is open and the fingerprints are counted).
ALTER TABLE questions ADD COLUMN kept_votes BIGINT;

UPDATE questions
SET kept_votes = (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = questions.id)
WHERE status IN ('answered', 'removed', 'rejected');

DELETE FROM question_votes WHERE question_id IN (SELECT id FROM questions WHERE status <> 'open');

-- Removed and rejected questions keep their number and status, not their text.
UPDATE questions SET text = '' WHERE status IN ('removed', 'rejected');
