-- In-app notifications about measures (`zx remind`; the SQLite backend's migration 0004): due
-- soon, overdue, escalated. A (measure, user, reason) is sent once: the unique key makes re-runs
-- idempotent.

CREATE TABLE notifications (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measure     BIGINT      NOT NULL REFERENCES measures (id),
    user_name   TEXT        COLLATE "C" NOT NULL,
    reason      TEXT        NOT NULL CHECK (reason IN ('due_soon', 'overdue', 'escalated')),
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ,
    UNIQUE (measure, user_name, reason)
);

CREATE INDEX notifications_user ON notifications (user_name);
