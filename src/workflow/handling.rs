//! A handling unit's work on its assignment: signing for it (签收), contacts
//! with the proposer (沟通), co-handling opinions (会办意见), and the reply
//! (draft, sign-off by the head, submission); and the office's waiver of the
//! contact rule. Requests for a return or an extension, and the office's
//! decisions on them, are in `requests.rs`.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{Ctx, begin, blocked};
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::models::proposal::{AssignmentRow, CommitmentRow, ContactRow, OpinionRow, ProposalRow, ReplyRow};
use crate::db::schema::{assignments, co_opinions, commitments, contacts, replies};
use crate::domain::Role;
use crate::domain::workflow::guards::{
    Grade, after_reply, commitments_fit, may_sign_for, may_submit_lead_reply, may_submit_reply, may_waive_opinion,
    may_work_on_reply,
};
use crate::domain::workflow::{Action, AssignmentState, ContactKind, ProposalState, UnitRole};
use crate::error::{AppError, AppResult};
use crate::ids::{AssignmentId, ProposalId};
use crate::validate::Check;

/// An action that needs nothing but the caller: `{}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// visit | meeting | phone | other
    #[schema(value_type = ContactKind)]
    pub kind: String,
    /// The day of the contact (not in the future).
    pub contacted_on: NaiveDate,
    #[schema(min_length = 1, max_length = 2000)]
    pub summary: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpinionRequest {
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// "A", "B" or "C".
    #[schema(value_type = Grade)]
    pub grade: String,
    /// The reply as sent to the proposer.
    #[schema(min_length = 1, max_length = 50000)]
    pub body: String,
    /// The version the public may read (contact details and sensitive parts removed).
    #[schema(min_length = 1, max_length = 50000)]
    pub public_body: String,
    /// 承办负责人
    #[schema(min_length = 1, max_length = 32)]
    pub person_in_charge: String,
    /// What a B reply promises (at least one); A and C replies carry none.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub commitments: Vec<CommitmentInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentInput {
    #[schema(min_length = 1, max_length = 500)]
    pub description: String,
    pub target_date: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

impl ReasonRequest {
    /// The reason, trimmed, once it is 1 to 500 characters.
    pub fn checked(&self) -> AppResult<String> {
        let mut check = Check::new();
        check.long_text("reason", &self.reason, 1, 500);
        check.finish()?;
        Ok(self.reason.trim().to_string())
    }
}

const MAX_COMMITMENTS: usize = 20;

/// The live (not returned) assignment `assignment_id` of `p`. A unit reaches
/// only its own unit's; anything else answers as if it did not exist.
pub(super) fn live_assignment(
    conn: &mut DbConn,
    p: &ProposalRow,
    assignment_id: &AssignmentId,
    user: &AuthUser,
) -> AppResult<AssignmentRow> {
    let a: AssignmentRow = assignments::table
        .find(assignment_id.as_str())
        .filter(assignments::proposal_id.eq(&p.id))
        .filter(assignments::state.ne(AssignmentState::Returned))
        .select(AssignmentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)?;
    // A lead or separate unit works on its assignment of the current handling
    // round only: after 重新办理 the earlier round's is closed, with its contacts.
    if a.handling_round != p.handling_round && a.unit_role != UnitRole::Co {
        return Err(AppError::not_found());
    }
    if user.role != Role::Office && user.unit_id.as_deref() != Some(a.unit_id.as_str()) {
        return Err(AppError::not_found());
    }
    Ok(a)
}

/// One action on one assignment: `begin`, the assignment (own unit's, live),
/// the change (the proposal's new row and the sub-records it created or
/// changed, for the audit), `commit`.
pub(super) fn on_assignment(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    assignment_id: &AssignmentId,
    action: Action,
    change: impl FnOnce(&mut DbConn, &Ctx, &ProposalRow, AssignmentRow) -> AppResult<(ProposalRow, Value)>,
) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, action, None)?;
    let a = live_assignment(conn, &step.before, assignment_id, ctx.user)?;
    let (after, record) = change(conn, ctx, &step.before, a)?;
    step.commit(conn, ctx, after, Some(record))
}

