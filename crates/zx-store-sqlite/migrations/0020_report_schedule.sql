-- The monthly report's schedule (issue 16, item 3): HQ's day of the month, China time, the
-- recipients (one address a line), the entity and language of the report, on or off; every
-- change audited. Every attempt to send is kept: the PDF as attached in `blobs`, or the error of
-- a failed attempt. A period goes out once per schedule (the unique index). A period is the
-- report's `YYYY-MM`, text on both backends (it names the report and is compared for equality).

CREATE TABLE report_schedules (
    id         INTEGER PRIMARY KEY,
    day        INTEGER NOT NULL CHECK (day BETWEEN 1 AND 31),
    at_time    TEXT    NOT NULL,
    recipients TEXT    NOT NULL,
    entity     TEXT    NOT NULL REFERENCES entities (code),
    lang       TEXT    NOT NULL CHECK (lang IN ('zh', 'en')),
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_by TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);

CREATE TABLE sent_reports (
    id         INTEGER PRIMARY KEY,
    schedule   INTEGER NOT NULL REFERENCES report_schedules (id),
    period     TEXT    NOT NULL,
    entity     TEXT    NOT NULL REFERENCES entities (code),
    lang       TEXT    NOT NULL CHECK (lang IN ('zh', 'en')),
    recipients TEXT    NOT NULL,
    sha256     TEXT    REFERENCES blobs (sha256),
    file_name  TEXT    NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 0),
    outcome    TEXT    NOT NULL CHECK (outcome IN ('sent', 'failed')),
    error      TEXT    NOT NULL DEFAULT '',
    sent_by    TEXT    NOT NULL,
    sent_at    TEXT    NOT NULL
);

CREATE UNIQUE INDEX sent_reports_once ON sent_reports (schedule, period) WHERE outcome = 'sent';
