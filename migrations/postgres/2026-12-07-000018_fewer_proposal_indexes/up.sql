-- Every index over a column an action changes is rewritten by that action:
-- a submit changes the state, the session and the dates, and went through
-- ten. The three covering indexes served the statistics and the public
-- list when both were read from here; both are now answered from memory
-- (src/statistics/store.rs, src/proposals/public_index.rs) and load by
-- primary key. An index on the state alone is the first column of
-- proposals_published. Submits/s on the seeded 100k archive (SQLite):
-- about 1,340 with them, 1,900 without (docs/performance.md).
DROP INDEX proposals_stats;
DROP INDEX proposals_public;
DROP INDEX proposals_by_proposer;
DROP INDEX proposals_state;
