//! Reports kept in memory while they still hold. Computing a large session
//! reads every proposal, assignment and reply of it; reading one back costs a
//! look at the audit chain's head. A report holds while
//! - no action was recorded since (every change is one transaction with its
//!   audit event, so the head of `audit_events` moves with every change, made
//!   by this instance or any other one sharing the database), and
//! - time has not passed the next due date of a live assignment (until then,
//!   no overdue count can change by time alone), nor gone back before it was computed.
//!
//! Rows written straight into the tables without an audit event (test
//! fixtures, say) are not noticed until the next recorded action.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Report, SessionRef, compute};
use crate::db::DbConn;
use crate::db::schema::audit_events;
use crate::error::AppResult;

#[derive(Clone)]
struct Entry {
    audit_head: Option<i64>,
    computed_at: NaiveDateTime,
    holds_until: Option<NaiveDateTime>,
    report: Arc<Report>,
}

/// Reports by (session, kind), shared by the workers of one process.
#[derive(Clone, Default)]
pub struct Cache {
    entries: Arc<Mutex<HashMap<(String, String), Entry>>>,
    /// Reports are computed one at a time: requests that arrive while one is
    /// being computed wait for it and then find it kept, instead of all
    /// computing the same report at once.
    computing: Arc<Mutex<()>>,
}

impl Cache {
    /// The report of `session` and `kind` as of `now`: the kept one if it
    /// still holds, or a fresh one.
    pub fn report(
        &self,
        conn: &mut DbConn,
        session: SessionRef,
        kind: &str,
        now: NaiveDateTime,
    ) -> AppResult<Arc<Report>> {
        // The head is read before computing: a change committed meanwhile
        // moves it again, so the next request recomputes.
        let audit_head: Option<i64> = audit_events::table.select(diesel::dsl::max(audit_events::seq)).first(conn)?;
        let key = (session.id.clone(), kind.to_string());
        if let Some(report) = self.holding(&key, audit_head, now) {
            return Ok(report);
        }
        let _turn = self.computing.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(report) = self.holding(&key, audit_head, now) {
            return Ok(report);
        }
        let (report, holds_until) = compute(conn, session, kind, now)?;
        let report = Arc::new(report);
        let entry = Entry { audit_head, computed_at: now, holds_until, report: report.clone() };
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key, entry);
        }
        Ok(report)
    }

    /// The kept report of `key`, while nothing was recorded since and no due date has passed.
    fn holding(&self, key: &(String, String), audit_head: Option<i64>, now: NaiveDateTime) -> Option<Arc<Report>> {
        // A poisoned lock only means another request panicked: compute afresh.
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        let holds = entry.audit_head == audit_head
            && entry.computed_at <= now
            && entry.holds_until.is_none_or(|until| now <= until);
        holds.then(|| entry.report.clone())
    }
}
