//! How an event's hash is computed: SHA-256 over a canonical JSON rendering of
//! every column but the hash itself, previous hash included.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::rfc3339;
use crate::db::schema::audit_events;

/// The previous hash of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq, Eq)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub actor_role: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields in a fixed order; serde writes them in declaration order.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    occurred_at: String,
    actor_id: &'a Option<String>,
    actor_name: &'a str,
    actor_role: &'a str,
    action: &'a str,
    object_type: &'a str,
    object_id: &'a str,
    before_json: &'a Option<String>,
    after_json: &'a Option<String>,
    client_addr: &'a Option<String>,
    request_id: &'a Option<String>,
    prev_hash: &'a str,
}

pub fn hash_of(e: &AuditEvent) -> String {
    let canonical = Canonical {
        seq: e.seq,
        occurred_at: rfc3339(e.occurred_at),
        actor_id: &e.actor_id,
        actor_name: &e.actor_name,
        actor_role: &e.actor_role,
        action: &e.action,
        object_type: &e.object_type,
        object_id: &e.object_id,
        before_json: &e.before_json,
        after_json: &e.after_json,
        client_addr: &e.client_addr,
        request_id: &e.request_id,
        prev_hash: &e.prev_hash,
    };
    // Serialising a struct of strings and integers cannot fail.
    let text = serde_json::to_string(&canonical).unwrap_or_default();
    hex::encode(Sha256::digest(text.as_bytes()))
}
