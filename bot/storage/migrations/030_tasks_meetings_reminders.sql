-- Tasks agreed at meetings. Numbered per server (#N); never deleted, so numbers are never reused.
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    description TEXT NOT NULL,
    assignee_id INTEGER NOT NULL,
    creator_id  INTEGER NOT NULL,
    due_at      TEXT NOT NULL,          -- ISO 8601, UTC
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'removed')),
    created_at  TEXT NOT NULL,
    closed_at   TEXT,
    UNIQUE (guild_id, number)
);

CREATE INDEX tasks_open_by_due ON tasks (guild_id, status, due_at);

-- Meetings scheduled with /meeting schedule. A repeating meeting keeps its row and moves starts_at on.
CREATE TABLE meetings (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    number     INTEGER NOT NULL,
    title      TEXT NOT NULL,
    starts_at  TEXT NOT NULL,           -- ISO 8601, UTC, the next occurrence
    repeat     TEXT NOT NULL CHECK (repeat IN ('none', 'weekly', 'fortnightly', 'monthly', 'quarterly')),
    event_id   INTEGER,                 -- the Discord scheduled event for the next occurrence
    status     TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled', 'past')),
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (guild_id, number)
);

CREATE INDEX meetings_scheduled ON meetings (status, starts_at);

-- The reminder outbox: one row per planned reminder. sent_at is set in the same transaction that
-- claims the row, and (task_id, kind) / (meeting_id, kind) are unique, so nothing is sent twice.
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    task_id    INTEGER REFERENCES tasks (id),
    meeting_id INTEGER REFERENCES meetings (id),
    kind       TEXT NOT NULL,
    due_at     TEXT NOT NULL,           -- ISO 8601, UTC
    sent_at    TEXT,
    CHECK ((task_id IS NULL) <> (meeting_id IS NULL)),
    UNIQUE (task_id, kind),
    UNIQUE (meeting_id, kind)
);

CREATE INDEX reminders_unsent_by_due ON reminders (due_at) WHERE sent_at IS NULL;
