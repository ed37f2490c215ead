-- Production safety, risks (the SQLite backend's migration 0010): the risk register, the sites'
-- exposure to natural hazards, official warnings, each affected plant's alert (acknowledged by
-- the plant) and the escalations of alerts not acknowledged in time. Nothing is deleted. LEC
-- factors are NUMERIC (exact), matrix factors integers.

CREATE TABLE safety_risks (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity        TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    area          TEXT        NOT NULL,
    activity      TEXT        NOT NULL,
    category      TEXT        COLLATE "C" NOT NULL,
    hazard        TEXT        NOT NULL,
    lec_l         NUMERIC,
    lec_e         NUMERIC,
    lec_c         NUMERIC,
    ls_l          BIGINT      CHECK (ls_l BETWEEN 1 AND 5),
    ls_s          BIGINT      CHECK (ls_s BETWEEN 1 AND 5),
    controls      TEXT        NOT NULL,
    control_level TEXT        COLLATE "C" NOT NULL CHECK (control_level IN ('company', 'plant', 'team')),
    owner         TEXT        NOT NULL,
    active        BOOLEAN     NOT NULL DEFAULT TRUE,
    revision      BIGINT      NOT NULL DEFAULT 1 CHECK (revision >= 1),
    updated_by    TEXT        COLLATE "C" NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK ((lec_l IS NOT NULL AND lec_e IS NOT NULL AND lec_c IS NOT NULL)
           OR (ls_l IS NOT NULL AND ls_s IS NOT NULL))
);

CREATE INDEX safety_risks_entity ON safety_risks (entity);

CREATE TABLE site_exposures (
    entity        TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    hazard        TEXT        COLLATE "C" NOT NULL,
    exposure      TEXT        COLLATE "C" NOT NULL CHECK (exposure IN ('none', 'low', 'medium', 'high')),
    season        TEXT        COLLATE "C",
    updated_by    TEXT        COLLATE "C" NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (entity, hazard)
);

CREATE TABLE natural_warnings (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region        TEXT        NOT NULL,
    hazard        TEXT        COLLATE "C" NOT NULL,
    level         TEXT        COLLATE "C" NOT NULL CHECK (level IN ('blue', 'yellow', 'orange', 'red')),
    starts_at     TIMESTAMPTZ NOT NULL,
    ends_at       TIMESTAMPTZ NOT NULL,
    source        TEXT        NOT NULL,
    recorded_by   TEXT        COLLATE "C" NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE warning_alerts (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    warning         BIGINT      NOT NULL REFERENCES natural_warnings (id),
    entity          TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    triggered_at    TIMESTAMPTZ NOT NULL,
    acknowledge_by  TIMESTAMPTZ NOT NULL,
    acknowledged_by TEXT        COLLATE "C",
    acknowledged_at TIMESTAMPTZ,
    note            TEXT,
    UNIQUE (warning, entity)
);

CREATE TABLE warning_escalations (
    alert         BIGINT      NOT NULL REFERENCES warning_alerts (id),
    user_name     TEXT        COLLATE "C" NOT NULL,
    escalated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (alert, user_name)
);
