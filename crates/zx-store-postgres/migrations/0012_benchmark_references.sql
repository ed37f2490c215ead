-- External reference values for benchmarking (the SQLite backend's migration 0013): an industry
-- average or best value of an operating indicator, with its source and year. Importing the same
-- key again adds a revision; the latest is in force and the older stay.

CREATE TABLE benchmark_references (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    indicator   TEXT        COLLATE "C" NOT NULL,
    segment     TEXT        COLLATE "C" NOT NULL DEFAULT '',
    kind        TEXT        COLLATE "C" NOT NULL CHECK (kind IN ('average', 'best')),
    year        BIGINT      NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    value       NUMERIC     NOT NULL,
    source      TEXT        NOT NULL,
    revision    BIGINT      NOT NULL CHECK (revision >= 1),
    file        TEXT        NOT NULL,
    recorded_by TEXT        COLLATE "C" NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    UNIQUE (indicator, segment, kind, year, revision)
);
