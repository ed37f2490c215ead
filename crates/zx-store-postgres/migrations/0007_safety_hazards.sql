-- Hidden hazards and their closed loop (the SQLite backend's migration 0008): the register,
-- every step taken, evidence stored in `blobs` as for measures, and the notifications HQ's
-- safety department receives the day a hazard is graded major. Nothing is deleted;
-- `revision` is bumped by every change (optimistic locking).

CREATE TABLE hazards (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code           TEXT        COLLATE "C" UNIQUE,
    entity         TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    found_on       DATE        NOT NULL,
    description    TEXT        NOT NULL,
    location       TEXT        NOT NULL DEFAULT '',
    grade          TEXT        COLLATE "C" NOT NULL CHECK (grade IN ('general', 'major')),
    status         TEXT        COLLATE "C" NOT NULL CHECK (status IN ('reported', 'assessed',
                                      'rectifying', 'awaiting_verification', 'closed')),
    lec_l          NUMERIC,
    lec_e          NUMERIC,
    lec_c          NUMERIC,
    ls_l           BIGINT      CHECK (ls_l IS NULL OR ls_l BETWEEN 1 AND 5),
    ls_s           BIGINT      CHECK (ls_s IS NULL OR ls_s BETWEEN 1 AND 5),
    owner          TEXT        COLLATE "C" NOT NULL DEFAULT '',
    deadline       DATE,
    assure_responsibility TEXT NOT NULL DEFAULT '',
    assure_measures       TEXT NOT NULL DEFAULT '',
    assure_funds          TEXT NOT NULL DEFAULT '',
    assure_timeline       TEXT NOT NULL DEFAULT '',
    assure_plan           TEXT NOT NULL DEFAULT '',
    rectified_by   TEXT        COLLATE "C",
    verified_by    TEXT        COLLATE "C",
    auto_key       TEXT        COLLATE "C" UNIQUE,
    reported_at    TIMESTAMPTZ NOT NULL,
    reported_by    TEXT        COLLATE "C" NOT NULL,
    revision       BIGINT      NOT NULL DEFAULT 1,
    CHECK ((lec_l IS NULL) = (lec_e IS NULL) AND (lec_e IS NULL) = (lec_c IS NULL)),
    CHECK ((ls_l IS NULL) = (ls_s IS NULL))
);

CREATE INDEX hazards_entity ON hazards (entity);

CREATE TABLE hazard_steps (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hazard         BIGINT      NOT NULL REFERENCES hazards (id),
    step           TEXT        COLLATE "C" NOT NULL,
    status_before  TEXT        COLLATE "C",
    status_after   TEXT        COLLATE "C" NOT NULL,
    comment        TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    created_by     TEXT        COLLATE "C" NOT NULL
);

CREATE INDEX hazard_steps_hazard ON hazard_steps (hazard);

CREATE TABLE hazard_attachments (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hazard        BIGINT      NOT NULL REFERENCES hazards (id),
    step          BIGINT      REFERENCES hazard_steps (id),
    sha256        TEXT        COLLATE "C" NOT NULL REFERENCES blobs (sha256),
    file_name     TEXT        NOT NULL,
    media_type    TEXT        NOT NULL,
    size          BIGINT      NOT NULL CHECK (size >= 0),
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT        COLLATE "C" NOT NULL
);

CREATE INDEX hazard_attachments_hazard ON hazard_attachments (hazard);

CREATE TABLE hazard_notifications (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hazard      BIGINT      NOT NULL REFERENCES hazards (id),
    user_name   TEXT        COLLATE "C" NOT NULL,
    reason      TEXT        COLLATE "C" NOT NULL CHECK (reason IN ('major_graded')),
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ,
    UNIQUE (hazard, user_name, reason)
);

CREATE INDEX hazard_notifications_user ON hazard_notifications (user_name);
