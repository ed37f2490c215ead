-- Hidden hazards (隐患) and their closed loop (safety.md §2): the register, every step taken
-- (history with who, when, status before and after, comment), evidence stored in `blobs` as
-- for measures, and the notifications HQ's safety department receives the day a hazard is
-- graded major. Nothing is deleted; `revision` is bumped by every change (optimistic locking).
-- Decimals (LEC scores) are exact text; dates `YYYY-MM-DD`; times RFC 3339 UTC text.

CREATE TABLE hazards (
    id             INTEGER PRIMARY KEY,
    -- The register's own number (an imported ledger's id); NULL for one reported on the web.
    code           TEXT    UNIQUE,
    entity         TEXT    NOT NULL REFERENCES entities (code),
    found_on       TEXT    NOT NULL CHECK (length(found_on) = 10 AND date(found_on) = found_on),
    description    TEXT    NOT NULL,
    location       TEXT    NOT NULL DEFAULT '',
    grade          TEXT    NOT NULL CHECK (grade IN ('general', 'major')),
    status         TEXT    NOT NULL CHECK (status IN ('reported', 'assessed', 'rectifying',
                                                      'awaiting_verification', 'closed')),
    lec_l          TEXT,
    lec_e          TEXT,
    lec_c          TEXT,
    ls_l           INTEGER CHECK (ls_l IS NULL OR ls_l BETWEEN 1 AND 5),
    ls_s           INTEGER CHECK (ls_s IS NULL OR ls_s BETWEEN 1 AND 5),
    owner          TEXT    NOT NULL DEFAULT '',
    deadline       TEXT    CHECK (deadline IS NULL OR (length(deadline) = 10 AND date(deadline) = deadline)),
    assure_responsibility TEXT NOT NULL DEFAULT '',
    assure_measures       TEXT NOT NULL DEFAULT '',
    assure_funds          TEXT NOT NULL DEFAULT '',
    assure_timeline       TEXT NOT NULL DEFAULT '',
    assure_plan           TEXT NOT NULL DEFAULT '',
    rectified_by   TEXT,
    verified_by    TEXT,
    -- Raised by a rule rather than a person (a special operator without a valid certificate):
    -- the rule's key, so it is raised once.
    auto_key       TEXT    UNIQUE,
    reported_at    TEXT    NOT NULL,
    reported_by    TEXT    NOT NULL,
    revision       INTEGER NOT NULL DEFAULT 1,
    CHECK ((lec_l IS NULL) = (lec_e IS NULL) AND (lec_e IS NULL) = (lec_c IS NULL)),
    CHECK ((ls_l IS NULL) = (ls_s IS NULL))
);

CREATE INDEX hazards_entity ON hazards (entity);

CREATE TABLE hazard_steps (
    id             INTEGER PRIMARY KEY,
    hazard         INTEGER NOT NULL REFERENCES hazards (id),
    step           TEXT    NOT NULL,
    status_before  TEXT,
    status_after   TEXT    NOT NULL,
    comment        TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    created_by     TEXT    NOT NULL
);

CREATE INDEX hazard_steps_hazard ON hazard_steps (hazard);

CREATE TABLE hazard_attachments (
    id            INTEGER PRIMARY KEY,
    hazard        INTEGER NOT NULL REFERENCES hazards (id),
    step          INTEGER REFERENCES hazard_steps (id),
    sha256        TEXT    NOT NULL REFERENCES blobs (sha256),
    file_name     TEXT    NOT NULL,
    media_type    TEXT    NOT NULL,
    size          INTEGER NOT NULL CHECK (size >= 0),
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL
);

CREATE INDEX hazard_attachments_hazard ON hazard_attachments (hazard);

-- A (hazard, user, reason) is sent once.
CREATE TABLE hazard_notifications (
    id          INTEGER PRIMARY KEY,
    hazard      INTEGER NOT NULL REFERENCES hazards (id),
    user_name   TEXT    NOT NULL,
    reason      TEXT    NOT NULL CHECK (reason IN ('major_graded')),
    created_at  TEXT    NOT NULL,
    read_at     TEXT,
    UNIQUE (hazard, user_name, reason)
);

CREATE INDEX hazard_notifications_user ON hazard_notifications (user_name);