/// This assignment's reply in the proposal's current handling round, if drafted.
fn current_reply(conn: &mut DbConn, p: &ProposalRow, a: &AssignmentRow) -> AppResult<Option<ReplyRow>> {
    Ok(replies::table
        .filter(replies::assignment_id.eq(&a.id))
        .filter(replies::handling_round.eq(p.handling_round))
        .select(ReplyRow::as_select())
        .first(conn)
        .optional()?)
}

/// 签收: the unit acknowledges receipt.
pub fn sign_for(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, assignment_id: &AssignmentId) -> AppResult<ProposalRow> {
    on_assignment(conn, ctx, id, assignment_id, Action::SignFor, |conn, ctx, p, a| {
        may_sign_for(a.signed_for_at).map_err(blocked)?;
        let new_state = if a.state == AssignmentState::Assigned { AssignmentState::Received } else { a.state };
        diesel::update(assignments::table.find(&a.id))
            .set((
                assignments::state.eq(new_state),
                assignments::signed_for_at.eq(ctx.now),
                assignments::updated_at.eq(ctx.now),
                assignments::version.eq(a.version + 1),
            ))
            .execute(conn)?;
        let record = json!({ "assignment_id": a.id, "state": new_state, "signed_for_at": ctx.now });
        Ok((p.clone(), record))
    })
}

/// 沟通: record a contact with the proposer.
pub fn record_contact(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    assignment_id: &AssignmentId,
    body: ContactRequest,
) -> AppResult<ProposalRow> {
    let today = ctx.office.today(ctx.now);
    let mut check = Check::new();
    let kind = ContactKind::parse(&body.kind);
    if kind.is_none() {
        check.fail("kind", "invalid", "沟通方式应为 visit, meeting, phone 或 other");
    }
    check.date("contacted_on", body.contacted_on);
    if body.contacted_on > today {
        check.fail("contacted_on", "in_the_future", "沟通日期不能晚于今天");
    }
    check.long_text("summary", &body.summary, 1, 2000);
    check.finish()?;
    let Some(kind) = kind else {
        return Err(AppError::invalid_field("kind", "invalid", "沟通方式应为 visit, meeting, phone 或 other"));
    };
    on_assignment(conn, ctx, id, assignment_id, Action::RecordContact, move |conn, ctx, p, a| {
        let row = ContactRow {
            id: crate::ids::new_id(),
            assignment_id: a.id,
            proposal_id: p.id.clone(),
            kind,
            contacted_on: body.contacted_on,
            summary: body.summary.trim().into(),
            recorded_by_id: ctx.user.id.clone(),
            created_at: ctx.now,
        };
        diesel::insert_into(contacts::table).values(&row).execute(conn)?;
        Ok((p.clone(), json!({ "contact": row })))
    })
}

/// 会办意见: a co-handling unit sends its opinion to the lead unit.
pub fn send_opinion(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    assignment_id: &AssignmentId,
    body: OpinionRequest,
) -> AppResult<ProposalRow> {
    let mut check = Check::new();
    check.long_text("body", &body.body, 1, 20_000);
    check.finish()?;
    on_assignment(conn, ctx, id, assignment_id, Action::SendOpinion, move |conn, ctx, p, a| {
        let row = OpinionRow {
            id: crate::ids::new_id(),
            assignment_id: a.id,
            proposal_id: p.id.clone(),
            body: body.body.trim().into(),
            sent_by_id: ctx.user.id.clone(),
            sent_at: ctx.now,
        };
        diesel::insert_into(co_opinions::table).values(&row).execute(conn)?;
        crate::proposals::deadlines::meet(conn, &row.assignment_id, Some("opinion"), ctx.now)?;
        Ok((p.clone(), json!({ "opinion": row })))
    })
}

