-- Files that belong to a proposal (PDF, Word, images). Kept in the database, so
-- every instance behind a load balancer reads the same ones. Expand-only.
CREATE TABLE proposal_attachments (
    id TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    -- SHA-256 of content, lower-case hex.
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by_id TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX proposal_attachments_proposal ON proposal_attachments(proposal_id);
