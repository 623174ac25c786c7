DROP INDEX co_opinions_assignment;
DROP INDEX contacts_assignment_kind;
DROP INDEX contacts_proposal_kind;
DROP INDEX ratings_proposal_round;
DROP INDEX replies_proposal_round;
DROP INDEX replies_assignment_round;
DROP INDEX proposals_session_kind_state;
