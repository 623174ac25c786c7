CREATE INDEX proposals_state ON proposals(state);
CREATE INDEX proposals_stats ON proposals(session_id, kind, state, number, handling_round, is_key, topic, submitter_type, proposer_id, id);
CREATE INDEX proposals_public ON proposals(state, session_id, published_at, proposer_id, handling_round, is_key, kind, id);
CREATE INDEX proposals_by_proposer ON proposals(proposer_id, state, session_id, published_at, handling_round, is_key, kind, id);
