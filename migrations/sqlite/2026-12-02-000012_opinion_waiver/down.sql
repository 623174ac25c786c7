ALTER TABLE assignments DROP COLUMN opinion_waiver;
