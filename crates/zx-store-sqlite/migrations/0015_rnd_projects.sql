-- The R&D project portfolio (issue 14, item 4): projects with their five stage gates (planned
-- and actual dates), team and results; yearly budgets; monthly spend, where a correction is a
-- new revision (the old one kept, no longer current); partners. Nothing is deleted. Amounts are
-- exact text, dates `YYYY-MM-DD`, a month of spend the date of its first day.

CREATE TABLE rnd_projects (
    id                    INTEGER PRIMARY KEY,
    code                  TEXT    NOT NULL UNIQUE,
    entity                TEXT    NOT NULL REFERENCES entities (code),
    name                  TEXT    NOT NULL,
    field                 TEXT    NOT NULL,
    field_kind            TEXT    NOT NULL CHECK (field_kind IN ('key_area', 'chain_link')),
    initiation_planned    TEXT,
    initiation_actual     TEXT    NOT NULL,
    research_planned      TEXT,
    research_actual       TEXT,
    pilot_planned         TEXT,
    pilot_actual          TEXT,
    demonstration_planned TEXT,
    demonstration_actual  TEXT,
    closed_planned        TEXT,
    closed_actual         TEXT,
    leader                TEXT    NOT NULL,
    members               TEXT    NOT NULL,
    patents_filed         INTEGER NOT NULL CHECK (patents_filed >= 0),
    patents_granted       INTEGER NOT NULL CHECK (patents_granted >= 0),
    standards             INTEGER NOT NULL CHECK (standards >= 0),
    software_copyrights   INTEGER NOT NULL CHECK (software_copyrights >= 0),
    awards                INTEGER NOT NULL CHECK (awards >= 0),
    application_revenue   TEXT    NOT NULL,
    revision              INTEGER NOT NULL CHECK (revision >= 1),
    updated_by            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL
);

CREATE INDEX rnd_projects_entity ON rnd_projects (entity);

CREATE TABLE rnd_budgets (
    id         INTEGER PRIMARY KEY,
    project    INTEGER NOT NULL REFERENCES rnd_projects (id),
    year       INTEGER NOT NULL,
    amount     TEXT    NOT NULL,
    revision   INTEGER NOT NULL CHECK (revision >= 1),
    updated_by TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (project, year)
);

CREATE TABLE rnd_spend (
    id          INTEGER PRIMARY KEY,
    project     INTEGER NOT NULL REFERENCES rnd_projects (id),
    month       TEXT    NOT NULL,
    amount      TEXT    NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    current     INTEGER NOT NULL CHECK (current IN (0, 1)),
    recorded_by TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    UNIQUE (project, month, revision)
);

CREATE INDEX rnd_spend_current ON rnd_spend (project, month) WHERE current = 1;

CREATE TABLE rnd_partners (
    id         INTEGER PRIMARY KEY,
    project    INTEGER NOT NULL REFERENCES rnd_projects (id),
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('university', 'institute', 'company', 'other')),
    updated_by TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (project, name)
);
