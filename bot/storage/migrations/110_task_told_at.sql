-- The notice budget (issue 26): when the person doing a task was last told about it (a reminder, the
-- list before a meeting, or the message when the task was given to them), so that copbot never tells
-- the same person about the same task twice within 24 hours. NULL until they are first told.
-- The same SQL on SQLite and PostgreSQL (times are ISO 8601 text, as everywhere in this schema).
ALTER TABLE tasks ADD COLUMN told_at TEXT;