fn check_reply(body: &ReplyRequest, today: NaiveDate) -> AppResult<Grade> {
    let mut check = Check::new();
    let grade = Grade::parse(&body.grade);
    if grade.is_none() {
        check.fail("grade", "invalid", "答复类别应为 A、B 或 C");
    }
    check.long_text("body", &body.body, 1, 50_000);
    check.long_text("public_body", &body.public_body, 1, 50_000);
    check.text("person_in_charge", &body.person_in_charge, 1, 32);
    if body.commitments.len() > MAX_COMMITMENTS {
        check.fail("commitments", "too_many", format!("承诺事项不能超过 {MAX_COMMITMENTS} 项"));
    }
    for (i, c) in body.commitments.iter().enumerate() {
        check.text(&format!("commitments[{i}].description"), &c.description, 1, 500);
        check.date(&format!("commitments[{i}].target_date"), c.target_date);
        if c.target_date < today {
            check.fail(&format!("commitments[{i}].target_date"), "in_the_past", "承诺完成日期不能早于今天");
        }
    }
    match grade {
        Some(g) if !commitments_fit(g, body.commitments.len()) => {
            let message = if g == Grade::B {
                "B 类答复须至少列出一项承诺事项"
            } else {
                "只有 B 类答复列出承诺事项"
            };
            check.fail("commitments", "grade_mismatch", message);
        }
        _ => {}
    }
    check.finish()?;
    grade.ok_or_else(|| AppError::invalid_field("grade", "invalid", "答复类别应为 A、B 或 C"))
}

/// Write or rewrite this assignment's reply for the current handling round,
/// with its public version and (for B) its commitments. Changing a signed-off
/// draft clears the sign-off; a submitted reply cannot change.
pub fn draft_reply(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    assignment_id: &AssignmentId,
    body: ReplyRequest,
) -> AppResult<ProposalRow> {
    let grade = check_reply(&body, ctx.office.today(ctx.now))?;
    on_assignment(conn, ctx, id, assignment_id, Action::DraftReply, move |conn, ctx, p, a| {
        let existing = current_reply(conn, p, &a)?;
        may_work_on_reply(existing.is_some(), existing.as_ref().is_some_and(|r| r.submitted_at.is_some()), false)
            .map_err(blocked)?;
        let wanted: Vec<CommitmentInput> = body
            .commitments
            .iter()
            .map(|c| CommitmentInput { description: c.description.trim().into(), target_date: c.target_date })
            .collect();
        let mut reply = match existing {
            Some(r) => r,
            None => ReplyRow {
                id: crate::ids::new_id(),
                proposal_id: p.id.clone(),
                assignment_id: a.id.clone(),
                grade: None,
                body: String::new(),
                public_body: None,
                person_in_charge: None,
                drafted_by_id: None,
                signed_off_by_id: None,
                signed_off_at: None,
                submitted_at: None,
                created_at: ctx.now,
                updated_at: ctx.now,
                version: 0,
                handling_round: p.handling_round,
            },
        };
        let old_commitments: Vec<CommitmentInput> = commitments::table
            .filter(commitments::reply_id.eq(&reply.id))
            .order(commitments::created_at.asc())
            .select((commitments::description, commitments::target_date))
            .load::<(String, NaiveDate)>(conn)?
            .into_iter()
            .map(|(description, target_date)| CommitmentInput { description, target_date })
            .collect();
        let changed = reply.grade != Some(grade)
            || reply.body != body.body.trim()
            || reply.public_body.as_deref() != Some(body.public_body.trim())
            || reply.person_in_charge.as_deref() != Some(body.person_in_charge.trim())
            || old_commitments != wanted;
        let is_new = reply.version == 0;
        reply.grade = Some(grade);
        reply.body = body.body.trim().into();
        reply.public_body = Some(body.public_body.trim().into());
        reply.person_in_charge = Some(body.person_in_charge.trim().into());
        reply.drafted_by_id = Some(ctx.user.id.clone());
        if changed {
            reply.signed_off_by_id = None;
            reply.signed_off_at = None;
        }
        reply.updated_at = ctx.now;
        reply.version += 1;
        if is_new {
            diesel::insert_into(replies::table).values(&reply).execute(conn)?;
        } else {
            diesel::update(replies::table.find(&reply.id))
                .set((
                    replies::grade.eq(&reply.grade),
                    replies::body.eq(&reply.body),
                    replies::public_body.eq(&reply.public_body),
                    replies::person_in_charge.eq(&reply.person_in_charge),
                    replies::drafted_by_id.eq(&reply.drafted_by_id),
                    replies::signed_off_by_id.eq(&reply.signed_off_by_id),
                    replies::signed_off_at.eq(reply.signed_off_at),
                    replies::updated_at.eq(reply.updated_at),
                    replies::version.eq(reply.version),
                ))
                .execute(conn)?;
            diesel::delete(commitments::table.filter(commitments::reply_id.eq(&reply.id))).execute(conn)?;
        }
        let rows: Vec<CommitmentRow> = wanted
            .into_iter()
            .map(|c| CommitmentRow {
                id: crate::ids::new_id(),
                reply_id: reply.id.clone(),
                proposal_id: p.id.clone(),
                description: c.description,
                target_date: c.target_date,
                fulfilled_at: None,
                fulfilled_by_id: None,
                created_at: ctx.now,
            })
            .collect();
        for row in &rows {
            diesel::insert_into(commitments::table).values(row).execute(conn)?;
        }
        Ok((p.clone(), json!({ "reply": reply, "commitments": rows })))
    })
}

