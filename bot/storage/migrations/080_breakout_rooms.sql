-- Rooms as good as Zoom's (issue 19). note_ids_json: the id of each room's welcome message, in room
-- order (0 where it could not be posted), so an extended timer can show the new end time there.
-- help_json: {"<room number>": "<ISO time>"}, when each room last asked for a facilitator, so a room
-- asks once per few minutes even across a restart. Neither holds a member id.
ALTER TABLE breakout_sessions ADD COLUMN note_ids_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE breakout_sessions ADD COLUMN help_json TEXT NOT NULL DEFAULT '{}';
