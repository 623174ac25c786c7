//! A proposal's audit trail as a readable timeline (the office): every
//! recorded change of the proposal, who made it, when and from where.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::audit_events;
use crate::error::AppResult;

/// One recorded change.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_name: String,
    pub actor_role: String,
    /// `proposal.file`, `proposal.assign`, …
    pub action: String,
    pub client_addr: Option<String>,
}

/// The changes recorded against the proposal `id`, oldest first.
pub fn of(conn: &mut DbConn, id: &str) -> AppResult<Vec<TimelineEntry>> {
    let rows: Vec<(i64, NaiveDateTime, String, String, String, Option<String>)> = audit_events::table
        .filter(audit_events::object_id.eq(id))
        .order(audit_events::seq.asc())
        .select((
            audit_events::seq,
            audit_events::occurred_at,
            audit_events::actor_name,
            audit_events::actor_role,
            audit_events::action,
            audit_events::client_addr,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(seq, at, actor_name, actor_role, action, client_addr)| TimelineEntry {
            seq,
            at,
            actor_name,
            actor_role,
            action,
            client_addr,
        })
        .collect())
}
