-- Random public tokens for the buttons members' clients receive (issue 27). A breakout session's
-- buttons ("Ask for help" in each room) and an icebreaker round's ("Next", "Pass", "Join the round")
-- carried the row id, which counts across every server and so showed other servers' activity. Rows
-- made before this migration keep NULL: their buttons carry the row id and still work.
ALTER TABLE breakout_sessions ADD COLUMN token INTEGER;

CREATE UNIQUE INDEX breakout_sessions_token ON breakout_sessions (token);

ALTER TABLE icebreaker_rounds ADD COLUMN token INTEGER;

CREATE UNIQUE INDEX icebreaker_rounds_token ON icebreaker_rounds (token);
