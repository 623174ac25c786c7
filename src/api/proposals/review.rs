//! The office's review and assignment: 立案, 不立案, 转社情民意, 并案, 重点提案
//! and 交办. The operations are in `crate::workflow::review`.

use actix_web::{post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::body::Body;
use crate::api::path_of;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::error::{AppResult, Problem};
use crate::ids::ProposalId;
use crate::proposals::view::ProposalView;
use crate::state::AppState;
use crate::workflow::review::{self, AssignRequest, ConvertRequest, MarkKeyRequest, MergeRequest, RefuseRequest};
use crate::workflow::{VersionBody, perform};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(file).service(refuse).service(convert).service(merge).service(mark_key).service(assign);
}

/// 立案: file the proposal and give it the next number of its kind in its session.
#[utoipa::path(
    tag = "proposals",
    request_body = VersionBody,
    responses(
        (status = 200, body = ProposalView),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/file")]
async fn file(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<VersionBody>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, version) = (path_of::<ProposalId>(id)?, body.version);
    perform(&state, user, origin, move |conn, ctx| review::file(conn, ctx, &id, version)).await.map(web::Json)
}

/// 不立案: refuse filing, with one of the configured reason codes and a text the proposer reads.
#[utoipa::path(
    tag = "proposals",
    request_body = RefuseRequest,
    responses(
        (status = 200, body = ProposalView),
        (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/refuse")]
async fn refuse(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<RefuseRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, body) = (path_of::<ProposalId>(id)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| review::refuse(conn, ctx, &id, body)).await.map(web::Json)
}

/// 转社情民意: turn the proposal into a public-opinion report, with the office's note.
#[utoipa::path(
    tag = "proposals",
    request_body = ConvertRequest,
    responses(
        (status = 200, body = ProposalView),
        (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/convert")]
async fn convert(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<ConvertRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, body) = (path_of::<ProposalId>(id)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| review::convert(conn, ctx, &id, body)).await.map(web::Json)
}

/// 并案: merge the proposal into a filed one of the same kind; its proposer then
/// stands as a proposer of that one and receives its reply.
#[utoipa::path(
    tag = "proposals",
    request_body = MergeRequest,
    responses(
        (status = 200, body = ProposalView),
        (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/merge")]
async fn merge(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<MergeRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, body) = (path_of::<ProposalId>(id)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| review::merge(conn, ctx, &id, body)).await.map(web::Json)
}

/// 重点提案: mark the proposal key, with the leader who leads (领办) or supervises (督办) it.
#[utoipa::path(
    tag = "proposals",
    request_body = MarkKeyRequest,
    responses(
        (status = 200, body = ProposalView),
        (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/key")]
async fn mark_key(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<MarkKeyRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, body) = (path_of::<ProposalId>(id)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| review::mark_key(conn, ctx, &id, body)).await.map(web::Json)
}

/// 交办: give the proposal to its handling units, each with its reply (or
/// opinion) deadline and its return window, recorded as deadlines to chase.
#[utoipa::path(
    tag = "proposals",
    request_body = AssignRequest,
    responses(
        (status = 200, body = ProposalView),
        (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/assign")]
async fn assign(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<AssignRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, body) = (path_of::<ProposalId>(id)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| review::assign(conn, ctx, &id, body)).await.map(web::Json)
}
