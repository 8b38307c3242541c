-- The community's aims and purpose as they change (/aims, issue 30). The configuration's
-- community.purpose is where every server starts; each update adds a version, dated and with a
-- one-line reason, and none is ever changed afterwards, so /aims history shows how the direction of
-- travel moved. `meeting_number` is the meeting that was open when the change was made (agreed at a
-- meeting). `changed_by` is the facilitator who made the change: never shown in public, blanked to 0 if
-- they are forgotten.
CREATE TABLE community_aims (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    aims           TEXT NOT NULL,
    reason         TEXT NOT NULL,
    meeting_number INTEGER,
    changed_by     INTEGER NOT NULL,
    changed_at     TEXT NOT NULL,
    UNIQUE (guild_id, version)
);
