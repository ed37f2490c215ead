-- Zengxiao SQLite schema, foundation.
-- Decimals are stored as their exact decimal text (sqlx has no Decimal for SQLite); never REAL.
-- Values are never updated in place: *_revisions keep every submitted value, the current tables
-- point at the revision in force.

CREATE TABLE submissions (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('entities', 'data', 'targets')),
    file_name     TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    user_name     TEXT    NOT NULL,
    submitted_at  TEXT    NOT NULL,
    row_count     INTEGER NOT NULL,
    inserted      INTEGER NOT NULL DEFAULT 0,
    revised       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE entities (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    parent        TEXT,
    kind          TEXT NOT NULL,
    region        TEXT NOT NULL,
    segment       TEXT NOT NULL,
    submission_id INTEGER REFERENCES submissions (id)
);

CREATE TABLE fact_revisions (
    id            INTEGER PRIMARY KEY,
    entity        TEXT    NOT NULL REFERENCES entities (code),
    period        TEXT    NOT NULL,
    item          TEXT    NOT NULL,
    revision      INTEGER NOT NULL,
    value         TEXT    NOT NULL,
    basis         TEXT    NOT NULL CHECK (basis IN ('month', 'ytd')),
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    UNIQUE (entity, period, item, revision)
);

CREATE TABLE facts (
    entity        TEXT    NOT NULL REFERENCES entities (code),
    period        TEXT    NOT NULL,
    item          TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    basis         TEXT    NOT NULL CHECK (basis IN ('month', 'ytd')),
    revision      INTEGER NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (entity, period, item)
) WITHOUT ROWID;

CREATE TABLE target_revisions (
    id            INTEGER PRIMARY KEY,
    entity        TEXT    NOT NULL REFERENCES entities (code),
    year          INTEGER NOT NULL,
    indicator     TEXT    NOT NULL,
    revision      INTEGER NOT NULL,
    value         TEXT    NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    UNIQUE (entity, year, indicator, revision)
);

CREATE TABLE targets (
    entity        TEXT    NOT NULL REFERENCES entities (code),
    year          INTEGER NOT NULL,
    indicator     TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    revision      INTEGER NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (entity, year, indicator)
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    action        TEXT NOT NULL,
    object        TEXT NOT NULL,
    old_value     TEXT,
    new_value     TEXT,
    submission_id INTEGER REFERENCES submissions (id)
);

CREATE INDEX audit_log_object ON audit_log (object);
