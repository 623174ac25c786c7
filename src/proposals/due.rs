//! What is due (待办期限): the open deadlines of the units' work (replies,
//! co-handling opinions and the commitments of B replies) falling due within
//! N working days, or already overdue, with the unit and the proposal, and
//! the provisional ones marked.
//! The office sees every unit's; a unit's staff and head see their own.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::schema::{assignments, commitments, committee_sessions, deadlines, proposals, units};
use crate::domain::Permission;
use crate::domain::deadlines::OfficeTime;
use crate::error::AppResult;
use crate::listing::Page;
use crate::proposals::deadlines::COMMITMENT;
use crate::validate::Check;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// Deadlines falling due within this many working days from today (0:
    /// today), overdue ones included. Default 10, at most 250.
    #[param(minimum = 0, maximum = 250)]
    pub within_working_days: Option<u32>,
    /// Only what is overdue now.
    pub overdue_only: Option<bool>,
    /// One unit's deadlines only (the office); a unit always sees its own.
    pub unit_id: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// One open deadline.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueItem {
    pub deadline_id: String,
    /// `reply`, `opinion` or `commitment` (a B reply's 承诺事项).
    pub kind: String,
    /// The commitment, for a `commitment` deadline.
    pub commitment_id: Option<String>,
    /// What was promised, for a `commitment` deadline.
    pub commitment: Option<String>,
    pub proposal_id: String,
    /// 一届一次会议第12号提案
    pub number_label: Option<String>,
    pub title: String,
    pub assignment_id: String,
    pub unit_id: String,
    pub unit_name: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub due_at: NaiveDateTime,
    /// The office's day it falls due on.
    pub due_on: NaiveDate,
    /// Counted through a year whose calendar is not published yet.
    pub provisional: bool,
    pub overdue: bool,
    /// Working days from today to the due day (negative once overdue).
    pub working_days_left: i64,
}

type Row = (
    (String, String, NaiveDateTime, bool),
    (String, String, String, String, Option<i32>, Option<String>, String, String),
    (Option<String>, Option<String>),
);

pub fn list(
    conn: &mut DbConn,
    user: &AuthUser,
    office: &OfficeTime,
    workflow: &WorkflowSettings,
    now: NaiveDateTime,
    q: &DueQuery,
) -> AppResult<Page<DueItem>> {
    // Every unit's, one asked for, or (a unit) one's own only: the permission table decides.
    let unit_filter = if user.require(Permission::ChaseDeadlines).is_ok() {
        q.unit_id.clone()
    } else {
        user.require(Permission::SeeOwnUnitDeadlines)?;
        Some(user.unit_id.clone().unwrap_or_default())
    };
    let (page, per_page) = crate::listing::PageQuery { page: q.page, per_page: q.per_page }.resolve()?;
    let within = q.within_working_days.unwrap_or(10);
    let mut check = Check::new();
    check.range("within_working_days", i64::from(within), 0, 250);
    check.finish()?;
    let today = office.today(now);
    let horizon = office.end_of(office.calendar.last_day_within(today, within).value);
    let until = if q.overdue_only == Some(true) { now } else { horizon };

    let query = || {
        let mut query = deadlines::table
            .inner_join(assignments::table.on(assignments::id.eq(deadlines::object_id)))
            .inner_join(units::table.on(units::id.eq(assignments::unit_id)))
            .inner_join(proposals::table.on(proposals::id.eq(assignments::proposal_id)))
            .left_join(committee_sessions::table.on(committee_sessions::id.nullable().eq(proposals::session_id)))
            .left_join(commitments::table.on(commitments::deadline_id.eq(deadlines::id.nullable())))
            .filter(deadlines::object_type.eq("assignment"))
            .filter(deadlines::kind.eq_any(["reply", "opinion", COMMITMENT]))
            .filter(deadlines::met_at.is_null())
            .filter(deadlines::due_at.le(until))
            .into_boxed();
        if let Some(unit) = &unit_filter {
            query = query.filter(assignments::unit_id.eq(unit.clone()));
        }
        query
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<Row> = query()
        .order((deadlines::due_at.asc(), proposals::number.asc(), deadlines::id.asc()))
        .limit(per_page)
        .offset((page - 1) * per_page)
        .select((
            (deadlines::id, deadlines::kind, deadlines::due_at, deadlines::provisional),
            (
                proposals::id,
                proposals::title,
                proposals::kind,
                assignments::id,
                proposals::number,
                committee_sessions::name.nullable(),
                units::id,
                units::name,
            ),
            (commitments::id.nullable(), commitments::description.nullable()),
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(
            |(
                (deadline_id, kind, due_at, provisional),
                (proposal_id, title, pkind, assignment_id, number, session, unit_id, unit_name),
                (commitment_id, commitment),
            )| {
                let due_on = office.today(due_at);
                let number_label = match (number, session) {
                    (Some(n), Some(s)) => Some(crate::proposals::numbering::label(&s, n, workflow.noun(&pkind))),
                    _ => None,
                };
                DueItem {
                    deadline_id,
                    kind,
                    commitment_id,
                    commitment,
                    proposal_id,
                    number_label,
                    title,
                    assignment_id,
                    unit_id,
                    unit_name,
                    due_at,
                    due_on,
                    provisional,
                    overdue: due_at < now,
                    working_days_left: office.calendar.working_days_between(today, due_on).value,
                }
            },
        )
        .collect();
    Ok(Page { items, total, page, per_page })
}
