-- Following measures up (the SQLite backend's migration 0005): descriptions and expected
-- effects, co-owners, updates with comments, milestones, evidence stored by content hash,
-- inspection visits whose requirements are measures, and e-mail addresses for reminders.
-- `revision` is bumped by every update (optimistic locking, as for targets).

ALTER TABLE users ADD COLUMN email TEXT;

CREATE TABLE visits (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    leader        TEXT        NOT NULL,
    start_date    DATE        NOT NULL,
    end_date      DATE        NOT NULL,
    participants  TEXT        NOT NULL,
    summary       TEXT        NOT NULL,
    findings      TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT        COLLATE "C" NOT NULL,
    CHECK (end_date >= start_date)
);

CREATE TABLE visit_entities (
    visit         BIGINT      NOT NULL REFERENCES visits (id),
    entity        TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    PRIMARY KEY (visit, entity)
);

ALTER TABLE measures ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE measures ADD COLUMN expected_effect TEXT NOT NULL DEFAULT '';
ALTER TABLE measures ADD COLUMN visit BIGINT REFERENCES visits (id);
ALTER TABLE measures ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;

CREATE TABLE measure_co_owners (
    measure       BIGINT      NOT NULL REFERENCES measures (id),
    user_name     TEXT        COLLATE "C" NOT NULL REFERENCES users (name),
    PRIMARY KEY (measure, user_name)
);

CREATE TABLE measure_updates (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measure         BIGINT      NOT NULL REFERENCES measures (id),
    created_at      TIMESTAMPTZ NOT NULL,
    created_by      TEXT        COLLATE "C" NOT NULL,
    comment         TEXT        NOT NULL,
    status_before   TEXT        NOT NULL,
    status_after    TEXT        NOT NULL,
    progress_before SMALLINT    NOT NULL,
    progress_after  SMALLINT    NOT NULL,
    due_before      DATE        NOT NULL,
    due_after       DATE        NOT NULL
);

CREATE INDEX measure_updates_measure ON measure_updates (measure);

CREATE TABLE milestones (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measure       BIGINT      NOT NULL REFERENCES measures (id),
    title         TEXT        NOT NULL,
    due_date      DATE        NOT NULL,
    done_on       DATE
);

CREATE INDEX milestones_measure ON milestones (measure);

-- Evidence content, once per SHA-256 (hex) however often it is attached.
CREATE TABLE blobs (
    sha256        TEXT        COLLATE "C" PRIMARY KEY,
    content       BYTEA       NOT NULL
);

CREATE TABLE attachments (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measure       BIGINT      NOT NULL REFERENCES measures (id),
    milestone     BIGINT      REFERENCES milestones (id),
    sha256        TEXT        COLLATE "C" NOT NULL REFERENCES blobs (sha256),
    file_name     TEXT        NOT NULL,
    media_type    TEXT        NOT NULL,
    size          BIGINT      NOT NULL CHECK (size >= 0),
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT        COLLATE "C" NOT NULL
);

CREATE INDEX attachments_measure ON attachments (measure);
