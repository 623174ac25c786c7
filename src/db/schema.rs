// The one schema both backends share. Kept by hand in step with
// migrations/{sqlite,postgres}: tests/migrations.rs checks that both backends
// end with the same columns and that every table here reads back whole.

diesel::table! {
    sectors (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        sort_order -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    units (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        kind -> Text,
        email -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        role -> Text,
        sector_id -> Nullable<Text>,
        unit_id -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        password_hash -> Text,
        must_change_password -> Bool,
        token_generation -> Integer,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    auth_sessions (id) {
        id -> Text,
        user_id -> Text,
        refresh_jti -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        client_addr -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (throttle_key) {
        throttle_key -> Text,
        failures -> Integer,
        last_failed_at -> Timestamp,
    }
}

diesel::table! {
    login_addresses (user_id, client_addr) {
        user_id -> Text,
        client_addr -> Text,
        last_signed_in_at -> Timestamp,
    }
}

diesel::table! {
    committee_terms (id) {
        id -> Text,
        number -> Integer,
        name -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    committee_sessions (id) {
        id -> Text,
        term_id -> Text,
        number -> Integer,
        name -> Text,
        opens_on -> Date,
        plenary_window_start -> Date,
        plenary_window_end -> Date,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        replies_due_on -> Nullable<Date>,
    }
}

diesel::table! {
    proposals (id) {
        id -> Text,
        kind -> Text,
        session_id -> Nullable<Text>,
        number -> Nullable<Integer>,
        title -> Text,
        reasons -> Text,
        suggestions -> Text,
        topic -> Text,
        submitter_type -> Text,
        proposer_id -> Text,
        entered_by_id -> Nullable<Text>,
        state -> Text,
        is_plenary -> Nullable<Bool>,
        is_key -> Bool,
        merged_into_id -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        filed_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        submitter_name -> Nullable<Text>,
        handling_round -> Integer,
        refusal_code -> Nullable<Text>,
        refusal_text -> Nullable<Text>,
        key_leader_id -> Nullable<Text>,
        key_mode -> Nullable<Text>,
        withheld_reason -> Nullable<Text>,
        replied_at -> Nullable<Timestamp>,
        rating_due_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    proposal_cosigners (proposal_id, user_id) {
        proposal_id -> Text,
        user_id -> Text,
        status -> Text,
        invited_at -> Timestamp,
        respond_by -> Timestamp,
        responded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    assignments (id) {
        id -> Text,
        proposal_id -> Text,
        unit_id -> Text,
        unit_role -> Text,
        state -> Text,
        assigned_at -> Timestamp,
        due_at -> Timestamp,
        signed_for_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        return_window_ends_at -> Nullable<Timestamp>,
        opinion_due_at -> Nullable<Timestamp>,
        contact_waiver -> Nullable<Text>,
        handling_round -> Integer,
        opinion_waiver -> Nullable<Text>,
    }
}

diesel::table! {
    replies (id) {
        id -> Text,
        proposal_id -> Text,
        assignment_id -> Text,
        grade -> Nullable<Text>,
        body -> Text,
        public_body -> Nullable<Text>,
        person_in_charge -> Nullable<Text>,
        drafted_by_id -> Nullable<Text>,
        signed_off_by_id -> Nullable<Text>,
        signed_off_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        handling_round -> Integer,
    }
}

diesel::table! {
    ratings (id) {
        id -> Text,
        proposal_id -> Text,
        reply_id -> Nullable<Text>,
        rater_id -> Text,
        process_rating -> Text,
        result_rating -> Text,
        comment -> Nullable<Text>,
        rated_at -> Timestamp,
        handling_round -> Integer,
    }
}

diesel::table! {
    deadlines (id) {
        id -> Text,
        object_type -> Text,
        object_id -> Text,
        kind -> Text,
        due_at -> Timestamp,
        met_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        counted_from -> Nullable<Date>,
        rule -> Nullable<Text>,
        provisional -> Bool,
    }
}

diesel::table! {
    reminders (deadline_id, step) {
        deadline_id -> Text,
        step -> Text,
        step_order -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    email_outbox (id) {
        id -> Text,
        to_address -> Text,
        template -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        created_at -> Timestamp,
        send_after -> Timestamp,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        given_up_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_name -> Text,
        actor_role -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    number_sequences (kind, session_id) {
        kind -> Text,
        session_id -> Text,
        last_number -> Integer,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        assignment_id -> Text,
        proposal_id -> Text,
        kind -> Text,
        contacted_on -> Date,
        summary -> Text,
        recorded_by_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    co_opinions (id) {
        id -> Text,
        assignment_id -> Text,
        proposal_id -> Text,
        body -> Text,
        sent_by_id -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    unit_requests (id) {
        id -> Text,
        assignment_id -> Text,
        proposal_id -> Text,
        kind -> Text,
        reason -> Text,
        requested_due_at -> Nullable<Timestamp>,
        requested_by_id -> Text,
        requested_at -> Timestamp,
        decision -> Text,
        decision_note -> Nullable<Text>,
        decided_by_id -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    commitments (id) {
        id -> Text,
        reply_id -> Text,
        proposal_id -> Text,
        description -> Text,
        target_date -> Date,
        fulfilled_at -> Nullable<Timestamp>,
        fulfilled_by_id -> Nullable<Text>,
        created_at -> Timestamp,
        deadline_id -> Nullable<Text>,
    }
}

diesel::table! {
    commitment_progress (id) {
        id -> Text,
        commitment_id -> Text,
        note -> Text,
        reported_by_id -> Text,
        reported_at -> Timestamp,
    }
}

diesel::table! {
    proposal_attachments (id) {
        id -> Text,
        proposal_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_by_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> sectors (sector_id));
diesel::joinable!(users -> units (unit_id));
diesel::table! {
    notices (id) {
        id -> Text,
        user_id -> Text,
        proposal_id -> Text,
        event -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        digest -> Nullable<Text>,
        digested_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_preferences (user_id, notice) {
        user_id -> Text,
        notice -> Text,
        mode -> Text,
    }
}

diesel::table! {
    saved_searches (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        query -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mail_digests (user_id, period) {
        user_id -> Text,
        period -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    search_documents (proposal_id) {
        proposal_id -> Text,
        body -> Text,
        indexed_at -> Timestamp,
    }
}

diesel::table! {
    import_keys (row_key) {
        row_key -> Text,
        proposal_id -> Text,
        content -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    import_files (id) {
        id -> Text,
        file_name -> Text,
        encoding -> Nullable<Text>,
        content -> Binary,
        sha256 -> Text,
        uploaded_by_id -> Text,
        uploaded_at -> Timestamp,
        imported_at -> Nullable<Timestamp>,
        imported_rows -> Nullable<Integer>,
    }
}

diesel::joinable!(auth_sessions -> users (user_id));
diesel::joinable!(login_addresses -> users (user_id));
diesel::joinable!(committee_sessions -> committee_terms (term_id));
diesel::joinable!(assignments -> units (unit_id));

diesel::allow_tables_to_appear_in_same_query!(
    sectors,
    units,
    users,
    auth_sessions,
    login_throttle,
    login_addresses,
    committee_terms,
    committee_sessions,
    proposals,
    proposal_cosigners,
    assignments,
    replies,
    ratings,
    deadlines,
    email_outbox,
    reminders,
    mail_preferences,
    saved_searches,
    mail_digests,
    audit_events,
    number_sequences,
    contacts,
    co_opinions,
    unit_requests,
    commitments,
    commitment_progress,
    notices,
    search_documents,
    proposal_attachments,
    import_keys,
    import_files,
);
