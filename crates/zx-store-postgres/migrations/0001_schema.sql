-- Zengxiao PostgreSQL schema: the same tables as the SQLite backend (its migrations 0001 and 0002
-- together), with PostgreSQL's own types.
-- * Amounts are NUMERIC without precision or scale: exact, and 100.50 keeps its two places.
-- * Times are TIMESTAMPTZ (microseconds, like the SQLite backend's text).
-- * A month is the DATE of its first day (CHECKed), so a year is a date range.
-- * Codes, items and names are COLLATE "C": byte order, the order SQLite gives, whatever the
--   cluster's locale.
-- Values are never updated in place: *_revisions keep every submitted value, the current tables
-- point at the revision in force.

CREATE TABLE submissions (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          TEXT        NOT NULL CHECK (kind IN ('entities', 'data', 'targets')),
    file_name     TEXT        NOT NULL,
    sha256        TEXT        NOT NULL,
    user_name     TEXT        COLLATE "C" NOT NULL,
    submitted_at  TIMESTAMPTZ NOT NULL,
    row_count     BIGINT      NOT NULL CHECK (row_count >= 0),
    inserted      BIGINT      NOT NULL DEFAULT 0 CHECK (inserted >= 0),
    revised       BIGINT      NOT NULL DEFAULT 0 CHECK (revised >= 0),
    unchanged     BIGINT      NOT NULL DEFAULT 0 CHECK (unchanged >= 0)
);

-- No foreign key on parent, as in SQLite: the tree is checked as a whole when it is loaded
-- (unknown parents and cycles are reported there, not refused row by row here).
CREATE TABLE entities (
    code          TEXT   COLLATE "C" PRIMARY KEY,
    name          TEXT   NOT NULL,
    parent        TEXT   COLLATE "C",
    kind          TEXT   NOT NULL,
    region        TEXT   NOT NULL,
    segment       TEXT   NOT NULL,
    submission_id BIGINT REFERENCES submissions (id)
);

CREATE TABLE fact_revisions (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity        TEXT    COLLATE "C" NOT NULL REFERENCES entities (code),
    period        DATE    NOT NULL CHECK (extract(day FROM period) = 1),
    item          TEXT    COLLATE "C" NOT NULL,
    revision      BIGINT  NOT NULL CHECK (revision >= 1),
    value         NUMERIC NOT NULL,
    basis         TEXT    NOT NULL CHECK (basis IN ('month', 'ytd')),
    submission_id BIGINT  NOT NULL REFERENCES submissions (id),
    UNIQUE (entity, period, item, revision)
);

CREATE INDEX fact_revisions_submission ON fact_revisions (submission_id);

CREATE TABLE facts (
    entity        TEXT    COLLATE "C" NOT NULL REFERENCES entities (code),
    period        DATE    NOT NULL CHECK (extract(day FROM period) = 1),
    item          TEXT    COLLATE "C" NOT NULL,
    value         NUMERIC NOT NULL,
    basis         TEXT    NOT NULL CHECK (basis IN ('month', 'ytd')),
    revision      BIGINT  NOT NULL CHECK (revision >= 1),
    submission_id BIGINT  NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (entity, period, item)
);

-- submission_id is NULL for a target set directly (not from a file); each revision says who set
-- it and when.
CREATE TABLE target_revisions (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity        TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    year          INTEGER     NOT NULL,
    indicator     TEXT        COLLATE "C" NOT NULL,
    revision      BIGINT      NOT NULL CHECK (revision >= 1),
    value         NUMERIC     NOT NULL,
    submission_id BIGINT      REFERENCES submissions (id),
    user_name     TEXT        COLLATE "C" NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    UNIQUE (entity, year, indicator, revision)
);

CREATE TABLE targets (
    entity        TEXT    COLLATE "C" NOT NULL REFERENCES entities (code),
    year          INTEGER NOT NULL,
    indicator     TEXT    COLLATE "C" NOT NULL,
    value         NUMERIC NOT NULL,
    revision      BIGINT  NOT NULL CHECK (revision >= 1),
    submission_id BIGINT  REFERENCES submissions (id),
    PRIMARY KEY (entity, year, indicator)
);

-- The id is the order of commits too (writers take one advisory lock, see the crate docs), so
-- the newest id is a version of the whole database.
CREATE TABLE audit_log (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL,
    user_name     TEXT        COLLATE "C" NOT NULL,
    action        TEXT        COLLATE "C" NOT NULL,
    object        TEXT        NOT NULL,
    old_value     TEXT,
    new_value     TEXT,
    submission_id BIGINT      REFERENCES submissions (id)
);

CREATE INDEX audit_log_object ON audit_log (object);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_user ON audit_log (user_name, id);

-- Accounts. Secrets are never stored: passwords as Argon2id PHC strings, tokens and session ids
-- as their SHA-256 (hex).
CREATE TABLE users (
    name          TEXT        COLLATE "C" PRIMARY KEY,
    role          TEXT        NOT NULL
                  CHECK (role IN ('admin', 'hq_analyst', 'entity_manager', 'viewer')),
    entity        TEXT        COLLATE "C" REFERENCES entities (code),
    password_hash TEXT        NOT NULL,
    disabled      BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    token_hash    TEXT        PRIMARY KEY,
    user_name     TEXT        COLLATE "C" NOT NULL REFERENCES users (name),
    created_at    TIMESTAMPTZ NOT NULL,
    revoked       BOOLEAN     NOT NULL DEFAULT FALSE
);

CREATE INDEX api_tokens_user ON api_tokens (user_name);

CREATE TABLE sessions (
    id_hash       TEXT        PRIMARY KEY,
    user_name     TEXT        COLLATE "C" NOT NULL REFERENCES users (name),
    csrf_token    TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_name);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The collection workflow. Absent row: nothing recorded for that entity-month. A lock on a
-- parent's month locks the whole subtree's (checked on import through the entities tree).
CREATE TABLE period_status (
    entity        TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    period        DATE        NOT NULL CHECK (extract(day FROM period) = 1),
    state         TEXT        NOT NULL
                  CHECK (state IN ('submitted', 'approved', 'returned', 'locked')),
    comment       TEXT,
    user_name     TEXT        COLLATE "C" NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (entity, period)
);

-- What every import asks first: is anything locked at all?
CREATE INDEX period_status_locked ON period_status (entity, period) WHERE state = 'locked';
