-- A reminder (催办) is sent once: one row per deadline and step (before:10,
-- before:3, day, overdue:1, overdue:2, ...), inserted in the same
-- transaction as its notices and emails. The primary key makes a second
-- sender, a restart or a clock that jumps unable to send it again.
CREATE TABLE reminders (
    deadline_id TEXT NOT NULL REFERENCES deadlines(id),
    step TEXT NOT NULL,
    -- Steps in order: before:N is -N, day is 0, overdue:K is K.
    step_order INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (deadline_id, step)
);
