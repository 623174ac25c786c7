ALTER TABLE committee_sessions DROP COLUMN replies_due_on;
