-- Production safety's records (safety.md §3–§5): emergency plans and their drills, people and
-- their training hours, special-operation certificates. Each row is found again by its natural
-- key (a plan by entity and name, a drill by plan and date, a person by identifier, a training
-- record by person, date and course, a certificate by number), so importing a register again
-- revises rows (`revision` bumped, old and new value in the audit log) and never duplicates or
-- deletes them. Dates are `YYYY-MM-DD` text and hours exact decimal text, as everywhere here.

CREATE TABLE safety_plans (
    id          INTEGER PRIMARY KEY,
    entity      TEXT    NOT NULL REFERENCES entities (code),
    plan        TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('comprehensive', 'special', 'onsite')),
    approved    TEXT    NOT NULL,
    revision    INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (entity, plan)
);

CREATE TABLE safety_drills (
    id          INTEGER PRIMARY KEY,
    entity      TEXT    NOT NULL,
    plan        TEXT    NOT NULL,
    drill_date  TEXT    NOT NULL,
    joint_with  TEXT,
    revision    INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (entity, plan, drill_date),
    FOREIGN KEY (entity, plan) REFERENCES safety_plans (entity, plan)
);

CREATE TABLE safety_people (
    id          INTEGER PRIMARY KEY,
    person      TEXT    NOT NULL UNIQUE,
    entity      TEXT    NOT NULL REFERENCES entities (code),
    role        TEXT    NOT NULL
                CHECK (role IN ('principal', 'safety_manager', 'staff', 'special_operator')),
    role_since  TEXT    NOT NULL,
    hired       TEXT    NOT NULL,
    revision    INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE INDEX safety_people_entity ON safety_people (entity);

CREATE TABLE safety_training (
    id             INTEGER PRIMARY KEY,
    person         TEXT    NOT NULL REFERENCES safety_people (person),
    training_date  TEXT    NOT NULL,
    hours          TEXT    NOT NULL,
    course         TEXT    NOT NULL,
    revision       INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    UNIQUE (person, training_date, course)
);

CREATE TABLE safety_certificates (
    id           INTEGER PRIMARY KEY,
    number       TEXT    NOT NULL UNIQUE,
    person       TEXT    NOT NULL REFERENCES safety_people (person),
    kind         TEXT    NOT NULL,
    issued       TEXT    NOT NULL,
    expires      TEXT    NOT NULL,
    last_review  TEXT,
    revision     INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);

CREATE INDEX safety_certificates_person ON safety_certificates (person);
