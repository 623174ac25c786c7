//! 退回 and 延期: a unit asks to be released from an assignment, or for more
//! time; the office approves (a return possibly with a new unit) or refuses.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::handling::{ReasonRequest, on_assignment};
use super::{Ctx, begin, blocked};
use crate::db::DbConn;
use crate::db::models::proposal::{AssignmentRow, ProposalRow, UnitRequestRow};
use crate::db::schema::{assignments, unit_requests, units};
use crate::domain::deadlines::Stage;
use crate::domain::workflow::guards::{may_ask, may_decide_request, may_grant, may_request_return};
use crate::domain::workflow::{Action, AssignmentState, ProposalState, RequestDecision, RequestKind, UnitRole};
use crate::error::{AppError, AppResult};
use crate::ids::{AssignmentId, ProposalId, RequestId};
use crate::proposals::deadlines::AssignmentDues;
use crate::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// The day the reply would then be due (after the current due date).
    pub requested_due_on: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub approve: bool,
    #[schema(min_length = 1, max_length = 500)]
    pub note: Option<String>,
    /// An approved return: the unit that takes the assignment over, in the same part.
    pub reassign_to_unit_id: Option<String>,
    /// An approved extension: a due date other than the one asked for.
    pub new_due_on: Option<NaiveDate>,
}

