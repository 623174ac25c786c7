-- Reference data: sectors (界别) and handling units (承办单位).
CREATE TABLE sectors (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE units (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    email TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

-- Accounts. token_generation is bumped by a password change or reset, by
-- disabling the account and by a new role or affiliation, which invalidates
-- every token issued before.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    sector_id TEXT REFERENCES sectors(id),
    unit_id TEXT REFERENCES units(id),
    email TEXT,
    phone TEXT,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    token_generation INTEGER NOT NULL DEFAULT 0,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX users_unit ON users(unit_id);
CREATE INDEX users_sector ON users(sector_id);

-- One row per login; the refresh token currently valid for it is refresh_jti.
CREATE TABLE auth_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    refresh_jti TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    client_addr TEXT
);
CREATE INDEX auth_sessions_user ON auth_sessions(user_id);

-- Failed-login counters, per account name and per client address, shared by
-- every instance of the service.
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL
);

-- 届 and 次会议.
CREATE TABLE committee_terms (
    id TEXT PRIMARY KEY NOT NULL,
    number INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE committee_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    term_id TEXT NOT NULL REFERENCES committee_terms(id),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    opens_on DATE NOT NULL,
    plenary_window_start DATE NOT NULL,
    plenary_window_end DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (term_id, number)
);

-- Proposals (提案) and deputy suggestions (建议): numbered per kind and session.
CREATE TABLE proposals (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    session_id TEXT REFERENCES committee_sessions(id),
    number INTEGER,
    title TEXT NOT NULL,
    reasons TEXT NOT NULL,
    suggestions TEXT NOT NULL,
    topic TEXT NOT NULL,
    submitter_type TEXT NOT NULL,
    proposer_id TEXT NOT NULL REFERENCES users(id),
    entered_by_id TEXT REFERENCES users(id),
    state TEXT NOT NULL,
    is_plenary BOOLEAN,
    is_key BOOLEAN NOT NULL DEFAULT FALSE,
    merged_into_id TEXT REFERENCES proposals(id),
    submitted_at TIMESTAMP,
    filed_at TIMESTAMP,
    closed_at TIMESTAMP,
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (kind, session_id, number)
);
CREATE INDEX proposals_proposer ON proposals(proposer_id);
CREATE INDEX proposals_state ON proposals(state);

-- 联名: co-signers and their answer.
CREATE TABLE proposal_cosigners (
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    invited_at TIMESTAMP NOT NULL,
    respond_by TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX proposal_cosigners_user ON proposal_cosigners(user_id);

-- 交办: a proposal given to a unit as lead (主办), co-handling (会办) or separate (分办).
CREATE TABLE assignments (
    id TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    unit_role TEXT NOT NULL,
    state TEXT NOT NULL,
    assigned_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    signed_for_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX assignments_proposal ON assignments(proposal_id);
CREATE INDEX assignments_unit ON assignments(unit_id);

-- 答复, graded A/B/C, with the version the public may read.
CREATE TABLE replies (
    id TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    assignment_id TEXT NOT NULL REFERENCES assignments(id),
    grade TEXT,
    body TEXT NOT NULL,
    public_body TEXT,
    person_in_charge TEXT,
    drafted_by_id TEXT REFERENCES users(id),
    signed_off_by_id TEXT REFERENCES users(id),
    signed_off_at TIMESTAMP,
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX replies_proposal ON replies(proposal_id);

-- 评价: process and result, each 满意 / 基本满意 / 不满意.
CREATE TABLE ratings (
    id TEXT PRIMARY KEY NOT NULL,
    proposal_id TEXT NOT NULL REFERENCES proposals(id),
    reply_id TEXT REFERENCES replies(id),
    rater_id TEXT NOT NULL REFERENCES users(id),
    process_rating TEXT NOT NULL,
    result_rating TEXT NOT NULL,
    comment TEXT,
    rated_at TIMESTAMP NOT NULL
);
CREATE INDEX ratings_proposal ON ratings(proposal_id);

-- Every stage's deadline, computed when the stage starts.
CREATE TABLE deadlines (
    id TEXT PRIMARY KEY NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    met_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deadlines_open ON deadlines(met_at, due_at);
CREATE INDEX deadlines_object ON deadlines(object_type, object_id);

-- Emails are written here in the transaction that causes them; a worker sends them.
CREATE TABLE email_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    to_address TEXT NOT NULL,
    template TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    created_at TIMESTAMP NOT NULL,
    send_after TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    locked_until TIMESTAMP,
    sent_at TIMESTAMP,
    given_up_at TIMESTAMP
);
CREATE INDEX email_outbox_pending ON email_outbox(sent_at, given_up_at, send_after);

-- The audit trail: append-only and hash-chained (hash = sha256 over the
-- canonical form of the row, including prev_hash).
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    client_addr TEXT,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_object ON audit_events(object_type, object_id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
