-- Following measures up: descriptions and expected effects, co-owners, updates with comments,
-- milestones, evidence stored by content hash, inspection visits whose requirements are
-- measures, and e-mail addresses for reminders. `revision` is bumped by every update so an edit
-- made on a stale page is refused (optimistic locking), as for targets.

ALTER TABLE users ADD COLUMN email TEXT;

CREATE TABLE visits (
    id            INTEGER PRIMARY KEY,
    leader        TEXT    NOT NULL,
    start_date    TEXT    NOT NULL CHECK (length(start_date) = 10 AND date(start_date) = start_date),
    end_date      TEXT    NOT NULL CHECK (length(end_date) = 10 AND date(end_date) = end_date),
    participants  TEXT    NOT NULL,
    summary       TEXT    NOT NULL,
    findings      TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL,
    CHECK (end_date >= start_date)
);

CREATE TABLE visit_entities (
    visit         INTEGER NOT NULL REFERENCES visits (id),
    entity        TEXT    NOT NULL REFERENCES entities (code),
    PRIMARY KEY (visit, entity)
);

ALTER TABLE measures ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE measures ADD COLUMN expected_effect TEXT NOT NULL DEFAULT '';
ALTER TABLE measures ADD COLUMN visit INTEGER REFERENCES visits (id);
ALTER TABLE measures ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;

CREATE TABLE measure_co_owners (
    measure       INTEGER NOT NULL REFERENCES measures (id),
    user_name     TEXT    NOT NULL REFERENCES users (name),
    PRIMARY KEY (measure, user_name)
);

CREATE TABLE measure_updates (
    id              INTEGER PRIMARY KEY,
    measure         INTEGER NOT NULL REFERENCES measures (id),
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    comment         TEXT    NOT NULL,
    status_before   TEXT    NOT NULL,
    status_after    TEXT    NOT NULL,
    progress_before INTEGER NOT NULL,
    progress_after  INTEGER NOT NULL,
    due_before      TEXT    NOT NULL,
    due_after       TEXT    NOT NULL
);

CREATE INDEX measure_updates_measure ON measure_updates (measure);

CREATE TABLE milestones (
    id            INTEGER PRIMARY KEY,
    measure       INTEGER NOT NULL REFERENCES measures (id),
    title         TEXT    NOT NULL,
    due_date      TEXT    NOT NULL CHECK (length(due_date) = 10 AND date(due_date) = due_date),
    done_on       TEXT    CHECK (done_on IS NULL OR (length(done_on) = 10 AND date(done_on) = done_on))
);

CREATE INDEX milestones_measure ON milestones (measure);

-- Evidence content, once per SHA-256 (hex) however often it is attached.
CREATE TABLE blobs (
    sha256        TEXT    PRIMARY KEY,
    content       BLOB    NOT NULL
);

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    measure       INTEGER NOT NULL REFERENCES measures (id),
    milestone     INTEGER REFERENCES milestones (id),
    sha256        TEXT    NOT NULL REFERENCES blobs (sha256),
    file_name     TEXT    NOT NULL,
    media_type    TEXT    NOT NULL,
    size          INTEGER NOT NULL CHECK (size >= 0),
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL
);

CREATE INDEX attachments_measure ON attachments (measure);
