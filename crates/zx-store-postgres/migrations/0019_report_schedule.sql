-- The monthly report's schedule (the SQLite backend's migration 0020): HQ's day of the month,
-- China time, the recipients (one address a line), the entity and language, on or off; every
-- change audited. Every attempt to send is kept: the PDF as attached in `blobs`, or the error of
-- a failed attempt. A period goes out once per schedule (the unique index). A period is the
-- report's `YYYY-MM` as text (it names the report and is compared for equality).

CREATE TABLE report_schedules (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day        BIGINT      NOT NULL CHECK (day BETWEEN 1 AND 31),
    at_time    TEXT        COLLATE "C" NOT NULL,
    recipients TEXT        NOT NULL,
    entity     TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    lang       TEXT        COLLATE "C" NOT NULL CHECK (lang IN ('zh', 'en')),
    enabled    BOOLEAN     NOT NULL,
    updated_by TEXT        COLLATE "C" NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sent_reports (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schedule   BIGINT      NOT NULL REFERENCES report_schedules (id),
    period     TEXT        COLLATE "C" NOT NULL,
    entity     TEXT        COLLATE "C" NOT NULL REFERENCES entities (code),
    lang       TEXT        COLLATE "C" NOT NULL CHECK (lang IN ('zh', 'en')),
    recipients TEXT        NOT NULL,
    sha256     TEXT        COLLATE "C" REFERENCES blobs (sha256),
    file_name  TEXT        NOT NULL,
    size       BIGINT      NOT NULL CHECK (size >= 0),
    outcome    TEXT        COLLATE "C" NOT NULL CHECK (outcome IN ('sent', 'failed')),
    error      TEXT        NOT NULL DEFAULT '',
    sent_by    TEXT        COLLATE "C" NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX sent_reports_once ON sent_reports (schedule, period) WHERE outcome = 'sent';
