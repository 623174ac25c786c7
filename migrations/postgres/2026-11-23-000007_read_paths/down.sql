DROP INDEX proposals_by_proposer;
DROP INDEX proposals_public;
DROP INDEX proposals_stats;
