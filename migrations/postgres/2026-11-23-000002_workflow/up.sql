-- The workflow's own records, beside the foundation's proposals, assignments,
-- replies and ratings (expand-only: nothing existing changes meaning).

ALTER TABLE proposals ADD COLUMN submitter_name TEXT;
ALTER TABLE proposals ADD COLUMN handling_round INTEGER NOT NULL DEFAULT 1;
ALTER TABLE proposals ADD COLUMN refusal_code TEXT;
ALTER TABLE proposals ADD COLUMN refusal_text TEXT;
ALTER TABLE proposals ADD COLUMN key_leader_id TEXT;
ALTER TABLE proposals ADD COLUMN key_mode TEXT;
ALTER TABLE proposals ADD COLUMN withheld_reason TEXT;
ALTER TABLE proposals ADD COLUMN replied_at TIMESTAMP;
ALTER TABLE proposals ADD COLUMN rating_due_at TIMESTAMP;
CREATE INDEX proposals_session_number ON proposals(session_id, kind, number);
CREATE INDEX proposals_merged_into ON proposals(merged_into_id);
CREATE INDEX proposals_key_leader ON proposals(key_leader_id);

ALTER TABLE assignments ADD COLUMN return_window_ends_at TIMESTAMP;
ALTER TABLE assignments ADD COLUMN opinion_due_at TIMESTAMP;
ALTER TABLE assignments ADD COLUMN contact_waiver TEXT;
ALTER TABLE assignments ADD COLUMN handling_round INTEGER NOT NULL DEFAULT 1;

ALTER TABLE replies ADD COLUMN handling_round INTEGER NOT NULL DEFAULT 1;
ALTER TABLE ratings ADD COLUMN handling_round INTEGER NOT NULL DEFAULT 1;

-- The last number given in each session, per kind: filing takes the next one
-- under the row's lock, so numbers never repeat or skip.
CREATE TABLE number_sequences (
    kind TEXT NOT NULL,
    session_id TEXT NOT NULL REFERENCES committee_sessions(id),
    last_number INTEGER NOT NULL,
    PRIMARY KEY (kind, session_id)
);

-- 沟通: contacts with the proposer.
CREATE TABLE contacts (
    id TEXT PRIMARY KEY NOT NULL,
    assignment_id TEXT NOT NULL REFERENCES assignments(id),
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    kind TEXT NOT NULL,
    contacted_on DATE NOT NULL,
    summary TEXT NOT NULL,
    recorded_by_id TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX contacts_assignment ON contacts(assignment_id);

-- 会办意见: a co-handling unit's opinion for the lead unit.
CREATE TABLE co_opinions (
    id TEXT PRIMARY KEY NOT NULL,
    assignment_id TEXT NOT NULL REFERENCES assignments(id),
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    body TEXT NOT NULL,
    sent_by_id TEXT NOT NULL REFERENCES users(id),
    sent_at TIMESTAMP NOT NULL
);
CREATE INDEX co_opinions_proposal ON co_opinions(proposal_id);

-- 退回 and 延期 requests, each decided by the office.
CREATE TABLE unit_requests (
    id TEXT PRIMARY KEY NOT NULL,
    assignment_id TEXT NOT NULL REFERENCES assignments(id),
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_due_at TIMESTAMP,
    requested_by_id TEXT NOT NULL REFERENCES users(id),
    requested_at TIMESTAMP NOT NULL,
    decision TEXT NOT NULL,
    decision_note TEXT,
    decided_by_id TEXT REFERENCES users(id),
    decided_at TIMESTAMP
);
CREATE INDEX unit_requests_assignment ON unit_requests(assignment_id);

-- B 类跟踪: what a B reply promises, and the progress reported on it.
CREATE TABLE commitments (
    id TEXT PRIMARY KEY NOT NULL,
    reply_id TEXT NOT NULL REFERENCES replies(id),
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    description TEXT NOT NULL,
    target_date DATE NOT NULL,
    fulfilled_at TIMESTAMP,
    fulfilled_by_id TEXT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX commitments_proposal ON commitments(proposal_id);

CREATE TABLE commitment_progress (
    id TEXT PRIMARY KEY NOT NULL,
    commitment_id TEXT NOT NULL REFERENCES commitments(id),
    note TEXT NOT NULL,
    reported_by_id TEXT NOT NULL REFERENCES users(id),
    reported_at TIMESTAMP NOT NULL
);
CREATE INDEX commitment_progress_commitment ON commitment_progress(commitment_id);
