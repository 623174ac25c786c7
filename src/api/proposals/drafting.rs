//! Writing, co-signing and handing in proposals; reading them. The
//! operations are in `crate::workflow::drafting`, the reads in
//! `crate::proposals::reads`.

use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::body::Body;
use crate::api::{Page, path_of};
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::error::{AppResult, Problem};
use crate::ids::ProposalId;
use crate::proposals::reads::{self, ProposalQuery};
use crate::proposals::view::{ProposalListItem, ProposalView};
use crate::state::AppState;
use crate::workflow::drafting::{self, AnswerRequest, CreateProposalRequest, EditDraftRequest, InviteRequest};
use crate::workflow::{VersionBody, perform};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_proposal)
        .service(list_proposals)
        .service(get_proposal)
        .service(edit_draft)
        .service(invite_cosigners)
        .service(answer_invitation)
        .service(submit);
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
    let body = body.into_inner();
    let view = perform(&state, user, origin, move |conn, ctx| drafting::create(conn, ctx, body)).await?;
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
    let (query, now, workflow) = (query.into_inner(), state.clock.now(), state.settings.workflow.clone());
    state.db.read(move |conn| reads::list_visible(conn, &user, query, now, &workflow)).await.map(web::Json)
}

/// One proposal, as far as the caller may see it, with what they may do now.
#[utoipa::path(tag = "proposals", responses((status = 200, body = ProposalView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/proposals/{id}")]
async fn get_proposal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, now, workflow) = (path_of::<ProposalId>(id)?, state.clock.now(), state.settings.workflow.clone());
    state.db.read(move |conn| reads::get_visible(conn, &user, &id, now, &workflow)).await.map(web::Json)
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
    let (id, body) = (path_of::<ProposalId>(id)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| drafting::edit_draft(conn, ctx, &id, body)).await.map(web::Json)
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
    let (id, body) = (path_of::<ProposalId>(id)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| drafting::invite_cosigners(conn, ctx, &id, body))
        .await
        .map(web::Json)
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
    let (id, accept) = (path_of::<ProposalId>(id)?, body.accept);
    perform(&state, user, origin, move |conn, ctx| drafting::answer_invitation(conn, ctx, &id, accept))
        .await
        .map(web::Json)
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
    let (id, version) = (path_of::<ProposalId>(id)?, body.version);
    perform(&state, user, origin, move |conn, ctx| drafting::submit(conn, ctx, &id, version)).await.map(web::Json)
}
