-- The practice library (经验库, issue 15 item 3): a practice keeps its code and entity; what it
-- says (title, body, segment, tags, results) is a revision, a change a new one (the old kept).
-- HQ's recommendations are decisions one after another (the latest in force); a recommendation
-- tells the plants of the practice's segment once each. Files are in `blobs` like every other
-- attachment. Nothing is deleted. Amounts and quantities are exact text.

CREATE TABLE practices (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,
    entity     TEXT    NOT NULL REFERENCES entities (code),
    created_by TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);

CREATE TABLE practice_revisions (
    id              INTEGER PRIMARY KEY,
    practice        INTEGER NOT NULL REFERENCES practices (id),
    revision        INTEGER NOT NULL CHECK (revision >= 1),
    title           TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    segment         TEXT    NOT NULL DEFAULT '',
    tags            TEXT    NOT NULL DEFAULT '',
    result_amount   TEXT,
    result_quantity TEXT,
    result_unit     TEXT    NOT NULL DEFAULT '',
    result_note     TEXT    NOT NULL DEFAULT '',
    source          TEXT    NOT NULL,
    recorded_by     TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL,
    UNIQUE (practice, revision)
);

CREATE TABLE practice_recommendations (
    id          INTEGER PRIMARY KEY,
    practice    INTEGER NOT NULL REFERENCES practices (id),
    recommended INTEGER NOT NULL CHECK (recommended IN (0, 1)),
    note        TEXT    NOT NULL DEFAULT '',
    decided_by  TEXT    NOT NULL,
    decided_at  TEXT    NOT NULL
);

CREATE INDEX practice_recommendations_practice ON practice_recommendations (practice);

CREATE TABLE practice_attachments (
    id         INTEGER PRIMARY KEY,
    practice   INTEGER NOT NULL REFERENCES practices (id),
    sha256     TEXT    NOT NULL REFERENCES blobs (sha256),
    file_name  TEXT    NOT NULL,
    media_type TEXT    NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 0),
    created_at TEXT    NOT NULL,
    created_by TEXT    NOT NULL
);

CREATE INDEX practice_attachments_practice ON practice_attachments (practice);

CREATE TABLE practice_notifications (
    id         INTEGER PRIMARY KEY,
    practice   INTEGER NOT NULL REFERENCES practices (id),
    user_name  TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    read_at    TEXT,
    UNIQUE (practice, user_name)
);
