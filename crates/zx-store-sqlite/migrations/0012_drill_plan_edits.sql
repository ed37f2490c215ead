-- A planned drill cancelled with its reason (it stays in the plan, reminded of no more), and
-- reminders kept per planned date: a drill moved to another date is reminded of again before
-- its new date (a reminder about the old one does not stand for it).

ALTER TABLE safety_planned_drills ADD COLUMN cancelled_by TEXT;
ALTER TABLE safety_planned_drills ADD COLUMN cancelled_at TEXT;
ALTER TABLE safety_planned_drills ADD COLUMN cancel_reason TEXT;

CREATE TABLE safety_drill_reminders_by_date (
    id          INTEGER PRIMARY KEY,
    planned     INTEGER NOT NULL REFERENCES safety_planned_drills (id),
    user_name   TEXT    NOT NULL,
    reason      TEXT    NOT NULL CHECK (reason IN ('drill_due_soon', 'drill_overdue')),
    due         TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    read_at     TEXT,
    UNIQUE (planned, user_name, reason, due)
);

INSERT INTO safety_drill_reminders_by_date (id, planned, user_name, reason, due, created_at, read_at)
SELECT r.id, r.planned, r.user_name, r.reason, p.due, r.created_at, r.read_at
FROM safety_drill_reminders r JOIN safety_planned_drills p ON p.id = r.planned;

DROP TABLE safety_drill_reminders;
ALTER TABLE safety_drill_reminders_by_date RENAME TO safety_drill_reminders;
CREATE INDEX safety_drill_reminders_user ON safety_drill_reminders (user_name);
