-- A planned drill cancelled with its reason (it stays in the plan, reminded of no more), and
-- reminders kept per planned date: a drill moved to another date is reminded of again before
-- its new date (the SQLite backend's migration 0012).

ALTER TABLE safety_planned_drills
    ADD COLUMN cancelled_by  TEXT COLLATE "C",
    ADD COLUMN cancelled_at  TIMESTAMPTZ,
    ADD COLUMN cancel_reason TEXT;

ALTER TABLE safety_drill_reminders ADD COLUMN due DATE;
UPDATE safety_drill_reminders r SET due = p.due FROM safety_planned_drills p WHERE p.id = r.planned;
ALTER TABLE safety_drill_reminders ALTER COLUMN due SET NOT NULL;
ALTER TABLE safety_drill_reminders DROP CONSTRAINT safety_drill_reminders_planned_user_name_reason_key;
ALTER TABLE safety_drill_reminders ADD CONSTRAINT safety_drill_reminders_once_per_date
    UNIQUE (planned, user_name, reason, due);
