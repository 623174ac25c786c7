-- A deadline remembers how it was counted, so that it can be counted again
-- when the calendar of its year is published: the office's day it was
-- counted from, the rule (months:3, working_days:5, fixed:2027-06-30), and
-- whether it relied on a year with no published schedule (provisional).
ALTER TABLE deadlines ADD COLUMN counted_from DATE;
ALTER TABLE deadlines ADD COLUMN rule TEXT;
ALTER TABLE deadlines ADD COLUMN provisional BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX deadlines_provisional ON deadlines(due_at) WHERE provisional = 1 AND met_at IS NULL;
