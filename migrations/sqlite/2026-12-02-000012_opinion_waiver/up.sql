-- 会办意见 waived by the office, with its reason: the lead unit's reply no longer waits for it.
ALTER TABLE assignments ADD COLUMN opinion_waiver TEXT;