/// 签发: the unit's head signs the draft reply off.
pub fn sign_off_reply(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    assignment_id: &AssignmentId,
) -> AppResult<ProposalRow> {
    on_assignment(conn, ctx, id, assignment_id, Action::SignOffReply, |conn, ctx, p, a| {
        let reply = current_reply(conn, p, &a)?;
        may_work_on_reply(reply.is_some(), reply.as_ref().is_some_and(|r| r.submitted_at.is_some()), true)
            .map_err(blocked)?;
        let mut reply = reply.ok_or_else(|| AppError::internal("no draft after the guard"))?;
        reply.signed_off_by_id = Some(ctx.user.id.clone());
        reply.signed_off_at = Some(ctx.now);
        reply.updated_at = ctx.now;
        reply.version += 1;
        diesel::update(replies::table.find(&reply.id))
            .set((
                replies::signed_off_by_id.eq(&reply.signed_off_by_id),
                replies::signed_off_at.eq(reply.signed_off_at),
                replies::updated_at.eq(reply.updated_at),
                replies::version.eq(reply.version),
            ))
            .execute(conn)?;
        Ok((p.clone(), json!({ "reply": reply })))
    })
}

/// Submit the signed-off reply. Once no lead or separate unit of the current
/// round is still working, the proposal is replied and the rating window opens.
pub fn submit_reply(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    assignment_id: &AssignmentId,
) -> AppResult<ProposalRow> {
    on_assignment(conn, ctx, id, assignment_id, Action::SubmitReply, move |conn, ctx, p, a| {
        let reply = current_reply(conn, p, &a)?;
        may_work_on_reply(reply.is_some(), reply.as_ref().is_some_and(|r| r.submitted_at.is_some()), true)
            .map_err(blocked)?;
        let mut reply = reply.ok_or_else(|| AppError::internal("no draft after the guard"))?;
        let contacts: i64 = contacts::table.filter(contacts::assignment_id.eq(&a.id)).count().get_result(conn)?;
        may_submit_reply(
            reply.signed_off_at.is_some(),
            reply.grade.is_some(),
            reply.public_body.as_deref().is_some_and(|b| !b.trim().is_empty()),
            usize::try_from(contacts).unwrap_or(0),
            a.contact_waiver.is_some(),
        )
        .map_err(blocked)?;
        if a.unit_role == UnitRole::Lead {
            let opinions_awaited = co_opinions_awaited(conn, p, ctx.now)?;
            may_submit_lead_reply(opinions_awaited).map_err(blocked)?;
        }
        reply.submitted_at = Some(ctx.now);
        reply.updated_at = ctx.now;
        reply.version += 1;
        diesel::update(replies::table.find(&reply.id))
            .set((
                replies::submitted_at.eq(reply.submitted_at),
                replies::updated_at.eq(reply.updated_at),
                replies::version.eq(reply.version),
            ))
            .execute(conn)?;
        diesel::update(assignments::table.find(&a.id))
            .set((
                assignments::state.eq(AssignmentState::Done),
                assignments::updated_at.eq(ctx.now),
                assignments::version.eq(a.version + 1),
            ))
            .execute(conn)?;
        crate::proposals::deadlines::meet(conn, &a.id, Some("reply"), ctx.now)?;
        let followed = crate::proposals::deadlines::open_commitments(conn, &a, &reply.id, ctx.office, ctx.now)?;
        let outstanding = crate::proposals::deadlines::replies_outstanding(conn, p)?;
        let mut after = p.clone();
        let next = after_reply(usize::try_from(outstanding).unwrap_or(usize::MAX));
        if next == ProposalState::Replied {
            crate::proposals::deadlines::open_rating(conn, &mut after, ctx.now, ctx.workflow, ctx.office)?;
        }
        let record =
            json!({ "reply": reply, "assignment_id": a.id, "assignment_state": "done", "deadlines": followed });
        Ok((after, record))
    })
}

