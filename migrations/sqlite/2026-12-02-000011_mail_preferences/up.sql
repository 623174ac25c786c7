-- Each person chooses, per kind of notice, how it reaches them by email:
-- every (one email each), daily or weekly (a digest), or none (notices only).
-- Without a row, the configured default of their role applies.
CREATE TABLE mail_preferences (
    user_id TEXT NOT NULL REFERENCES users(id),
    notice TEXT NOT NULL,
    mode TEXT NOT NULL,
    PRIMARY KEY (user_id, notice)
);
-- A notice waiting for its digest says which one (daily or weekly) until it is sent in one.
ALTER TABLE notices ADD COLUMN digest TEXT;
ALTER TABLE notices ADD COLUMN digested_at TIMESTAMP;
CREATE INDEX notices_digest_pending ON notices(user_id, digest) WHERE digest IS NOT NULL AND digested_at IS NULL;
-- One digest per person and period (daily:2026-12-02, weekly:2026-W49): the
-- key makes a second sender or a restart unable to send it twice.
CREATE TABLE mail_digests (
    user_id TEXT NOT NULL REFERENCES users(id),
    period TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, period)
);
