-- Production safety's records (the SQLite backend's migration 0009): emergency plans and their
-- drills, people and their training hours, special-operation certificates, each found again by
-- its natural key so an import revises rows (old and new value audited) and never duplicates or
-- deletes them. Dates are DATE, hours NUMERIC (unconstrained: 1.5 stays 1.5).

CREATE TABLE safety_plans (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity      TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    plan        TEXT        COLLATE "C" NOT NULL,
    kind        TEXT        NOT NULL CHECK (kind IN ('comprehensive', 'special', 'onsite')),
    approved    DATE        NOT NULL,
    revision    BIGINT      NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (entity, plan)
);

CREATE TABLE safety_drills (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity      TEXT        COLLATE "C" NOT NULL,
    plan        TEXT        COLLATE "C" NOT NULL,
    drill_date  DATE        NOT NULL,
    joint_with  TEXT,
    revision    BIGINT      NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (entity, plan, drill_date),
    FOREIGN KEY (entity, plan) REFERENCES safety_plans (entity, plan)
);

CREATE TABLE safety_people (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person      TEXT        COLLATE "C" NOT NULL UNIQUE,
    entity      TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    role        TEXT        NOT NULL
                CHECK (role IN ('principal', 'safety_manager', 'staff', 'special_operator')),
    role_since  DATE        NOT NULL,
    hired       DATE        NOT NULL,
    revision    BIGINT      NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX safety_people_entity ON safety_people (entity);

CREATE TABLE safety_training (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person         TEXT        COLLATE "C" NOT NULL REFERENCES safety_people (person),
    training_date  DATE        NOT NULL,
    hours          NUMERIC     NOT NULL,
    course         TEXT        COLLATE "C" NOT NULL,
    revision       BIGINT      NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (person, training_date, course)
);

CREATE TABLE safety_certificates (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number       TEXT        COLLATE "C" NOT NULL UNIQUE,
    person       TEXT        COLLATE "C" NOT NULL REFERENCES safety_people (person),
    kind         TEXT        NOT NULL,
    issued       DATE        NOT NULL,
    expires      DATE        NOT NULL,
    last_review  DATE,
    revision     BIGINT      NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX safety_certificates_person ON safety_certificates (person);
