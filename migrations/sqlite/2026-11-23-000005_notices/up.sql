-- 通知: what a person was told after a workflow action, kept for the app
-- (the email copy, when they have an address, is a row in email_outbox).
CREATE TABLE notices (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    event TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notices_by_user ON notices(user_id, created_at);
