-- Accounts, sessions, the collection workflow, and targets edited one at a time.
-- Secrets are never stored: passwords as Argon2id PHC strings, tokens and session ids as their
-- SHA-256 (hex). Times are RFC 3339 UTC text with microseconds, like everywhere else.

CREATE TABLE users (
    name          TEXT    PRIMARY KEY,
    role          TEXT    NOT NULL
                  CHECK (role IN ('admin', 'hq_analyst', 'entity_manager', 'viewer')),
    entity        TEXT    REFERENCES entities (code),
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT    NOT NULL
);

CREATE TABLE api_tokens (
    token_hash    TEXT    PRIMARY KEY,
    user_name     TEXT    NOT NULL REFERENCES users (name),
    created_at    TEXT    NOT NULL,
    revoked       INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);

CREATE INDEX api_tokens_user ON api_tokens (user_name);

CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    user_name     TEXT NOT NULL REFERENCES users (name),
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_name);

-- Absent row: nothing recorded for that entity-month. A lock on a parent's month locks the
-- whole subtree's (checked on import through the entities tree).
CREATE TABLE period_status (
    entity        TEXT NOT NULL REFERENCES entities (code),
    period        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'returned', 'locked')),
    comment       TEXT,
    user_name     TEXT NOT NULL,
    at            TEXT NOT NULL,
    PRIMARY KEY (entity, period)
) WITHOUT ROWID;

-- A target set directly (not from a file) has no submission: target_revisions and targets get a
-- nullable submission_id, and each revision says who set it and when. SQLite cannot relax a
-- NOT NULL in place, so both tables are rebuilt; nothing refers to them.
CREATE TABLE target_revisions_new (
    id            INTEGER PRIMARY KEY,
    entity        TEXT    NOT NULL REFERENCES entities (code),
    year          INTEGER NOT NULL,
    indicator     TEXT    NOT NULL,
    revision      INTEGER NOT NULL,
    value         TEXT    NOT NULL,
    submission_id INTEGER REFERENCES submissions (id),
    user_name     TEXT    NOT NULL,
    at            TEXT    NOT NULL,
    UNIQUE (entity, year, indicator, revision)
);

INSERT INTO target_revisions_new
    (id, entity, year, indicator, revision, value, submission_id, user_name, at)
SELECT r.id, r.entity, r.year, r.indicator, r.revision, r.value, r.submission_id,
       s.user_name, s.submitted_at
FROM target_revisions r JOIN submissions s ON s.id = r.submission_id;

DROP TABLE target_revisions;
ALTER TABLE target_revisions_new RENAME TO target_revisions;

CREATE TABLE targets_new (
    entity        TEXT    NOT NULL REFERENCES entities (code),
    year          INTEGER NOT NULL,
    indicator     TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    revision      INTEGER NOT NULL,
    submission_id INTEGER REFERENCES submissions (id),
    PRIMARY KEY (entity, year, indicator)
) WITHOUT ROWID;

INSERT INTO targets_new (entity, year, indicator, value, revision, submission_id)
SELECT entity, year, indicator, value, revision, submission_id FROM targets;

DROP TABLE targets;
ALTER TABLE targets_new RENAME TO targets;
