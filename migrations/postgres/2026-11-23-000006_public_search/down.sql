DROP INDEX proposals_published;
DROP TABLE search_documents;
