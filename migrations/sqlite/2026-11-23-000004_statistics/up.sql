-- Indexes for the office's statistics (src/statistics/queries.rs): each
-- per-proposal or per-assignment look-up finds its rows through one of these.
-- Expand-only: nothing existing changes.
CREATE INDEX proposals_session_kind_state ON proposals(session_id, kind, state);
CREATE INDEX replies_assignment_round ON replies(assignment_id, handling_round, submitted_at);
CREATE INDEX replies_proposal_round ON replies(proposal_id, handling_round, submitted_at);
CREATE INDEX ratings_proposal_round ON ratings(proposal_id, handling_round, rater_id);
CREATE INDEX contacts_proposal_kind ON contacts(proposal_id, kind);
CREATE INDEX contacts_assignment_kind ON contacts(assignment_id, kind);
CREATE INDEX co_opinions_assignment ON co_opinions(assignment_id);
