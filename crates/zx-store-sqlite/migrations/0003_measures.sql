-- Improvement measures (清单化管理): what is done about a target, by whom, by when.
-- Dates are `YYYY-MM-DD` text (text order is date order); overdue is derived, never stored.
-- created_by is whoever imported the list (not necessarily an account, like submissions).

CREATE TABLE measures (
    id            INTEGER PRIMARY KEY,
    entity        TEXT    NOT NULL REFERENCES entities (code),
    title         TEXT    NOT NULL,
    indicator     TEXT,
    owner         TEXT    NOT NULL REFERENCES users (name),
    start_date    TEXT    CHECK (start_date IS NULL OR (length(start_date) = 10
                                 AND date(start_date) = start_date)),
    due_date      TEXT    NOT NULL CHECK (length(due_date) = 10 AND date(due_date) = due_date),
    status        TEXT    NOT NULL
                  CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    progress      INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    created_at    TEXT    NOT NULL,
    created_by    TEXT    NOT NULL
);

CREATE INDEX measures_entity ON measures (entity);
CREATE INDEX measures_owner ON measures (owner);
