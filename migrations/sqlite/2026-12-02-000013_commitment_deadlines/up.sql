-- B 类跟踪: a commitment's target date is a deadline row (kind 'commitment' of the assignment that made it), open from the reply's submission until the office marks it fulfilled.
ALTER TABLE commitments ADD COLUMN deadline_id TEXT;
