-- Members who left a server: forgotten there after privacy.leaver_grace_days unless they come back.
-- The row is the truth, so the wait survives restarts.
CREATE TABLE departed_members (
    guild_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    left_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE INDEX departed_members_left ON departed_members (left_at);

-- An outbox of short notices to people who set a task for someone who was then forgotten ("the person
-- doing task #5 is no longer in copbot's records"). It names the task, never the forgotten person. Rows are
-- deleted once the notice is sent, so an erasure made with `copbot forget` while the bot is off is
-- still told when it next starts.
CREATE TABLE privacy_notices (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    task_number INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
