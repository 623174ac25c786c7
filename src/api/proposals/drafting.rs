//! Writing, co-signing and handing in proposals; reading them.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::Duration;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{VersionBody, view_for};
use crate::api::body::Body;
use crate::api::{Page, PageQuery, path_id};
use crate::audit::{self, Change, Origin};
use crate::auth::AuthUser;
use crate::db::models::proposal::{CosignerRow, ProposalRow};
use crate::db::schema::{assignments, proposal_cosigners, proposals, users};
use crate::domain::workflow::guards::may_answer_invitation;
use crate::domain::workflow::{Action, ProposalState};
use crate::domain::{Permission, Role};
use crate::error::{AppError, AppResult, Problem};
use crate::proposals::access::blocked;
use crate::proposals::numbering::session_for;
use crate::proposals::view::{ProposalListItem, ProposalView, list_item};
use crate::proposals::{Ctx, begin, commit, load, standing};
use crate::state::AppState;
use crate::validate::Check;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_proposal)
        .service(list_proposals)
        .service(get_proposal)
        .service(edit_draft)
        .service(invite_cosigners)
        .service(answer_invitation)
        .service(submit);
}

const SUBMITTER_TYPES: [&str; 5] = ["member", "sector", "party", "organisation", "committee"];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProposalRequest {
    /// "proposal" (default) or "suggestion".
    pub kind: Option<String>,
    pub title: String,
    /// 案由
    pub reasons: String,
    /// 建议
    pub suggestions: String,
    pub topic: String,
    /// member (default), or for a collective proposal: sector, party, organisation, committee.
    pub submitter_type: Option<String>,
    /// The collective submitter's name (e.g. 民盟区委).
    pub submitter_name: Option<String>,
    /// Office only (代录入): the member on whose behalf it is entered (for a
    /// collective proposal, its contact member).
    pub proposer_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditDraftRequest {
    pub version: i32,
    pub title: Option<String>,
    pub reasons: Option<String>,
    pub suggestions: Option<String>,
    pub topic: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub version: i32,
    /// Members to invite as co-signers (联名).
    pub member_ids: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// true to co-sign, false to decline.
    pub accept: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProposalQuery {
    pub state: Option<ProposalState>,
    pub kind: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
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
#[utoipa::path(
    tag = "proposals",
    request_body = CreateProposalRequest,
    responses((status = 201, body = ProposalView), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/proposals")]
async fn create_proposal(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    body: Body<CreateProposalRequest>,
) -> AppResult<HttpResponse> {
    user.require(Permission::StartProposal)?;
    let body = body.into_inner();
    let workflow = state.settings.workflow.clone();
    let mut check = Check::new();
    check_texts(&mut check, Some(&body.title), Some(&body.reasons), Some(&body.suggestions), Some(&body.topic));
    let kind = body.kind.clone().unwrap_or_else(|| "proposal".into());
    if workflow.kind(&kind).is_none() {
        check.fail("kind", "invalid", "未知的类别");
    }
    let submitter_type = body.submitter_type.clone().unwrap_or_else(|| "member".into());
    if !SUBMITTER_TYPES.contains(&submitter_type.as_str()) {
        check.fail("submitter_type", "invalid", "提出者类型应为 member, sector, party, organisation 或 committee");
    } else if submitter_type != "member" {
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
    let now = state.clock.now();
    let view = state
        .db
        .write(move |conn| {
            let proposer: Option<(String, bool)> = if crate::ids::is_id(&proposer_id) {
                users::table.find(&proposer_id).select((users::role, users::disabled)).first(conn).optional()?
            } else {
                None
            };
            if !matches!(proposer, Some((ref role, false)) if role == "member") {
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
                state: ProposalState::Draft.as_str().into(),
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
            audit::record(conn, &user.actor(), &origin, change, now)?;
            view_for(conn, &user, row, &workflow, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The proposals the caller may see, newest first.
#[utoipa::path(tag = "proposals", params(ProposalQuery), responses((status = 200, body = Page<ProposalListItem>)), security(("bearer" = [])))]
#[get("/proposals")]
async fn list_proposals(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ProposalQuery>,
) -> AppResult<web::Json<Page<ProposalListItem>>> {
    let query = query.into_inner();
    let (page, per_page) = PageQuery { page: query.page, per_page: query.per_page }.resolve()?;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let result = state
        .db
        .read(move |conn| {
            let visible = || {
                let mut q = proposals::table.into_boxed();
                match user.role {
                    Role::Office => {}
                    Role::Member => {
                        let cosigned = proposal_cosigners::table
                            .filter(proposal_cosigners::user_id.eq(user.id.clone()))
                            .filter(proposal_cosigners::status.eq("confirmed").or(
                                proposal_cosigners::status.eq("invited").and(proposal_cosigners::respond_by.ge(now)),
                            ))
                            .select(proposal_cosigners::proposal_id);
                        // Each merged proposer receives the reply of the proposal theirs was merged into.
                        let merged_targets = diesel::alias!(proposals as merged);
                        let targets = merged_targets
                            .filter(merged_targets.field(proposals::proposer_id).eq(user.id.clone()))
                            .filter(merged_targets.field(proposals::merged_into_id).is_not_null())
                            .select(merged_targets.field(proposals::merged_into_id).assume_not_null());
                        q = q.filter(
                            proposals::proposer_id
                                .eq(user.id.clone())
                                .or(proposals::id.eq_any(cosigned))
                                .or(proposals::id.eq_any(targets)),
                        );
                    }
                    Role::UnitStaff | Role::UnitHead => {
                        let assigned = assignments::table
                            .filter(assignments::unit_id.eq(user.unit_id.clone().unwrap_or_default()))
                            .filter(assignments::state.ne("returned"))
                            .select(assignments::proposal_id);
                        q = q.filter(proposals::id.eq_any(assigned));
                    }
                    Role::Leader => {
                        q = q.filter(proposals::is_key.eq(true)).filter(proposals::key_leader_id.eq(user.id.clone()));
                    }
                    Role::Admin => q = q.filter(proposals::id.eq("")),
                }
                if let Some(s) = query.state {
                    q = q.filter(proposals::state.eq(s.as_str()));
                }
                if let Some(k) = &query.kind {
                    q = q.filter(proposals::kind.eq(k.clone()));
                }
                q
            };
            let total: i64 = visible().count().get_result(conn)?;
            let rows: Vec<ProposalRow> = visible()
                .order((proposals::updated_at.desc(), proposals::id.asc()))
                .limit(per_page)
                .offset((page - 1) * per_page)
                .select(ProposalRow::as_select())
                .load(conn)?;
            let items = rows.into_iter().map(|p| list_item(conn, p, &workflow)).collect::<AppResult<Vec<_>>>()?;
            Ok(Page { items, total, page, per_page })
        })
        .await?;
    Ok(web::Json(result))
}

/// One proposal, as far as the caller may see it, with what they may do now.
#[utoipa::path(tag = "proposals", responses((status = 200, body = ProposalView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/proposals/{id}")]
async fn get_proposal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<web::Json<ProposalView>> {
    let id = path_id(id)?;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let view = state
        .db
        .read(move |conn| {
            let p = load(conn, &id)?;
            let s = standing(conn, Some(&user), &p, &workflow, now)?;
            let state = crate::proposals::access::state_of(&p)?;
            if !crate::domain::workflow::table::may_see_full(&s, state) {
                return Err(AppError::not_found());
            }
            view_for(conn, &user, p, &workflow, now)
        })
        .await?;
    Ok(web::Json(view))
}

/// Change a draft's text.
#[utoipa::path(tag = "proposals", request_body = EditDraftRequest, responses((status = 200, body = ProposalView), (status = 409, body = Problem)), security(("bearer" = [])))]
#[patch("/proposals/{id}")]
async fn edit_draft(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<EditDraftRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, body) = (path_id(id)?, body.into_inner());
    let mut check = Check::new();
    check_texts(
        &mut check,
        body.title.as_deref(),
        body.reasons.as_deref(),
        body.suggestions.as_deref(),
        body.topic.as_deref(),
    );
    check.finish()?;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let view = state
        .db
        .write(move |conn| {
            let ctx = Ctx { user: &user, origin: &origin, now, workflow: &workflow };
            let (before, _) = begin(conn, &ctx, &id, Action::EditDraft, Some(body.version))?;
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
            let after = commit(conn, &ctx, Action::EditDraft, &before, after, None)?;
            view_for(conn, &user, after, &workflow, now)
        })
        .await?;
    Ok(web::Json(view))
}

/// Invite members to co-sign (联名); each has the configured window to answer.
#[utoipa::path(tag = "proposals", request_body = InviteRequest, responses((status = 200, body = ProposalView), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/cosigners")]
async fn invite_cosigners(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<InviteRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, body) = (path_id(id)?, body.into_inner());
    if body.member_ids.is_empty() || body.member_ids.len() > 50 {
        return Err(AppError::invalid_field("member_ids", "invalid", "请邀请 1 到 50 位委员"));
    }
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let view = state
        .db
        .write(move |conn| {
            let ctx = Ctx { user: &user, origin: &origin, now, workflow: &workflow };
            let (before, _) = begin(conn, &ctx, &id, Action::InviteCosigners, Some(body.version))?;
            let respond_by = now + Duration::days(workflow.cosign_window_days);
            let mut invited = Vec::new();
            for member_id in body.member_ids.iter().collect::<std::collections::BTreeSet<_>>() {
                let is_member: Option<(String, bool)> = if crate::ids::is_id(member_id) {
                    users::table.find(member_id).select((users::role, users::disabled)).first(conn).optional()?
                } else {
                    None
                };
                if !matches!(is_member, Some((ref role, false)) if role == "member") || *member_id == before.proposer_id
                {
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
                    status: "invited".into(),
                    invited_at: now,
                    respond_by,
                    responded_at: None,
                };
                diesel::insert_into(proposal_cosigners::table).values(&row).execute(conn)?;
                invited.push(row);
            }
            let after = before.clone();
            let after =
                commit(conn, &ctx, Action::InviteCosigners, &before, after, Some(json!({ "invited": invited })))?;
            view_for(conn, &user, after, &workflow, now)
        })
        .await?;
    Ok(web::Json(view))
}

/// A co-signer confirms or declines, within the window.
#[utoipa::path(tag = "proposals", request_body = AnswerRequest, responses((status = 200, body = ProposalView), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/invitation")]
async fn answer_invitation(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<AnswerRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, accept) = (path_id(id)?, body.accept);
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let view = state
        .db
        .write(move |conn| {
            let ctx = Ctx { user: &user, origin: &origin, now, workflow: &workflow };
            let (before, _) = begin(conn, &ctx, &id, Action::AnswerInvitation, None)?;
            let invitation: CosignerRow =
                proposal_cosigners::table.find((&before.id, &user.id)).select(CosignerRow::as_select()).first(conn)?;
            may_answer_invitation(&invitation.status, invitation.respond_by, now).map_err(blocked)?;
            let status = if accept { "confirmed" } else { "declined" };
            diesel::update(proposal_cosigners::table.find((&before.id, &user.id)))
                .set((proposal_cosigners::status.eq(status), proposal_cosigners::responded_at.eq(now)))
                .execute(conn)?;
            let after = commit(
                conn,
                &ctx,
                Action::AnswerInvitation,
                &before,
                before.clone(),
                Some(json!({ "answer": status })),
            )?;
            view_for(conn, &user, after, &workflow, now)
        })
        .await?;
    Ok(web::Json(view))
}

/// Hand the proposal in. Its session, and whether it is a plenary proposal
/// (大会提案), follow from today's date and the sessions' plenary windows.
#[utoipa::path(tag = "proposals", request_body = VersionBody, responses((status = 200, body = ProposalView), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/submit")]
async fn submit(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<VersionBody>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, version) = (path_id(id)?, body.version);
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let view = state
        .db
        .write(move |conn| {
            let ctx = Ctx { user: &user, origin: &origin, now, workflow: &workflow };
            let (before, _) = begin(conn, &ctx, &id, Action::Submit, Some(version))?;
            let Some((session, plenary)) = session_for(conn, now.date())? else {
                return Err(blocked(crate::domain::workflow::guards::Blocked {
                    code: "no_session",
                    message_zh: "尚未设置届次会议，暂不能提交",
                }));
            };
            let mut after = before.clone();
            after.state = ProposalState::Submitted.as_str().into();
            after.session_id = Some(session.id);
            after.is_plenary = Some(plenary);
            after.submitted_at = Some(now);
            let after = commit(conn, &ctx, Action::Submit, &before, after, None)?;
            view_for(conn, &user, after, &workflow, now)
        })
        .await?;
    Ok(web::Json(view))
}
