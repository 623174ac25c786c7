//! The audit trail: one event per state-changing action, written in the same
//! transaction as the change, hash-chained so that any edit, deletion or
//! reordering is found by [`verify::verify`]. The database refuses UPDATE and
//! DELETE on the table (triggers in the first migration).

pub mod chain;
pub mod verify;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use crate::db::DbConn;
use crate::db::backend_specific::lock_audit_chain;
use crate::db::prepared::execute_kept;
use crate::db::schema::audit_events;
use crate::error::AppResult;
pub use chain::{AuditEvent, GENESIS_HASH};

/// Who did it, and acting as which role.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    pub name: String,
    pub role: String,
}

impl Actor {
    /// An action taken outside any account, e.g. from the command line or on demo start.
    pub fn system(name: &str) -> Self {
        Actor { user_id: None, name: name.to_string(), role: "system".into() }
    }

    /// Someone who is not (yet) signed in, e.g. a failed login.
    pub fn anonymous(name: &str) -> Self {
        Actor { user_id: None, name: name.to_string(), role: "anonymous".into() }
    }
}

/// Where the request came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
}

/// What happened to which object, with the values before and after.
#[derive(Debug, Clone)]
pub struct Change {
    pub action: std::borrow::Cow<'static, str>,
    pub object_type: &'static str,
    pub object_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    pub fn new(
        action: impl Into<std::borrow::Cow<'static, str>>,
        object_type: &'static str,
        object_id: impl Into<String>,
    ) -> Self {
        Change { action: action.into(), object_type, object_id: object_id.into(), before: None, after: None }
    }
    pub fn before(mut self, v: Value) -> Self {
        self.before = Some(v);
        self
    }
    pub fn after(mut self, v: Value) -> Self {
        self.after = Some(v);
        self
    }
}

/// The sequence number of the newest event (0 when there is none): what a
/// reader keeping something in memory compares with what it has seen.
pub fn head(conn: &mut DbConn) -> AppResult<i64> {
    Ok(audit_events::table.select(diesel::dsl::max(audit_events::seq)).first::<Option<i64>>(conn)?.unwrap_or(0))
}

/// What each event after `seen` was about, in order: (action, object type,
/// object id); None when there are more than `at_most` of them (the callers,
/// which keep something in memory up to date, then read everything again).
pub fn about_since(conn: &mut DbConn, seen: i64, at_most: usize) -> AppResult<Option<Vec<(String, String, String)>>> {
    let events: Vec<(String, String, String)> = audit_events::table
        .filter(audit_events::seq.gt(seen))
        .order(audit_events::seq.asc())
        .select((audit_events::action, audit_events::object_type, audit_events::object_id))
        .limit(i64::try_from(at_most).unwrap_or(i64::MAX).saturating_add(1))
        .load(conn)?;
    Ok((events.len() <= at_most).then_some(events))
}

/// Appends one event to the chain. Call inside the action's write transaction.
pub fn record(conn: &mut DbConn, actor: &Actor, origin: &Origin, change: Change, now: NaiveDateTime) -> AppResult<i64> {
    lock_audit_chain(conn)?;
    let last: Option<(i64, String)> = crate::db::direct::on_backend!(conn, |c| {
        audit_events::table.select((audit_events::seq, audit_events::hash)).order(audit_events::seq.desc()).first(c)
    })
    .optional()?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS_HASH.to_string()));
    let mut event = AuditEvent {
        seq: prev_seq + 1,
        occurred_at: now,
        actor_id: actor.user_id.clone(),
        actor_name: actor.name.clone(),
        actor_role: actor.role.clone(),
        action: change.action.to_string(),
        object_type: change.object_type.to_string(),
        object_id: change.object_id,
        before_json: change.before.map(|v| v.to_string()),
        after_json: change.after.map(|v| v.to_string()),
        client_addr: origin.client_addr.clone(),
        request_id: origin.request_id.clone(),
        prev_hash,
        hash: String::new(),
    };
    event.hash = chain::hash_of(&event);
    execute_kept(conn, diesel::insert_into(audit_events::table).values(&event))?;
    Ok(event.seq)
}
