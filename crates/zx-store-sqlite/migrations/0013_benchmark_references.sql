-- External reference values for benchmarking (operations.md): an industry average or best value
-- of an operating indicator, with its source and year. Importing the same key again adds a
-- revision; the latest is in force and the older stay. Values are exact text.

CREATE TABLE benchmark_references (
    id          INTEGER PRIMARY KEY,
    indicator   TEXT    NOT NULL,
    segment     TEXT    NOT NULL DEFAULT '',
    kind        TEXT    NOT NULL CHECK (kind IN ('average', 'best')),
    year        INTEGER NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    value       TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    file        TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    UNIQUE (indicator, segment, kind, year, revision)
);
