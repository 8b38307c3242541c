-- PostgreSQL spelling of 140_breakout_moves.sql (the same statement). Keep the two files in step.
-- Who met whom when someone was moved (issue 29). moved_json: per group of a session, in room order, the
-- ids of the people who were in it and were moved to another group while the rooms were open:
-- [[user_id, ...], ...]. At close each is recorded in every group they were in, so the history says who
-- really met whom. Holds member ids: declared in bot/privacy/registry.py.
ALTER TABLE breakout_sessions ADD COLUMN moved_json TEXT NOT NULL DEFAULT '[]';
