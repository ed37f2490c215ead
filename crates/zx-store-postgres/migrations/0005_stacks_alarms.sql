-- Emissions monitoring (the SQLite backend's migration 0006): registered stacks (the data
-- loggers' MNs and passwords, the standard each is judged by, the factor map as JSON text),
-- alarm rule sets as opaque TOML documents per scope, and alarms with their lifecycle
-- (active -> acknowledged -> cleared), kept as history. `revision` is bumped by every change.
-- Value and limit are NUMERIC (unconstrained: the places sent are kept).

CREATE TABLE stacks (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mn            TEXT        COLLATE "C" NOT NULL UNIQUE,
    entity        TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    name          TEXT        NOT NULL,
    password      TEXT        NOT NULL,
    standard      TEXT        COLLATE "C" NOT NULL,
    factors       TEXT        NOT NULL,
    active        BOOLEAN     NOT NULL DEFAULT TRUE,
    revision      BIGINT      NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX stacks_entity ON stacks (entity);

CREATE TABLE alarm_rule_sets (
    scope         TEXT        COLLATE "C" PRIMARY KEY,
    body          TEXT        NOT NULL,
    revision      BIGINT      NOT NULL CHECK (revision >= 1),
    updated_by    TEXT        COLLATE "C" NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE alarms (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mn              TEXT        COLLATE "C" NOT NULL REFERENCES stacks (mn),
    kind            TEXT        COLLATE "C" NOT NULL,
    code            TEXT        COLLATE "C",
    raised_at       TIMESTAMPTZ NOT NULL,
    value           NUMERIC,
    limit_value     NUMERIC,
    message_zh      TEXT        NOT NULL,
    message_en      TEXT        NOT NULL,
    state           TEXT        NOT NULL CHECK (state IN ('active', 'acknowledged', 'cleared')),
    acknowledged_by TEXT        COLLATE "C",
    acknowledged_at TIMESTAMPTZ,
    note            TEXT,
    cleared_at      TIMESTAMPTZ
);

-- One open alarm per stack, kind and factor: raising it again finds this one.
CREATE UNIQUE INDEX alarms_open ON alarms (mn, kind, COALESCE(code, '')) WHERE state <> 'cleared';
CREATE INDEX alarms_raised ON alarms (raised_at, id);
