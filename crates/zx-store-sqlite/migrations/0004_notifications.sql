-- In-app notifications about measures (`zx remind`): due soon, overdue, escalated. A
-- (measure, user, reason) is sent once: the unique key makes re-runs idempotent.
-- Times are RFC 3339 UTC text with microseconds, like every other time here.

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    measure     INTEGER NOT NULL REFERENCES measures (id),
    user_name   TEXT    NOT NULL,
    reason      TEXT    NOT NULL CHECK (reason IN ('due_soon', 'overdue', 'escalated')),
    created_at  TEXT    NOT NULL,
    read_at     TEXT,
    UNIQUE (measure, user_name, reason)
);

CREATE INDEX notifications_user ON notifications (user_name);
