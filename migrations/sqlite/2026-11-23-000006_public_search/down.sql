DROP INDEX proposals_published;
DROP TRIGGER search_documents_updated;
DROP TRIGGER search_documents_deleted;
DROP TRIGGER search_documents_inserted;
DROP TABLE search_index;
DROP TABLE search_documents;
