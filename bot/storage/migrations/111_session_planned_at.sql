-- Meetings keep their identity (issue 26): a meeting started near its planned time is that planned
-- occurrence. planned_at is the occurrence's planned start (NULL for a meeting nobody planned), so the
-- meeting is named by its title and planned date everywhere, however early or late it began.
-- The same SQL on SQLite and PostgreSQL (times are ISO 8601 text, as everywhere in this schema).
ALTER TABLE meeting_sessions ADD COLUMN planned_at TEXT;
