-- The manager term register (任期制和契约化管理, issue 14) and the `hq_hr` role that keeps it
-- (the SQLite backend's migration 0014). A term is corrected in place with its old and new
-- values in the audit log; nothing is deleted. Yearly pay (年薪) is exact NUMERIC.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'hq_analyst', 'hq_hr', 'entity_manager', 'viewer'));

CREATE TABLE manager_terms (
    id               BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        TEXT        COLLATE "C" NOT NULL,
    person_name      TEXT        NOT NULL,
    entity           TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    position         TEXT        NOT NULL,
    term_start       DATE        NOT NULL,
    term_end         DATE        NOT NULL,
    contract_signed  DATE,
    term_target      TEXT        NOT NULL,
    term_result      TEXT        NOT NULL,
    outcome          TEXT        CHECK (outcome IN ('kept', 'promoted', 'demoted', 'exited')),
    outcome_date     DATE,
    outcome_reason   TEXT,
    for_performance  BOOLEAN     NOT NULL DEFAULT FALSE,
    revision         BIGINT      NOT NULL DEFAULT 1,
    created_by       TEXT        COLLATE "C" NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    CHECK (term_start <= term_end),
    CHECK ((outcome IS NULL) = (outcome_date IS NULL))
);

CREATE INDEX manager_terms_entity ON manager_terms (entity, term_end);

CREATE TABLE manager_term_years (
    term     BIGINT  NOT NULL REFERENCES manager_terms (id),
    year     BIGINT  NOT NULL,
    target   TEXT    NOT NULL,
    result   TEXT    NOT NULL,
    rating   TEXT    CHECK (rating IN ('excellent', 'competent', 'basically_competent',
                                       'incompetent')),
    pay      NUMERIC,
    PRIMARY KEY (term, year)
);

CREATE TABLE manager_attachments (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    term        BIGINT      NOT NULL REFERENCES manager_terms (id),
    sha256      TEXT        COLLATE "C" NOT NULL REFERENCES blobs (sha256),
    file_name   TEXT        NOT NULL,
    media_type  TEXT        NOT NULL,
    size        BIGINT      NOT NULL CHECK (size >= 0),
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT        COLLATE "C" NOT NULL
);

CREATE INDEX manager_attachments_term ON manager_attachments (term);

CREATE TABLE manager_reminders (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    term        BIGINT      NOT NULL REFERENCES manager_terms (id),
    year        BIGINT      NOT NULL,
    user_name   TEXT        COLLATE "C" NOT NULL,
    reason      TEXT        NOT NULL CHECK (reason IN ('term_ending', 'rating_due')),
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ,
    UNIQUE (term, year, user_name, reason)
);

CREATE INDEX manager_reminders_user ON manager_reminders (user_name);
