-- Leases on the reminder outbox (issue #20): a sweep claims due rows for a while (lease_owner,
-- lease_until) instead of marking them sent before sending, and marks each one sent (sent_at) right
-- after its message went out. Several copbot processes can then share the outbox: a row is leased to
-- one of them at a time, and the rows of a process that died mid-sweep come free when its leases end.
-- The same SQL on SQLite and PostgreSQL (times are ISO 8601 text, as everywhere in this schema).
ALTER TABLE reminders ADD COLUMN lease_owner TEXT;

ALTER TABLE reminders ADD COLUMN lease_until TEXT;
