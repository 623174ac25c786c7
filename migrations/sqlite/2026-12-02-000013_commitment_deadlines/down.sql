ALTER TABLE commitments DROP COLUMN deadline_id;
