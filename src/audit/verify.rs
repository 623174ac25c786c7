//! Recomputes the chain and reports the first place it breaks.

use diesel::prelude::*;

use super::chain::{AuditEvent, GENESIS_HASH, hash_of};
use crate::db::DbConn;
use crate::db::schema::audit_events;
use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The sequence number of the first event that does not fit.
    pub seq: i64,
    pub reason: BreakReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakReason {
    /// The event's content does not match its hash: it was edited.
    ContentChanged,
    /// The event does not point at the hash of the event before it:
    /// something before it was removed, inserted or moved.
    LinkBroken,
    /// A sequence number is missing: events were deleted.
    Gap { expected: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.reason {
            BreakReason::ContentChanged => {
                write!(f, "event {} was altered: its content does not match its hash", self.seq)
            }
            BreakReason::LinkBroken => {
                write!(
                    f,
                    "event {} does not follow the event before it: events were removed, inserted or reordered",
                    self.seq
                )
            }
            BreakReason::Gap { expected } => {
                write!(f, "event {expected} is missing (next present is {}): events were deleted", self.seq)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub events_checked: i64,
    /// The hash of the last event: note it elsewhere to detect truncation of the tail.
    pub head_hash: String,
    pub first_break: Option<Break>,
}

const BATCH: i64 = 2000;

pub fn verify(conn: &mut DbConn) -> AppResult<Report> {
    let mut expected_seq = 1i64;
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut checked = 0i64;
    let mut after = 0i64;
    loop {
        let batch: Vec<AuditEvent> = audit_events::table
            .filter(audit_events::seq.gt(after))
            .order(audit_events::seq.asc())
            .limit(BATCH)
            .select(AuditEvent::as_select())
            .load(conn)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for event in &batch {
            let found = |reason| Report {
                events_checked: checked,
                head_hash: prev_hash.clone(),
                first_break: Some(Break { seq: event.seq, reason }),
            };
            if event.seq != expected_seq {
                return Ok(found(BreakReason::Gap { expected: expected_seq }));
            }
            if hash_of(event) != event.hash {
                return Ok(found(BreakReason::ContentChanged));
            }
            if event.prev_hash != prev_hash {
                return Ok(found(BreakReason::LinkBroken));
            }
            checked += 1;
            expected_seq += 1;
            prev_hash = event.hash.clone();
        }
    }
    Ok(Report { events_checked: checked, head_hash: prev_hash, first_break: None })
}
