-- A person's saved searches of the proposals list (the office's 常用查询): a
-- name and the list's query string, opened again with one click.
CREATE TABLE saved_searches (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX saved_searches_by_user ON saved_searches(user_id, name);
