-- Full-text search over published proposals (title, 案由, 建议 and the public
-- versions of the replies). `body` holds the text as searchable words (see
-- src/search/text.rs: Chinese cut into overlapping pairs); the FTS5 table
-- indexes a copy, kept in step by triggers. PostgreSQL uses a GIN index instead.
CREATE TABLE search_documents (
    proposal_id TEXT PRIMARY KEY NOT NULL REFERENCES proposals(id),
    body TEXT NOT NULL,
    indexed_at TIMESTAMP NOT NULL
);
CREATE VIRTUAL TABLE search_index USING fts5(proposal_id UNINDEXED, body, tokenize = 'unicode61');
CREATE TRIGGER search_documents_inserted AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_index (proposal_id, body) VALUES (new.proposal_id, new.body);
END;
CREATE TRIGGER search_documents_deleted AFTER DELETE ON search_documents BEGIN
    DELETE FROM search_index WHERE proposal_id = old.proposal_id;
END;
CREATE TRIGGER search_documents_updated AFTER UPDATE ON search_documents BEGIN
    DELETE FROM search_index WHERE proposal_id = old.proposal_id;
    INSERT INTO search_index (proposal_id, body) VALUES (new.proposal_id, new.body);
END;
-- The public list: published proposals, newest first.
CREATE INDEX proposals_published ON proposals(state, published_at);
