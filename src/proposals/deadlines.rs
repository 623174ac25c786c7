//! The `deadlines` rows the office chases: one per assignment and kind of
//! work (reply, co-handling opinion, return window), opened when the stage
//! starts, moved by an approved extension, met when the work is done or the
//! unit is released.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::models::proposal::{AssignmentRow, ProposalRow};
use crate::db::schema::{assignments, deadlines};
use crate::domain::deadlines::add_working_days;
use crate::domain::workflow::{AssignmentState, UnitRole};
use crate::error::AppResult;

/// A deadline as stored.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = deadlines)]
pub struct DeadlineRow {
    pub id: String,
    pub object_type: String,
    pub object_id: String,
    /// reply | opinion | return_window
    pub kind: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub due_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub met_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
}

/// Opens the deadline `kind` of assignment `a`, due at `due_at`.
pub fn open(
    conn: &mut DbConn,
    a: &AssignmentRow,
    kind: &str,
    due_at: NaiveDateTime,
    now: NaiveDateTime,
) -> AppResult<DeadlineRow> {
    let row = DeadlineRow {
        id: crate::ids::new_id(),
        object_type: "assignment".into(),
        object_id: a.id.clone(),
        kind: kind.into(),
        due_at,
        met_at: None,
        created_at: now,
    };
    diesel::insert_into(deadlines::table).values(&row).execute(conn)?;
    Ok(row)
}

/// Opens the deadlines of a new assignment: its work (the reply, or a
/// co-handling unit's opinion) and, when it has one, its return window.
pub fn open_for_assignment(conn: &mut DbConn, a: &AssignmentRow, now: NaiveDateTime) -> AppResult<Vec<DeadlineRow>> {
    let mut opened = vec![match a.opinion_due_at {
        Some(opinion) => open(conn, a, "opinion", opinion, now)?,
        None => open(conn, a, "reply", a.due_at, now)?,
    }];
    if let Some(window) = a.return_window_ends_at {
        opened.push(open(conn, a, "return_window", window, now)?);
    }
    Ok(opened)
}

/// The assignment's open deadlines (of `kind`, or all when `None`) are met now.
pub fn meet(conn: &mut DbConn, assignment_id: &str, kind: Option<&str>, now: NaiveDateTime) -> AppResult<()> {
    let open = deadlines::table
        .filter(deadlines::object_type.eq("assignment"))
        .filter(deadlines::object_id.eq(assignment_id))
        .filter(deadlines::met_at.is_null());
    match kind {
        Some(kind) => {
            diesel::update(open.filter(deadlines::kind.eq(kind))).set(deadlines::met_at.eq(now)).execute(conn)?
        }
        None => diesel::update(open).set(deadlines::met_at.eq(now)).execute(conn)?,
    };
    Ok(())
}

/// The assignment's open reply deadline moves to `due_at` (an approved extension).
pub fn move_reply(conn: &mut DbConn, assignment_id: &str, due_at: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        deadlines::table
            .filter(deadlines::object_type.eq("assignment"))
            .filter(deadlines::object_id.eq(assignment_id))
            .filter(deadlines::kind.eq("reply"))
            .filter(deadlines::met_at.is_null()),
    )
    .set(deadlines::due_at.eq(due_at))
    .execute(conn)?;
    Ok(())
}

/// How many lead or separate units of the proposal's current round still owe
/// their reply (neither submitted nor released).
pub fn replies_outstanding(conn: &mut DbConn, p: &ProposalRow) -> AppResult<i64> {
    Ok(assignments::table
        .filter(assignments::proposal_id.eq(&p.id))
        .filter(assignments::handling_round.eq(p.handling_round))
        .filter(assignments::unit_role.eq_any([UnitRole::Lead, UnitRole::Separate]))
        .filter(assignments::state.ne_all([AssignmentState::Done, AssignmentState::Returned]))
        .count()
        .get_result(conn)?)
}

/// Every reply of the round is in: the proposal is replied and the
/// proposer's rating window opens.
pub fn open_rating(p: &mut ProposalRow, now: NaiveDateTime, workflow: &WorkflowSettings) {
    p.state = crate::domain::workflow::ProposalState::Replied;
    p.replied_at = Some(now);
    p.rating_due_at = Some(add_working_days(now, workflow.rating_window_working_days));
}
