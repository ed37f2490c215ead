-- Yearly drill plans of companies (年度应急演练计划) and the reminders sent about them
-- (`zx remind`, the server's daily job). A planned drill is corrected by revision, never
-- deleted; a (planned drill, user, reason) reminder is sent once: the unique key makes re-runs
-- idempotent. Dates are `YYYY-MM-DD` text, times RFC 3339 UTC text, as everywhere here.

CREATE TABLE safety_planned_drills (
    id          INTEGER PRIMARY KEY,
    entity      TEXT    NOT NULL REFERENCES entities (code),
    plan        TEXT    NOT NULL,
    due         TEXT    NOT NULL,
    scenario    TEXT    NOT NULL,
    joint_with  TEXT    NOT NULL,
    revision    INTEGER NOT NULL DEFAULT 1,
    created_by  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE INDEX safety_planned_drills_entity ON safety_planned_drills (entity, due);

CREATE TABLE safety_drill_reminders (
    id          INTEGER PRIMARY KEY,
    planned     INTEGER NOT NULL REFERENCES safety_planned_drills (id),
    user_name   TEXT    NOT NULL,
    reason      TEXT    NOT NULL CHECK (reason IN ('drill_due_soon', 'drill_overdue')),
    created_at  TEXT    NOT NULL,
    read_at     TEXT,
    UNIQUE (planned, user_name, reason)
);

CREATE INDEX safety_drill_reminders_user ON safety_drill_reminders (user_name);

-- A drill's report as recorded on the web: the drill itself is a row of `safety_drills` (the
-- records area), found by entity, plan and date; its improvements may each become a measure.
CREATE TABLE safety_drill_reports (
    id            INTEGER PRIMARY KEY,
    entity        TEXT    NOT NULL REFERENCES entities (code),
    plan          TEXT    NOT NULL,
    drill_date    TEXT    NOT NULL,
    scenario      TEXT    NOT NULL,
    participants  TEXT    NOT NULL,
    evaluation    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    UNIQUE (entity, plan, drill_date)
);

CREATE TABLE safety_drill_improvements (
    id          INTEGER PRIMARY KEY,
    report      INTEGER NOT NULL REFERENCES safety_drill_reports (id),
    text        TEXT    NOT NULL,
    measure     INTEGER REFERENCES measures (id),
    created_at  TEXT    NOT NULL
);

CREATE INDEX safety_drill_improvements_report ON safety_drill_improvements (report);
