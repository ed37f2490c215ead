-- Yearly drill plans of companies (年度应急演练计划) and the reminders sent about them (the
-- SQLite backend's migration 0011). A planned drill is corrected by revision, never deleted; a
-- (planned drill, user, reason) reminder is sent once: the unique key makes re-runs idempotent.

CREATE TABLE safety_planned_drills (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity      TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    plan        TEXT        COLLATE "C" NOT NULL,
    due         DATE        NOT NULL,
    scenario    TEXT        NOT NULL,
    joint_with  TEXT        NOT NULL,
    revision    BIGINT      NOT NULL DEFAULT 1,
    created_by  TEXT        COLLATE "C" NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX safety_planned_drills_entity ON safety_planned_drills (entity, due);

CREATE TABLE safety_drill_reminders (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    planned     BIGINT      NOT NULL REFERENCES safety_planned_drills (id),
    user_name   TEXT        COLLATE "C" NOT NULL,
    reason      TEXT        NOT NULL CHECK (reason IN ('drill_due_soon', 'drill_overdue')),
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ,
    UNIQUE (planned, user_name, reason)
);

CREATE INDEX safety_drill_reminders_user ON safety_drill_reminders (user_name);

-- A drill's report as recorded on the web: the drill itself is a row of `safety_drills` (the
-- records area), found by entity, plan and date; its improvements may each become a measure.
CREATE TABLE safety_drill_reports (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity        TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    plan          TEXT        COLLATE "C" NOT NULL,
    drill_date    DATE        NOT NULL,
    scenario      TEXT        NOT NULL,
    participants  TEXT        NOT NULL,
    evaluation    TEXT        NOT NULL,
    created_by    TEXT        COLLATE "C" NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (entity, plan, drill_date)
);

CREATE TABLE safety_drill_improvements (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report      BIGINT      NOT NULL REFERENCES safety_drill_reports (id),
    text        TEXT        NOT NULL,
    measure     BIGINT      REFERENCES measures (id),
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX safety_drill_improvements_report ON safety_drill_improvements (report);
