-- PostgreSQL only (its search words kept uncompressed); SQLite searches its
-- FTS5 index, which holds the phrase positions itself. The same version on
-- both backends keeps their histories alike.
SELECT 1;
