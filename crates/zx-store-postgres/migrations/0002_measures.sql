-- Improvement measures (清单化管理): what is done about a target, by whom, by when (the SQLite
-- backend's migration 0003). Dates are DATE; overdue is derived, never stored. created_by is
-- whoever imported the list (not necessarily an account, like submissions).

CREATE TABLE measures (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity        TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    title         TEXT        NOT NULL,
    indicator     TEXT        COLLATE "C",
    owner         TEXT        COLLATE "C" NOT NULL REFERENCES users (name),
    start_date    DATE,
    due_date      DATE        NOT NULL,
    status        TEXT        NOT NULL
                  CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    progress      SMALLINT    NOT NULL CHECK (progress BETWEEN 0 AND 100),
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    TEXT        COLLATE "C" NOT NULL
);

CREATE INDEX measures_entity ON measures (entity);
CREATE INDEX measures_owner ON measures (owner);
