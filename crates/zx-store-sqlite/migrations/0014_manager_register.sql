-- The manager term register (任期制和契约化管理, issue 14) and the `hq_hr` role that keeps it.
-- A term is corrected in place with its old and new values in the audit log; nothing is
-- deleted. Yearly pay (年薪) is exact decimal text. Dates are `YYYY-MM-DD` text, times RFC 3339
-- UTC text, as everywhere here.

-- `users.role` gains `hq_hr`. SQLite cannot alter a CHECK, so the table is rebuilt under the
-- same name (a rename would rewrite the foreign keys of sessions, tokens, measures … to the old
-- name). Foreign keys are checked at commit, by which time every account is back.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE users_copy AS SELECT * FROM users;
DROP TABLE users;
CREATE TABLE users (
    name          TEXT    PRIMARY KEY,
    role          TEXT    NOT NULL
                  CHECK (role IN ('admin', 'hq_analyst', 'hq_hr', 'entity_manager', 'viewer')),
    entity        TEXT    REFERENCES entities (code),
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT    NOT NULL,
    email         TEXT
);
INSERT INTO users (name, role, entity, password_hash, disabled, created_at, email)
SELECT name, role, entity, password_hash, disabled, created_at, email FROM users_copy;
DROP TABLE users_copy;

CREATE TABLE manager_terms (
    id               INTEGER PRIMARY KEY,
    person_id        TEXT    NOT NULL,
    person_name      TEXT    NOT NULL,
    entity           TEXT    NOT NULL REFERENCES entities (code),
    position         TEXT    NOT NULL,
    term_start       TEXT    NOT NULL,
    term_end         TEXT    NOT NULL,
    contract_signed  TEXT,
    term_target      TEXT    NOT NULL,
    term_result      TEXT    NOT NULL,
    outcome          TEXT    CHECK (outcome IN ('kept', 'promoted', 'demoted', 'exited')),
    outcome_date     TEXT,
    outcome_reason   TEXT,
    for_performance  INTEGER NOT NULL DEFAULT 0 CHECK (for_performance IN (0, 1)),
    revision         INTEGER NOT NULL DEFAULT 1,
    created_by       TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    CHECK (term_start <= term_end),
    CHECK ((outcome IS NULL) = (outcome_date IS NULL))
);

CREATE INDEX manager_terms_entity ON manager_terms (entity, term_end);

-- A term's year: target and result as agreed, the rating and the pay (both confidential).
CREATE TABLE manager_term_years (
    term     INTEGER NOT NULL REFERENCES manager_terms (id),
    year     INTEGER NOT NULL,
    target   TEXT    NOT NULL,
    result   TEXT    NOT NULL,
    rating   TEXT    CHECK (rating IN ('excellent', 'competent', 'basically_competent',
                                       'incompetent')),
    pay      TEXT,
    PRIMARY KEY (term, year)
) WITHOUT ROWID;

-- The signed contract's scan, stored once per SHA-256 in `blobs` as measures' evidence is.
CREATE TABLE manager_attachments (
    id          INTEGER PRIMARY KEY,
    term        INTEGER NOT NULL REFERENCES manager_terms (id),
    sha256      TEXT    NOT NULL REFERENCES blobs (sha256),
    file_name   TEXT    NOT NULL,
    media_type  TEXT    NOT NULL,
    size        INTEGER NOT NULL CHECK (size >= 0),
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);

CREATE INDEX manager_attachments_term ON manager_attachments (term);

-- A (term, year, user, reason) reminder is sent once: re-runs of the daily job are idempotent.
CREATE TABLE manager_reminders (
    id          INTEGER PRIMARY KEY,
    term        INTEGER NOT NULL REFERENCES manager_terms (id),
    year        INTEGER NOT NULL,
    user_name   TEXT    NOT NULL,
    reason      TEXT    NOT NULL CHECK (reason IN ('term_ending', 'rating_due')),
    created_at  TEXT    NOT NULL,
    read_at     TEXT,
    UNIQUE (term, year, user_name, reason)
);

CREATE INDEX manager_reminders_user ON manager_reminders (user_name);
