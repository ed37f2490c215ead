-- Production safety, risks (safety.md §1, §6): the risk register, the sites' exposure to
-- natural hazards, official warnings, each affected plant's alert (acknowledged by the plant)
-- and the escalations of alerts not acknowledged in time. Nothing is deleted: a risk is retired,
-- an alert keeps its acknowledgement. Scores are exact text (LEC) or integers (matrix).

CREATE TABLE safety_risks (
    id            INTEGER PRIMARY KEY,
    entity        TEXT    NOT NULL REFERENCES entities (code),
    area          TEXT    NOT NULL,
    activity      TEXT    NOT NULL,
    category      TEXT    NOT NULL,
    hazard        TEXT    NOT NULL,
    lec_l         TEXT,
    lec_e         TEXT,
    lec_c         TEXT,
    ls_l          INTEGER CHECK (ls_l BETWEEN 1 AND 5),
    ls_s          INTEGER CHECK (ls_s BETWEEN 1 AND 5),
    controls      TEXT    NOT NULL,
    control_level TEXT    NOT NULL CHECK (control_level IN ('company', 'plant', 'team')),
    owner         TEXT    NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    revision      INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    updated_by    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    CHECK ((lec_l IS NOT NULL AND lec_e IS NOT NULL AND lec_c IS NOT NULL)
           OR (ls_l IS NOT NULL AND ls_s IS NOT NULL))
);

CREATE INDEX safety_risks_entity ON safety_risks (entity);

CREATE TABLE site_exposures (
    entity        TEXT    NOT NULL REFERENCES entities (code),
    hazard        TEXT    NOT NULL,
    exposure      TEXT    NOT NULL CHECK (exposure IN ('none', 'low', 'medium', 'high')),
    season        TEXT,
    updated_by    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    PRIMARY KEY (entity, hazard)
);

CREATE TABLE natural_warnings (
    id            INTEGER PRIMARY KEY,
    region        TEXT    NOT NULL,
    hazard        TEXT    NOT NULL,
    level         TEXT    NOT NULL CHECK (level IN ('blue', 'yellow', 'orange', 'red')),
    starts_at     TEXT    NOT NULL,
    ends_at       TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    recorded_by   TEXT    NOT NULL,
    recorded_at   TEXT    NOT NULL
);

CREATE TABLE warning_alerts (
    id              INTEGER PRIMARY KEY,
    warning         INTEGER NOT NULL REFERENCES natural_warnings (id),
    entity          TEXT    NOT NULL REFERENCES entities (code),
    triggered_at    TEXT    NOT NULL,
    acknowledge_by  TEXT    NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at TEXT,
    note            TEXT,
    UNIQUE (warning, entity)
);

CREATE TABLE warning_escalations (
    alert         INTEGER NOT NULL REFERENCES warning_alerts (id),
    user_name     TEXT    NOT NULL,
    escalated_at  TEXT    NOT NULL,
    PRIMARY KEY (alert, user_name)
);
