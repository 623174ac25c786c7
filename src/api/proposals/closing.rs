//! The end of a proposal's life: the proposer's rating (评价), closing (办结),
//! publication (公开) or withholding, and the follow-up of a B reply's
//! commitments (B 类跟踪). The operations are in `crate::workflow::closing`.

use actix_web::{post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::body::Body;
use crate::api::{path_of, path_pair};
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::error::{AppResult, Problem};
use crate::ids::{CommitmentId, ProposalId};
use crate::proposals::view::ProposalView;
use crate::state::AppState;
use crate::workflow::closing::{self, FulfilRequest, ProgressRequest, RateRequest, WithholdRequest};
use crate::workflow::{VersionBody, perform};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(rate).service(close).service(publish).service(withhold).service(report_progress).service(fulfil);
}

/// 评价: the proposer rates the handling process and its result; 不满意 on
/// either sends the proposal back to its replying units (重新办理).
/// Confirmed co-signers rate too when the configuration says so (the table decides).
#[utoipa::path(
    tag = "proposals",
    request_body = RateRequest,
    responses(
        (status = 200, body = ProposalView),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/rating")]
async fn rate(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<RateRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, body) = (path_of::<ProposalId>(id)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| closing::rate(conn, ctx, &id, body)).await.map(web::Json)
}

/// 办结: the office closes a replied proposal once its proposer has rated this
/// round, or the rating window has passed; silence then counts as configured
/// (`workflow.rating_silence_means`).
#[utoipa::path(
    tag = "proposals",
    request_body = VersionBody,
    responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/close")]
async fn close(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<VersionBody>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, version) = (path_of::<ProposalId>(id)?, body.version);
    perform(&state, user, origin, move |conn, ctx| closing::close(conn, ctx, &id, version)).await.map(web::Json)
}

/// 公开: the office publishes a closed proposal with its replies' public versions.
#[utoipa::path(
    tag = "proposals",
    request_body = VersionBody,
    responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/publish")]
async fn publish(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<VersionBody>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, version) = (path_of::<ProposalId>(id)?, body.version);
    let view = perform(&state, user, origin, move |conn, ctx| closing::publish(conn, ctx, &id, version)).await?;
    // What the public reads has changed.
    state.public_index.changed();
    Ok(web::Json(view))
}

/// 不予公开: the office withholds a closed proposal from publication, with a reason.
#[utoipa::path(
    tag = "proposals",
    request_body = WithholdRequest,
    responses(
        (status = 200, body = ProposalView),
        (status = 403, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/withhold")]
async fn withhold(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<WithholdRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, body) = (path_of::<ProposalId>(id)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| closing::withhold(conn, ctx, &id, body)).await.map(web::Json)
}

/// B 类跟踪: the unit whose reply made the commitment reports its progress.
#[utoipa::path(
    tag = "proposals",
    request_body = ProgressRequest,
    responses(
        (status = 200, body = ProposalView),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/commitments/{commitment_id}/progress")]
async fn report_progress(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    body: Body<ProgressRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, commitment_id) = path_pair::<ProposalId, CommitmentId>(path)?;
    let body = body.into_inner();
    perform(&state, user, origin, move |conn, ctx| closing::report_progress(conn, ctx, &id, &commitment_id, body))
        .await
        .map(web::Json)
}

/// The office marks a commitment fulfilled.
#[utoipa::path(
    tag = "proposals",
    request_body = FulfilRequest,
    responses(
        (status = 200, body = ProposalView),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/proposals/{id}/commitments/{commitment_id}/fulfil")]
async fn fulfil(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    body: Body<FulfilRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, commitment_id) = path_pair::<ProposalId, CommitmentId>(path)?;
    let version = body.version;
    perform(&state, user, origin, move |conn, ctx| closing::fulfil(conn, ctx, &id, &commitment_id, version))
        .await
        .map(web::Json)
}