/// The end of `day`: deadlines given as a date run to its last second.
fn pending(conn: &mut DbConn, assignment_id: &str, kind: RequestKind) -> AppResult<bool> {
    let n: i64 = unit_requests::table
        .filter(unit_requests::assignment_id.eq(assignment_id))
        .filter(unit_requests::kind.eq(kind))
        .filter(unit_requests::decision.eq(RequestDecision::Pending))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn new_request(
    ctx: &Ctx,
    a: &AssignmentRow,
    kind: RequestKind,
    reason: &str,
    due: Option<NaiveDateTime>,
) -> UnitRequestRow {
    UnitRequestRow {
        id: crate::ids::new_id(),
        assignment_id: a.id.clone(),
        proposal_id: a.proposal_id.clone(),
        kind,
        reason: reason.trim().into(),
        requested_due_at: due,
        requested_by_id: ctx.user.id.clone(),
        requested_at: ctx.now,
        decision: RequestDecision::Pending,
        decision_note: None,
        decided_by_id: None,
        decided_at: None,
    }
}

/// 退回: the unit asks to be released, within the return window after assignment.
pub fn request_return(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    assignment_id: &AssignmentId,
    body: ReasonRequest,
) -> AppResult<ProposalRow> {
    let mut check = Check::new();
    check.long_text("reason", &body.reason, 1, 500);
    check.finish()?;
    on_assignment(conn, ctx, id, assignment_id, Action::RequestReturn, move |conn, ctx, p, a| {
        may_ask(a.state == AssignmentState::Done, false).map_err(blocked)?;
        let window_ends_at = match a.return_window_ends_at {
            Some(ends_at) => ends_at,
            // A re-handling assignment (round > 1) has no window of its own: the unit
            // answered in an earlier round, so its window closed with that assignment.
            None if a.handling_round > 1 => NaiveDateTime::MIN,
            None => {
                let rule = ctx.workflow.deadlines.rule(&p.kind, Stage::ReturnWindow);
                ctx.office.due_from(a.assigned_at, rule).at
            }
        };
        may_request_return(window_ends_at, ctx.now, pending(conn, &a.id, RequestKind::Return)?).map_err(blocked)?;
        let row = new_request(ctx, &a, RequestKind::Return, &body.reason, None);
        diesel::insert_into(unit_requests::table).values(&row).execute(conn)?;
        Ok((p.clone(), json!({ "request": row })))
    })
}

/// 延期: the unit asks for a later due date, with its reasons.
pub fn request_extension(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    assignment_id: &AssignmentId,
    body: ExtensionRequest,
) -> AppResult<ProposalRow> {
    let mut check = Check::new();
    check.long_text("reason", &body.reason, 1, 500);
    check.date("requested_due_on", body.requested_due_on);
    check.finish()?;
    let due = ctx.office.end_of(body.requested_due_on);
    on_assignment(conn, ctx, id, assignment_id, Action::RequestExtension, move |conn, ctx, p, a| {
        may_ask(a.state == AssignmentState::Done, pending(conn, &a.id, RequestKind::Extension)?).map_err(blocked)?;
        if body.requested_due_on <= ctx.office.today(a.due_at) {
            return Err(later_than(ctx, &a, "requested_due_on"));
        }
        let row = new_request(ctx, &a, RequestKind::Extension, &body.reason, Some(due));
        diesel::insert_into(unit_requests::table).values(&row).execute(conn)?;
        Ok((p.clone(), json!({ "request": row })))
    })
}

fn later_than(ctx: &Ctx, a: &AssignmentRow, field: &str) -> AppError {
    AppError::invalid_field(field, "not_later", format!("应晚于当前答复期限 {}", ctx.office.today(a.due_at)))
}

/// The office decides a pending return or extension request. An approved
/// return releases the unit and may hand its part to another unit; when no
/// lead or separate unit is left, the proposal goes back to be assigned again.
/// An approved extension moves the reply's due date.
pub fn decide_request(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    request_id: &RequestId,
    body: DecisionRequest,
) -> AppResult<ProposalRow> {
    let mut check = Check::new();
    if let Some(note) = &body.note {
        check.long_text("note", note, 1, 500);
    }
    if let Some(day) = body.new_due_on {
        check.date("new_due_on", day);
    }
    check.finish()?;
    let kind: Option<RequestKind> =
        unit_requests::table.find(request_id.as_str()).select(unit_requests::kind).first(conn).optional()?;
    let action = if kind == Some(RequestKind::Extension) { Action::DecideExtension } else { Action::DecideReturn };
    let step = begin(conn, ctx, id, action, None)?;
    let before = &step.before;
    let mut request: UnitRequestRow = unit_requests::table
        .find(request_id.as_str())
        .filter(unit_requests::proposal_id.eq(&before.id))
        .select(UnitRequestRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)?;
    may_decide_request(request.decision).map_err(blocked)?;
    let is_return = request.kind == RequestKind::Return;
    if body.reassign_to_unit_id.is_some() && !(is_return && body.approve) {
        return Err(AppError::invalid_field("reassign_to_unit_id", "not_applicable", "只有批准退回时才能改办"));
    }
    if body.new_due_on.is_some() && !(request.kind == RequestKind::Extension && body.approve) {
        return Err(AppError::invalid_field("new_due_on", "not_applicable", "只有批准延期时才能指定新期限"));
    }
    let a: AssignmentRow =
        assignments::table.find(&request.assignment_id).select(AssignmentRow::as_select()).first(conn)?;
    if body.approve {
        may_grant(a.state).map_err(blocked)?;
    }
    request.decision = if body.approve { RequestDecision::Approved } else { RequestDecision::Refused };
    request.decision_note = body.note.as_deref().map(|n| n.trim().to_string());
    request.decided_by_id = Some(ctx.user.id.clone());
    request.decided_at = Some(ctx.now);
    diesel::update(unit_requests::table.find(&request.id))
        .set((
            unit_requests::decision.eq(&request.decision),
            unit_requests::decision_note.eq(&request.decision_note),
            unit_requests::decided_by_id.eq(&request.decided_by_id),
            unit_requests::decided_at.eq(request.decided_at),
        ))
        .execute(conn)?;
    let mut after = before.clone();
    let mut record = json!({ "request": request });
    if body.approve {
        if is_return {
            let (state, changes) = approve_return(conn, ctx, before, &a, body.reassign_to_unit_id.as_deref())?;
            if state == ProposalState::Replied {
                crate::proposals::deadlines::open_rating(conn, &mut after, ctx.now, ctx.workflow, ctx.office)?;
            }
            after.state = state;
            record["changes"] = changes;
        } else {
            let due = match body.new_due_on {
                Some(day) if day <= ctx.office.today(a.due_at) => return Err(later_than(ctx, &a, "new_due_on")),
                Some(day) => ctx.office.end_of(day),
                None => request.requested_due_at.ok_or_else(|| AppError::internal("extension without a date"))?,
            };
            diesel::update(assignments::table.find(&a.id))
                .set((
                    assignments::due_at.eq(due),
                    assignments::updated_at.eq(ctx.now),
                    assignments::version.eq(a.version + 1),
                ))
                .execute(conn)?;
            crate::proposals::deadlines::move_reply(conn, &a.id, ctx.office.today(due), due)?;
            record["changes"] = json!({ "assignment_id": a.id, "due_at": due, "previous_due_at": a.due_at });
        }
    }
    step.commit(conn, ctx, after, Some(record))
}

/// Releases `a`, hands its part to `reassign_to` if given, and says where the
/// proposal goes: back to Filed when no lead or separate unit of the round is
/// left (the co-handling units are released with it, to be assigned afresh).
fn approve_return(
    conn: &mut DbConn,
    ctx: &Ctx,
    p: &ProposalRow,
    a: &AssignmentRow,
    reassign_to: Option<&str>,
) -> AppResult<(ProposalState, serde_json::Value)> {
    release(conn, ctx, a)?;
    let mut changes = json!({ "returned_assignment_id": a.id });
    if let Some(unit_id) = reassign_to {
        let active: Option<bool> = if crate::ids::is_id(unit_id) {
            units::table.find(unit_id).select(units::active).first(conn).optional()?
        } else {
            None
        };
        if active != Some(true) {
            return Err(AppError::invalid_field("reassign_to_unit_id", "not_found", "改办单位须为在用的承办单位"));
        }
        let taken: i64 = assignments::table
            .filter(assignments::proposal_id.eq(&p.id))
            .filter(assignments::unit_id.eq(unit_id))
            .filter(assignments::state.ne(AssignmentState::Returned))
            .count()
            .get_result(conn)?;
        if taken > 0 || unit_id == a.unit_id {
            return Err(AppError::invalid_field("reassign_to_unit_id", "already_assigned", "该单位已承办此件"));
        }
        let chosen = crate::proposals::deadlines::chosen_day(conn, a)?;
        let row = fresh_assignment(conn, ctx, p, unit_id, a.unit_role, chosen)?;
        changes["new_assignment"] = json!(row);
    }
    let replying_left: i64 = assignments::table
        .filter(assignments::proposal_id.eq(&p.id))
        .filter(assignments::handling_round.eq(p.handling_round))
        .filter(assignments::unit_role.eq_any([UnitRole::Lead, UnitRole::Separate]))
        .filter(assignments::state.ne(AssignmentState::Returned))
        .count()
        .get_result(conn)?;
    if replying_left > 0 {
        // 分办: when every unit still replying has already replied, the
        // released unit was the last one outstanding.
        let outstanding = crate::proposals::deadlines::replies_outstanding(conn, p)?;
        let next = if outstanding == 0 { ProposalState::Replied } else { ProposalState::Handling };
        return Ok((next, changes));
    }
    let others: Vec<AssignmentRow> = assignments::table
        .filter(assignments::proposal_id.eq(&p.id))
        .filter(assignments::state.ne(AssignmentState::Returned))
        .select(AssignmentRow::as_select())
        .load(conn)?;
    for other in &others {
        release(conn, ctx, other)?;
    }
    changes["also_released"] = json!(others.iter().map(|o| o.id.as_str()).collect::<Vec<_>>());
    Ok((ProposalState::Filed, changes))
}

/// The unit no longer handles `a`: it is returned and its open deadlines are closed.
fn release(conn: &mut DbConn, ctx: &Ctx, a: &AssignmentRow) -> AppResult<()> {
    diesel::update(assignments::table.find(&a.id))
        .set((
            assignments::state.eq(AssignmentState::Returned),
            assignments::updated_at.eq(ctx.now),
            assignments::version.eq(a.version + 1),
        ))
        .execute(conn)?;
    crate::proposals::deadlines::meet(conn, &a.id, None, ctx.now)?;
    Ok(())
}

/// A new assignment with the deadlines of an assignment made now: the reply
/// due by the configured rule or on the day the office chose for the unit it
/// replaces, the return window, and a co-handling unit's opinion the
/// configured days before the reply.
fn fresh_assignment(
    conn: &mut DbConn,
    ctx: &Ctx,
    p: &ProposalRow,
    unit_id: &str,
    role: UnitRole,
    chosen: Option<NaiveDate>,
) -> AppResult<AssignmentRow> {
    let dues = AssignmentDues::count(
        ctx.office,
        &ctx.workflow.deadlines,
        &p.kind,
        role,
        Stage::of_round(p.handling_round),
        ctx.now,
        chosen,
    );
    let row = AssignmentRow {
        id: crate::ids::new_id(),
        proposal_id: p.id.clone(),
        unit_id: unit_id.into(),
        unit_role: role,
        state: AssignmentState::Assigned,
        assigned_at: ctx.now,
        due_at: dues.reply.due.at,
        signed_for_at: None,
        created_at: ctx.now,
        updated_at: ctx.now,
        version: 1,
        return_window_ends_at: dues.return_window.map(|w| w.due.at),
        opinion_due_at: dues.opinion.map(|o| o.due.at),
        contact_waiver: None,
        opinion_waiver: None,
        handling_round: p.handling_round,
    };
    diesel::insert_into(assignments::table).values(&row).execute(conn)?;
    crate::proposals::deadlines::open_for_assignment(conn, &row, &dues, ctx.now)?;
    Ok(row)
}
