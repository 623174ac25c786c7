DROP INDEX deadlines_provisional;
ALTER TABLE deadlines DROP COLUMN provisional;
ALTER TABLE deadlines DROP COLUMN rule;
ALTER TABLE deadlines DROP COLUMN counted_from;
