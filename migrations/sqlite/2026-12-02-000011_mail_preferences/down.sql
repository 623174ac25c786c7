DROP TABLE mail_digests;
DROP INDEX notices_digest_pending;
ALTER TABLE notices DROP COLUMN digested_at;
ALTER TABLE notices DROP COLUMN digest;
DROP TABLE mail_preferences;
