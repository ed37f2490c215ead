-- The R&D project portfolio (the SQLite backend's migration 0015): projects with their five
-- stage gates, team and results; yearly budgets; monthly spend, where a correction is a new
-- revision (the old one kept, no longer current); partners. Nothing is deleted. Amounts are
-- NUMERIC (exact), a month of spend the DATE of its first day.

CREATE TABLE rnd_projects (
    id                    BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                  TEXT        COLLATE "C" NOT NULL UNIQUE,
    entity                TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    name                  TEXT        NOT NULL,
    field                 TEXT        NOT NULL,
    field_kind            TEXT        COLLATE "C" NOT NULL CHECK (field_kind IN ('key_area', 'chain_link')),
    initiation_planned    DATE,
    initiation_actual     DATE        NOT NULL,
    research_planned      DATE,
    research_actual       DATE,
    pilot_planned         DATE,
    pilot_actual          DATE,
    demonstration_planned DATE,
    demonstration_actual  DATE,
    closed_planned        DATE,
    closed_actual         DATE,
    leader                TEXT        NOT NULL,
    members               TEXT        NOT NULL,
    patents_filed         BIGINT      NOT NULL CHECK (patents_filed >= 0),
    patents_granted       BIGINT      NOT NULL CHECK (patents_granted >= 0),
    standards             BIGINT      NOT NULL CHECK (standards >= 0),
    software_copyrights   BIGINT      NOT NULL CHECK (software_copyrights >= 0),
    awards                BIGINT      NOT NULL CHECK (awards >= 0),
    application_revenue   NUMERIC     NOT NULL,
    revision              BIGINT      NOT NULL CHECK (revision >= 1),
    updated_by            TEXT        COLLATE "C" NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);

CREATE INDEX rnd_projects_entity ON rnd_projects (entity);

CREATE TABLE rnd_budgets (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project    BIGINT      NOT NULL REFERENCES rnd_projects (id),
    year       BIGINT      NOT NULL,
    amount     NUMERIC     NOT NULL,
    revision   BIGINT      NOT NULL CHECK (revision >= 1),
    updated_by TEXT        COLLATE "C" NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (project, year)
);

CREATE TABLE rnd_spend (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project     BIGINT      NOT NULL REFERENCES rnd_projects (id),
    month       DATE        NOT NULL,
    amount      NUMERIC     NOT NULL,
    revision    BIGINT      NOT NULL CHECK (revision >= 1),
    current     BOOLEAN     NOT NULL,
    recorded_by TEXT        COLLATE "C" NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    UNIQUE (project, month, revision)
);

CREATE INDEX rnd_spend_current ON rnd_spend (project, month) WHERE current;

CREATE TABLE rnd_partners (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project    BIGINT      NOT NULL REFERENCES rnd_projects (id),
    name       TEXT        NOT NULL,
    kind       TEXT        COLLATE "C" NOT NULL CHECK (kind IN ('university', 'institute', 'company', 'other')),
    updated_by TEXT        COLLATE "C" NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (project, name)
);
