-- PostgreSQL spelling of 031_reminder_policy.sql: 64-bit integers (Discord ids do not fit in INTEGER), identity
-- columns for row ids, BYTEA for bytes. Keep the two files in step.
-- A server's own reminder rules, chosen with /settings reminders. One row per server that changed
-- something; a NULL column means "use the default from [reminders] in the configuration", so a
-- server that never changed a rule follows the configuration, even after it is edited.
CREATE TABLE reminder_policies (
    guild_id            BIGINT PRIMARY KEY,
    days_before         TEXT,           -- days before the due date, e.g. '3,1'; '' means none
    on_due_day          BIGINT CHECK (on_due_day IN (0, 1)),
    send_hour           BIGINT CHECK (send_hour BETWEEN 0 AND 23),
    overdue_every_days  BIGINT CHECK (overdue_every_days BETWEEN 1 AND 60),
    overdue_max         BIGINT CHECK (overdue_max BETWEEN 0 AND 20),
    digest_hours_before BIGINT CHECK (digest_hours_before BETWEEN 1 AND 168),
    updated_at          TEXT NOT NULL
);
