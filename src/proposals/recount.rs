//! Counting provisional deadlines again (重新计算期限). A deadline that ran
//! through a year without a calendar file was counted on plain weekdays and
//! stored as provisional; once the office adds that year's file, start-up
//! counts each such deadline again from its day and rule. A changed deadline
//! is an audited change by the system, moved on its assignment too, and the
//! unit whose date moved is told.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::audit::{self, Actor, Change, Origin};
use crate::config::Settings;
use crate::db::Db;
use crate::db::models::proposal::ProposalRow;
use crate::db::schema::{assignments, deadlines, proposals};
use crate::domain::Role;
use crate::domain::deadlines::{OfficeTime, Span};
use crate::domain::notices::Notice;
use crate::error::AppResult;

/// What the recount did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recount {
    /// Deadlines whose day moved.
    pub moved: usize,
    /// Deadlines that kept their day and are no longer provisional.
    pub confirmed: usize,
    /// Still provisional (their year has no file yet).
    pub still_provisional: usize,
}

type Open = (String, String, String, NaiveDateTime, Option<NaiveDate>, Option<String>);

/// Counts every open provisional deadline again on `office`'s calendar.
pub fn recount_provisional(
    db: &Db,
    settings: &Settings,
    office: &OfficeTime,
    now: NaiveDateTime,
) -> AppResult<Recount> {
    let open: Vec<Open> = {
        let mut conn = db.get()?;
        deadlines::table
            .filter(deadlines::met_at.is_null())
            .filter(deadlines::provisional.eq(true))
            .filter(deadlines::object_type.eq("assignment"))
            .select((
                deadlines::id,
                deadlines::object_id,
                deadlines::kind,
                deadlines::due_at,
                deadlines::counted_from,
                deadlines::rule,
            ))
            .load(&mut conn)?
    };
    let mut done = Recount::default();
    for (id, assignment_id, kind, old_due_at, from, rule) in open {
        let (Some(from), Some(span)) = (from, rule.as_deref().and_then(Span::from_code)) else { continue };
        let reply = office.due_after(from, span);
        let due = match kind.as_str() {
            "opinion" => crate::proposals::deadlines::opinion_due(
                office,
                reply,
                from,
                settings.workflow.deadlines.co_opinion_days_before_reply,
            ),
            _ => reply,
        };
        if due.provisional {
            done.still_provisional += 1;
            continue;
        }
        let moved = due.at != old_due_at;
        let changed = db.write_blocking(|conn| {
            // Another instance starting at the same time, or an action since the read, may have changed it.
            let changed = diesel::update(
                deadlines::table
                    .find(&id)
                    .filter(deadlines::provisional.eq(true))
                    .filter(deadlines::met_at.is_null())
                    .filter(deadlines::due_at.eq(old_due_at)),
            )
            .set((deadlines::due_at.eq(due.at), deadlines::provisional.eq(false)))
            .execute(conn)?;
            if changed == 0 {
                return Ok(false);
            }
            if moved {
                crate::proposals::deadlines::forget_reminders(conn, std::slice::from_ref(&id))?;
            }
            let on_assignment = assignments::table.find(&assignment_id);
            match kind.as_str() {
                "reply" => diesel::update(on_assignment).set(assignments::due_at.eq(due.at)).execute(conn)?,
                // A co-handling unit's opinion follows the reply's day, which moves with it.
                "opinion" => diesel::update(on_assignment)
                    .set((assignments::opinion_due_at.eq(due.at), assignments::due_at.eq(reply.at)))
                    .execute(conn)?,
                _ => diesel::update(on_assignment).set(assignments::return_window_ends_at.eq(due.at)).execute(conn)?,
            };
            let (p, unit_id): (ProposalRow, String) = assignments::table
                .inner_join(proposals::table.on(proposals::id.eq(assignments::proposal_id)))
                .filter(assignments::id.eq(&assignment_id))
                .select((ProposalRow::as_select(), assignments::unit_id))
                .first(conn)?;
            let change = Change::new("deadline.recount", "deadline", id.clone())
                .before(json!({ "due_at": crate::clock::rfc3339(old_due_at), "provisional": true }))
                .after(json!({
                    "due_at": crate::clock::rfc3339(due.at),
                    "provisional": false,
                    "assignment_id": assignment_id,
                    "proposal_id": p.id,
                    "kind": kind,
                }));
            audit::record(conn, &Actor::system("calendar"), &Origin::default(), change, now)?;
            if moved {
                let mut extra = BTreeMap::new();
                extra.insert("reason", what(&kind).to_string());
                extra.insert("date", due.on.format("%Y-%m-%d").to_string());
                extra.insert("previous", office.today(old_due_at).format("%Y-%m-%d").to_string());
                let people = crate::notify::unit_people(
                    conn,
                    std::slice::from_ref(&unit_id),
                    &[Role::UnitStaff, Role::UnitHead],
                )?;
                crate::notify::tell(
                    conn,
                    &settings.workflow,
                    &settings.mail,
                    office,
                    Notice::DeadlineMoved,
                    &people,
                    &p,
                    now,
                    extra,
                )?;
            }
            Ok(true)
        })?;
        if !changed {
            continue;
        }
        if moved {
            done.moved += 1;
        } else {
            done.confirmed += 1;
        }
    }
    Ok(done)
}

fn what(kind: &str) -> &'static str {
    match kind {
        "opinion" => "会办意见",
        "reply" => "答复",
        _ => "申请退回",
    }
}
