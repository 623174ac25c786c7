-- Covering indexes for the hot reads. A proposal row carries its long texts
-- (案由, 建议) before the small columns these reads filter on, so reading the
-- row means reading its overflow pages; these indexes answer without the row.
-- The office's statistics: a session's proposals, grouped.
CREATE INDEX proposals_stats ON proposals(session_id, kind, state, number, handling_round, is_key, topic, submitter_type, proposer_id, id);
-- The public list: published proposals of a session, newest first.
CREATE INDEX proposals_public ON proposals(state, session_id, published_at, proposer_id, handling_round, is_key, kind, id);
-- The public list by sector: the sector's members' published proposals.
CREATE INDEX proposals_by_proposer ON proposals(proposer_id, state, session_id, published_at, handling_round, is_key, kind, id);