/// The office lets this unit reply without a recorded contact, with a reason.
pub fn waive_contact(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    assignment_id: &AssignmentId,
    body: ReasonRequest,
) -> AppResult<ProposalRow> {
    let reason = body.checked()?;
    on_assignment(conn, ctx, id, assignment_id, Action::WaiveContact, move |conn, ctx, p, a| {
        diesel::update(assignments::table.find(&a.id))
            .set((
                assignments::contact_waiver.eq(&reason),
                assignments::updated_at.eq(ctx.now),
                assignments::version.eq(a.version + 1),
            ))
            .execute(conn)?;
        Ok((p.clone(), json!({ "assignment_id": a.id, "contact_waiver": reason })))
    })
}

/// The office lets the lead unit reply without this co-handling unit's
/// opinion, with a reason; the opinion's deadline closes. The unit may still
/// send its opinion while the lead has not replied.
pub fn waive_opinion(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &ProposalId,
    assignment_id: &AssignmentId,
    body: ReasonRequest,
) -> AppResult<ProposalRow> {
    let reason = body.checked()?;
    on_assignment(conn, ctx, id, assignment_id, Action::WaiveOpinion, move |conn, ctx, p, a| {
        let sent: i64 = co_opinions::table.filter(co_opinions::assignment_id.eq(&a.id)).count().get_result(conn)?;
        may_waive_opinion(a.unit_role == UnitRole::Co, sent > 0, a.opinion_waiver.is_some()).map_err(blocked)?;
        diesel::update(assignments::table.find(&a.id))
            .set((
                assignments::opinion_waiver.eq(&reason),
                assignments::updated_at.eq(ctx.now),
                assignments::version.eq(a.version + 1),
            ))
            .execute(conn)?;
        crate::proposals::deadlines::meet(conn, &a.id, Some("opinion"), ctx.now)?;
        Ok((p.clone(), json!({ "assignment_id": a.id, "opinion_waiver": reason })))
    })
}

/// The co-handling units of the round whose opinion is neither in, nor
/// waived, nor past its date.
fn co_opinions_awaited(conn: &mut DbConn, p: &ProposalRow, now: chrono::NaiveDateTime) -> AppResult<usize> {
    let sent = co_opinions::table.select(co_opinions::assignment_id);
    let awaited: i64 = assignments::table
        .filter(assignments::proposal_id.eq(&p.id))
        .filter(assignments::handling_round.eq(p.handling_round))
        .filter(assignments::unit_role.eq(UnitRole::Co))
        .filter(assignments::state.ne(AssignmentState::Returned))
        .filter(assignments::opinion_due_at.gt(now))
        .filter(assignments::opinion_waiver.is_null())
        .filter(assignments::id.ne_all(sent))
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(awaited).unwrap_or(usize::MAX))
}
