-- 历史数据导入: the key of every imported row (its session, kind and number,
-- or session, kind, title and proposer when it was never numbered), so that
-- running the same file again changes nothing; and the files the office
-- uploaded from the import page, kept until they are imported (a dry run is
-- shown first, and any instance behind the load balancer may take the
-- confirmation).
CREATE TABLE import_keys (
    row_key TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    content TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE TABLE import_files (
    id TEXT PRIMARY KEY NOT NULL,
    file_name TEXT NOT NULL,
    encoding TEXT,
    content BYTEA NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by_id TEXT NOT NULL REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL,
    imported_at TIMESTAMP,
    imported_rows INTEGER
);
