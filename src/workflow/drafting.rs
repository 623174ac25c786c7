//! Writing, co-signing and handing in proposals: a member's draft (or the
//! office's entry on a member's behalf, 代录入), 联名 invitations and their
//! answers, and submission into the current session.

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Ctx, begin, blocked};
use crate::audit::{self, Change};
use crate::db::DbConn;
use crate::db::models::proposal::{CosignerRow, ProposalRow};
use crate::db::schema::{proposal_cosigners, proposals, users};
use crate::domain::deadlines::Stage;
use crate::domain::workflow::guards::may_answer_invitation;
use crate::domain::workflow::{Action, CosignerStatus, ProposalState, SubmitterType};
use crate::domain::{Permission, Role};
use crate::error::{AppError, AppResult};
use crate::ids::ProposalId;
use crate::proposals::numbering::session_for;
use crate::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProposalRequest {
    /// "proposal" (default) or "suggestion".
    pub kind: Option<String>,
    #[schema(min_length = 4, max_length = 100)]
    pub title: String,
    /// 案由
    #[schema(min_length = 10, max_length = 20000)]
    pub reasons: String,
    /// 建议
    #[schema(min_length = 10, max_length = 20000)]
    pub suggestions: String,
    #[schema(min_length = 1, max_length = 32)]
    pub topic: String,
    /// member (default), or for a collective proposal: sector, party, organisation, committee.
    #[schema(value_type = Option<SubmitterType>)]
    pub submitter_type: Option<String>,
    /// The collective submitter's name (e.g. 民盟区委).
    #[schema(min_length = 1, max_length = 64)]
    pub submitter_name: Option<String>,
    /// Office only (代录入): the member on whose behalf it is entered (for a
    /// collective proposal, its contact member).
    pub proposer_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditDraftRequest {
    pub version: i32,
    #[schema(min_length = 4, max_length = 100)]
    pub title: Option<String>,
    #[schema(min_length = 10, max_length = 20000)]
    pub reasons: Option<String>,
    #[schema(min_length = 10, max_length = 20000)]
    pub suggestions: Option<String>,
    #[schema(min_length = 1, max_length = 32)]
    pub topic: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub version: i32,
    /// Members to invite as co-signers (联名).
    #[schema(min_items = 1, max_items = 50)]
    pub member_ids: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// true to co-sign, false to decline.
    pub accept: bool,
}

fn check_texts(
    check: &mut Check,
    title: Option<&str>,
    reasons: Option<&str>,
    suggestions: Option<&str>,
    topic: Option<&str>,
) {
    if let Some(t) = title {
        check.text("title", t, 4, 100);
    }
    if let Some(r) = reasons {
        check.long_text("reasons", r, 10, 20_000);
    }
    if let Some(s) = suggestions {
        check.long_text("suggestions", s, 10, 20_000);
    }
    if let Some(t) = topic {
        check.text("topic", t, 1, 32);
    }
}

/// Start a draft: a member their own; the office on a member's behalf (代录入).
pub fn create(conn: &mut DbConn, ctx: &Ctx, body: CreateProposalRequest) -> AppResult<ProposalRow> {
    let user = ctx.user;
    user.require(Permission::StartProposal)?;
    let (workflow, now) = (ctx.workflow, ctx.now);
    let mut check = Check::new();
    check_texts(&mut check, Some(&body.title), Some(&body.reasons), Some(&body.suggestions), Some(&body.topic));
    let kind = body.kind.clone().unwrap_or_else(|| "proposal".into());
    if workflow.kind(&kind).is_none() {
        check.fail("kind", "invalid", "未知的类别");
    }
    let submitter_type = match body.submitter_type.as_deref() {
        None => Some(SubmitterType::Member),
        Some(text) => SubmitterType::parse(text),
    };
    let submitter_type = submitter_type.unwrap_or_else(|| {
        check.fail("submitter_type", "invalid", "提出者类型应为 member, sector, party, organisation 或 committee");
        SubmitterType::Member
    });
    if submitter_type != SubmitterType::Member {
        match body.submitter_name.as_deref() {
            Some(name) => {
                check.text("submitter_name", name, 1, 64);
            }
            None => check.fail("submitter_name", "required", "集体提案须写明提出单位"),
        }
        if user.role != Role::Office {
            check.fail("submitter_type", "office_only", "集体提案由提案办录入");
        }
    }
    let proposer_id = match (user.role, &body.proposer_id) {
        (Role::Office, Some(id)) => id.clone(),
        (Role::Office, None) => {
            check.fail("proposer_id", "required", "代录入须指定提案人");
            String::new()
        }
        (_, Some(_)) => {
            check.fail("proposer_id", "office_only", "只有提案办可以代录入");
            String::new()
        }
        (_, None) => user.id.clone(),
    };
    check.finish()?;
    let proposer: Option<(Role, bool)> = if crate::ids::is_id(&proposer_id) {
        users::table.find(&proposer_id).select((users::role, users::disabled)).first(conn).optional()?
    } else {
        None
    };
    if proposer != Some((Role::Member, false)) {
        return Err(AppError::invalid_field("proposer_id", "not_found", "提案人须为在册委员"));
    }
    let row = ProposalRow {
        id: crate::ids::new_id(),
        kind,
        session_id: None,
        number: None,
        title: body.title.trim().into(),
        reasons: body.reasons.trim().into(),
        suggestions: body.suggestions.trim().into(),
        topic: body.topic.trim().into(),
        submitter_type,
        proposer_id,
        entered_by_id: (user.role == Role::Office).then(|| user.id.clone()),
        state: ProposalState::Draft,
        is_plenary: None,
        is_key: false,
        merged_into_id: None,
        submitted_at: None,
        filed_at: None,
        closed_at: None,
        published_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
        submitter_name: body.submitter_name.map(|s| s.trim().to_string()),
        handling_round: 1,
        refusal_code: None,
        refusal_text: None,
        key_leader_id: None,
        key_mode: None,
        withheld_reason: None,
        replied_at: None,
        rating_due_at: None,
    };
    diesel::insert_into(proposals::table).values(&row).execute(conn)?;
    let change = Change::new("proposal.create", "proposal", row.id.clone()).after(json!({ "proposal": row }));
    audit::record(conn, &user.actor(), ctx.origin, change, now)?;
    Ok(row)
}

/// Change a draft's text.
pub fn edit_draft(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, body: EditDraftRequest) -> AppResult<ProposalRow> {
    let mut check = Check::new();
    check_texts(
        &mut check,
        body.title.as_deref(),
        body.reasons.as_deref(),
        body.suggestions.as_deref(),
        body.topic.as_deref(),
    );
    check.finish()?;

    let step = begin(conn, ctx, id, Action::EditDraft, Some(body.version))?;
    let before = &step.before;
    let mut after = before.clone();
    if let Some(t) = body.title {
        after.title = t.trim().into();
    }
    if let Some(r) = body.reasons {
        after.reasons = r.trim().into();
    }
    if let Some(s) = body.suggestions {
        after.suggestions = s.trim().into();
    }
    if let Some(t) = body.topic {
        after.topic = t.trim().into();
    }
    step.commit(conn, ctx, after, None)
}

/// Invite members to co-sign (联名); each has the configured window to answer.
pub fn invite_cosigners(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, body: InviteRequest) -> AppResult<ProposalRow> {
    if body.member_ids.is_empty() || body.member_ids.len() > 50 {
        return Err(AppError::invalid_field("member_ids", "invalid", "请邀请 1 到 50 位委员"));
    }

    let step = begin(conn, ctx, id, Action::InviteCosigners, Some(body.version))?;
    let before = &step.before;
    let respond_by = ctx.office.due_from(ctx.now, ctx.workflow.deadlines.rule(&before.kind, Stage::Cosign)).at;
    let mut invited = Vec::new();
    for member_id in body.member_ids.iter().collect::<std::collections::BTreeSet<_>>() {
        let is_member: Option<(Role, bool)> = if crate::ids::is_id(member_id) {
            users::table.find(member_id).select((users::role, users::disabled)).first(conn).optional()?
        } else {
            None
        };
        if is_member != Some((Role::Member, false)) || *member_id == before.proposer_id {
            return Err(AppError::invalid_field("member_ids", "not_found", "只能邀请其他在册委员联名"));
        }
        let already: i64 = proposal_cosigners::table
            .filter(proposal_cosigners::proposal_id.eq(&before.id))
            .filter(proposal_cosigners::user_id.eq(member_id))
            .count()
            .get_result(conn)?;
        if already > 0 {
            return Err(AppError::invalid_field("member_ids", "already_invited", "已经邀请过该委员"));
        }
        let row = CosignerRow {
            proposal_id: before.id.clone(),
            user_id: member_id.clone(),
            status: CosignerStatus::Invited,
            invited_at: ctx.now,
            respond_by,
            responded_at: None,
        };
        diesel::insert_into(proposal_cosigners::table).values(&row).execute(conn)?;
        invited.push(row);
    }
    step.commit(conn, ctx, before.clone(), Some(json!({ "invited": invited })))
}

/// A co-signer confirms or declines, within the window.
pub fn answer_invitation(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, accept: bool) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::AnswerInvitation, None)?;
    let before = &step.before;
    let invitation: CosignerRow =
        proposal_cosigners::table.find((&before.id, &ctx.user.id)).select(CosignerRow::as_select()).first(conn)?;
    may_answer_invitation(invitation.status, invitation.respond_by, ctx.now).map_err(blocked)?;
    let status = if accept { CosignerStatus::Confirmed } else { CosignerStatus::Declined };
    diesel::update(proposal_cosigners::table.find((&before.id, &ctx.user.id)))
        .set((proposal_cosigners::status.eq(status), proposal_cosigners::responded_at.eq(ctx.now)))
        .execute(conn)?;
    step.commit(conn, ctx, before.clone(), Some(json!({ "answer": status })))
}

/// Hand the proposal in. Its session, and whether it is a plenary proposal
/// (大会提案), follow from today's date and the sessions' plenary windows.
pub fn submit(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, version: i32) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::Submit, Some(version))?;
    let before = &step.before;
    let Some((session, plenary)) = session_for(conn, ctx.office.today(ctx.now))? else {
        return Err(blocked(crate::domain::workflow::guards::Blocked {
            code: "no_session",
            message_zh: "尚未设置届次会议，暂不能提交",
        }));
    };
    let mut after = before.clone();
    after.state = ProposalState::Submitted;
    after.session_id = Some(session.id);
    after.is_plenary = Some(plenary);
    after.submitted_at = Some(ctx.now);
    step.commit(conn, ctx, after, None)
}
