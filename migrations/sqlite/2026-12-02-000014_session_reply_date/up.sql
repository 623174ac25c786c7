-- 答复截止日: some offices fix one day by which every reply of a session's proposals is due ("all replies by 30 June").
ALTER TABLE committee_sessions ADD COLUMN replies_due_on DATE;
