//! The key proposals (重点提案) of a scope, one line each, as the annual report
//! lists them: number, title, 领办 or 督办, the leader, the lead unit and the
//! grade of its reply.

use chrono::Days;
use diesel::prelude::*;

use super::Scope;
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::schema::{assignments, committee_sessions, proposals, replies, units, users};
use crate::domain::deadlines::OfficeTime;
use crate::domain::statistics::key_mode_label;
use crate::domain::statistics::scope::Span;
use crate::error::AppResult;
use crate::proposals::numbering::label;

/// One key proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyProposal {
    pub number: String,
    pub title: String,
    pub mode: String,
    pub leader: String,
    pub lead_unit: String,
    pub grade: String,
}

/// id, title, number, session name, mode, leader's name, handling round.
type KeyRow = (String, String, Option<i32>, String, Option<String>, Option<String>, i32);

/// proposal id, the assignment's round, the unit's name, its reply's round and grade.
type LeadRow = (String, i32, String, Option<i32>, Option<String>);

/// The key proposals counted in `scope`, by number.
pub fn of(
    conn: &mut DbConn,
    scope: &Scope,
    office: &OfficeTime,
    workflow: &WorkflowSettings,
) -> AppResult<Vec<KeyProposal>> {
    let mut q = proposals::table
        .inner_join(committee_sessions::table.on(committee_sessions::id.nullable().eq(proposals::session_id)))
        .left_join(users::table.on(users::id.nullable().eq(proposals::key_leader_id)))
        .filter(proposals::is_key.eq(true))
        .filter(proposals::kind.eq(&scope.kind))
        .filter(proposals::number.is_not_null())
        .into_boxed();
    match &scope.span {
        Span::Sessions(ids) => q = q.filter(proposals::session_id.eq_any(ids.clone())),
        Span::Days { from, to } => {
            // The office's days, as UTC moments: after the end of the day before `from`, up to the end of `to`.
            let before = office.end_of(from.checked_sub_days(Days::new(1)).unwrap_or(*from));
            q = q.filter(proposals::submitted_at.gt(before)).filter(proposals::submitted_at.le(office.end_of(*to)));
        }
    }
    if let Some(stage) = scope.stage {
        let plenary = stage == crate::domain::statistics::scope::Stage::Plenary;
        q = if plenary {
            q.filter(proposals::is_plenary.eq(true))
        } else {
            q.filter(proposals::is_plenary.is_null().or(proposals::is_plenary.eq(false)))
        };
    }
    let rows: Vec<KeyRow> = q
        .order((committee_sessions::opens_on.asc(), proposals::number.asc()))
        .select((
            proposals::id,
            proposals::title,
            proposals::number,
            committee_sessions::name,
            proposals::key_mode,
            users::display_name.nullable(),
            proposals::handling_round,
        ))
        .load(conn)?;
    // Every key proposal's lead units, with their submitted replies' grades, in one read per 500.
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let mut leads: Vec<LeadRow> = Vec::new();
    for chunk in ids.chunks(500) {
        leads.extend(
            assignments::table
                .inner_join(units::table)
                .left_join(
                    replies::table
                        .on(replies::assignment_id.eq(assignments::id).and(replies::submitted_at.is_not_null())),
                )
                .filter(assignments::proposal_id.eq_any(chunk))
                .filter(assignments::unit_role.eq("lead"))
                .filter(assignments::state.ne("returned"))
                .select((
                    assignments::proposal_id,
                    assignments::handling_round,
                    units::name,
                    replies::handling_round.nullable(),
                    replies::grade.nullable(),
                ))
                .load::<LeadRow>(conn)?,
        );
    }
    let mut by_proposal: std::collections::HashMap<String, Vec<_>> = std::collections::HashMap::new();
    for lead in leads {
        by_proposal.entry(lead.0.clone()).or_default().push(lead);
    }
    let mut out = Vec::with_capacity(rows.len());
    for (id, title, number, session, mode, leader, round) in rows {
        // The latest round's lead unit, and its reply of the proposal's current round.
        let lead = by_proposal
            .get(&id)
            .into_iter()
            .flatten()
            .max_by_key(|(_, assigned_round, _, reply_round, _)| (*assigned_round, *reply_round == Some(round)));
        let lead_unit = lead.map(|l| l.2.clone()).unwrap_or_default();
        let grade = lead.filter(|l| l.3 == Some(round)).and_then(|l| l.4.clone());
        out.push(KeyProposal {
            number: number.map(|n| label(&session, n, workflow.noun(&scope.kind))).unwrap_or_default(),
            title,
            mode: key_mode_label(mode.as_deref().unwrap_or_default()).to_string(),
            leader: leader.unwrap_or_default(),
            lead_unit,
            grade: grade.map(|g| format!("{g}类")).unwrap_or_else(|| "未答复".into()),
        });
    }
    Ok(out)
}
