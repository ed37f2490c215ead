-- The practice library (the SQLite backend's migration 0019): a practice keeps its code and
-- entity; what it says is a revision, a change a new one (the old kept). HQ's recommendations
-- are decisions one after another (the latest in force); a recommendation tells the plants of the
-- practice's segment once each. Files are in `blobs`. Nothing is deleted.

CREATE TABLE practices (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       TEXT        COLLATE "C" NOT NULL UNIQUE,
    entity     TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    created_by TEXT        COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE practice_revisions (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice        BIGINT      NOT NULL REFERENCES practices (id),
    revision        BIGINT      NOT NULL CHECK (revision >= 1),
    title           TEXT        NOT NULL,
    body            TEXT        NOT NULL,
    segment         TEXT        COLLATE "C" NOT NULL DEFAULT '',
    tags            TEXT        NOT NULL DEFAULT '',
    result_amount   NUMERIC,
    result_quantity NUMERIC,
    result_unit     TEXT        NOT NULL DEFAULT '',
    result_note     TEXT        NOT NULL DEFAULT '',
    source          TEXT        NOT NULL,
    recorded_by     TEXT        COLLATE "C" NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (practice, revision)
);

CREATE TABLE practice_recommendations (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice    BIGINT      NOT NULL REFERENCES practices (id),
    recommended BOOLEAN     NOT NULL,
    note        TEXT        NOT NULL DEFAULT '',
    decided_by  TEXT        COLLATE "C" NOT NULL,
    decided_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX practice_recommendations_practice ON practice_recommendations (practice);

CREATE TABLE practice_attachments (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice   BIGINT      NOT NULL REFERENCES practices (id),
    sha256     TEXT        COLLATE "C" NOT NULL REFERENCES blobs (sha256),
    file_name  TEXT        NOT NULL,
    media_type TEXT        NOT NULL,
    size       BIGINT      NOT NULL CHECK (size >= 0),
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT        COLLATE "C" NOT NULL
);

CREATE INDEX practice_attachments_practice ON practice_attachments (practice);

CREATE TABLE practice_notifications (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    practice   BIGINT      NOT NULL REFERENCES practices (id),
    user_name  TEXT        COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ,
    UNIQUE (practice, user_name)
);
