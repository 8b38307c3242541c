-- PostgreSQL spelling of 080_breakout_rooms.sql: 64-bit ids. Keep the two files in step.
-- Rooms as good as Zoom's (issue 19). note_ids_json: the id of each room's welcome message, in room
-- order (0 where it could not be posted), so an extended timer can show the new end time there.
-- help_json: {"<room number>": "<ISO time>"}, when each room last asked for a facilitator, so a room
-- asks once per few minutes even across a restart. timer_channel_id/timer_message_id: the note in the
-- facilitators' channel that shows a timed breakout's end with its "Add 5 minutes" button. None holds a
-- member id.
ALTER TABLE breakout_sessions ADD COLUMN note_ids_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE breakout_sessions ADD COLUMN help_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE breakout_sessions ADD COLUMN timer_channel_id BIGINT;
ALTER TABLE breakout_sessions ADD COLUMN timer_message_id BIGINT;
