-- Full-text search over published proposals (title, 案由, 建议 and the public
-- versions of the replies). `body` holds the text as searchable words (see
-- src/search/text.rs: Chinese cut into overlapping pairs), indexed as a
-- 'simple' tsvector. SQLite uses an FTS5 table instead. The database's
-- LC_CTYPE must be a UTF-8 locale, so that Chinese counts as letters.
CREATE TABLE search_documents (
    proposal_id TEXT PRIMARY KEY NOT NULL REFERENCES proposals(id),
    body TEXT NOT NULL,
    indexed_at TIMESTAMP NOT NULL
);
CREATE INDEX search_documents_words ON search_documents USING GIN (to_tsvector('simple', body));
-- The public list: published proposals, newest first.
CREATE INDEX proposals_published ON proposals(state, published_at);
