-- Emissions monitoring: registered stacks (the data loggers' MNs and passwords, the standard
-- each is judged by, the factor map as JSON text), alarm rule sets as opaque TOML documents per
-- scope, and alarms with their lifecycle (active -> acknowledged -> cleared), kept as history.
-- `revision` is bumped by every change (optimistic locking, as for targets and measures).
-- Decimals are exact text, as everywhere in this backend.

CREATE TABLE stacks (
    id            INTEGER PRIMARY KEY,
    mn            TEXT    NOT NULL UNIQUE,
    entity        TEXT    NOT NULL REFERENCES entities (code),
    name          TEXT    NOT NULL,
    password      TEXT    NOT NULL,
    standard      TEXT    NOT NULL,
    factors       TEXT    NOT NULL CHECK (json_valid(factors)),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    revision      INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE INDEX stacks_entity ON stacks (entity);

CREATE TABLE alarm_rule_sets (
    scope         TEXT    PRIMARY KEY,
    body          TEXT    NOT NULL,
    revision      INTEGER NOT NULL CHECK (revision >= 1),
    updated_by    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE alarms (
    id              INTEGER PRIMARY KEY,
    mn              TEXT    NOT NULL REFERENCES stacks (mn),
    kind            TEXT    NOT NULL,
    code            TEXT,
    raised_at       TEXT    NOT NULL,
    value           TEXT,
    limit_value     TEXT,
    message_zh      TEXT    NOT NULL,
    message_en      TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('active', 'acknowledged', 'cleared')),
    acknowledged_by TEXT,
    acknowledged_at TEXT,
    note            TEXT,
    cleared_at      TEXT
);

-- One open alarm per stack, kind and factor: raising it again finds this one.
CREATE UNIQUE INDEX alarms_open ON alarms (mn, kind, COALESCE(code, '')) WHERE state <> 'cleared';
CREATE INDEX alarms_raised ON alarms (raised_at, id);
