//! A handling unit's work on its assignment: 签收, 沟通, 会办意见, the reply
//! (draft, sign-off, submission), and the office's waiver of the contact rule.
//! The operations are in `crate::workflow::handling`.

use actix_web::{post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::body::Body;
use crate::api::path_pair;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::error::{AppResult, Problem};
use crate::ids::{AssignmentId, ProposalId};
use crate::proposals::view::ProposalView;
use crate::state::AppState;
use crate::workflow::handling::{self, ContactRequest, EmptyBody, OpinionRequest, ReasonRequest, ReplyRequest};
use crate::workflow::perform;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sign_for)
        .service(record_contact)
        .service(send_opinion)
        .service(draft_reply)
        .service(sign_off_reply)
        .service(submit_reply)
        .service(waive_contact)
        .service(waive_opinion);
}

/// 签收: the unit acknowledges receipt.
#[utoipa::path(tag = "proposals", request_body = EmptyBody, responses((status = 200, body = ProposalView), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/assignments/{assignment_id}/sign-for")]
async fn sign_for(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    _body: Body<EmptyBody>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, assignment_id) = path_pair::<ProposalId, AssignmentId>(path)?;
    perform(&state, user, origin, move |conn, ctx| handling::sign_for(conn, ctx, &id, &assignment_id))
        .await
        .map(web::Json)
}

/// 沟通: record a contact with the proposer.
#[utoipa::path(tag = "proposals", request_body = ContactRequest, responses((status = 200, body = ProposalView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/assignments/{assignment_id}/contacts")]
async fn record_contact(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    body: Body<ContactRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let ((id, assignment_id), body) = (path_pair::<ProposalId, AssignmentId>(path)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| handling::record_contact(conn, ctx, &id, &assignment_id, body))
        .await
        .map(web::Json)
}

/// 会办意见: a co-handling unit sends its opinion to the lead unit.
#[utoipa::path(tag = "proposals", request_body = OpinionRequest, responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/assignments/{assignment_id}/opinion")]
async fn send_opinion(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    body: Body<OpinionRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let ((id, assignment_id), body) = (path_pair::<ProposalId, AssignmentId>(path)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| handling::send_opinion(conn, ctx, &id, &assignment_id, body))
        .await
        .map(web::Json)
}

/// Write or rewrite this assignment's reply for the current handling round,
/// with its public version and (for B) its commitments. Changing a signed-off
/// draft clears the sign-off; a submitted reply cannot change.
#[utoipa::path(tag = "proposals", request_body = ReplyRequest, responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/proposals/{id}/assignments/{assignment_id}/reply")]
async fn draft_reply(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    body: Body<ReplyRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let ((id, assignment_id), body) = (path_pair::<ProposalId, AssignmentId>(path)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| handling::draft_reply(conn, ctx, &id, &assignment_id, body))
        .await
        .map(web::Json)
}

/// 签发: the unit's head signs the draft reply off.
#[utoipa::path(tag = "proposals", request_body = EmptyBody, responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/assignments/{assignment_id}/reply/sign-off")]
async fn sign_off_reply(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    _body: Body<EmptyBody>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, assignment_id) = path_pair::<ProposalId, AssignmentId>(path)?;
    perform(&state, user, origin, move |conn, ctx| handling::sign_off_reply(conn, ctx, &id, &assignment_id))
        .await
        .map(web::Json)
}

/// Submit the signed-off reply. Once no lead or separate unit of the current
/// round is still working, the proposal is replied and the rating window opens.
#[utoipa::path(tag = "proposals", request_body = EmptyBody, responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/assignments/{assignment_id}/reply/submit")]
async fn submit_reply(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    _body: Body<EmptyBody>,
) -> AppResult<web::Json<ProposalView>> {
    let (id, assignment_id) = path_pair::<ProposalId, AssignmentId>(path)?;
    perform(&state, user, origin, move |conn, ctx| handling::submit_reply(conn, ctx, &id, &assignment_id))
        .await
        .map(web::Json)
}

/// The office lets this unit reply without a recorded contact, with a reason.
#[utoipa::path(tag = "proposals", request_body = ReasonRequest, responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/assignments/{assignment_id}/contact-waiver")]
async fn waive_contact(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    body: Body<ReasonRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let ((id, assignment_id), body) = (path_pair::<ProposalId, AssignmentId>(path)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| handling::waive_contact(conn, ctx, &id, &assignment_id, body))
        .await
        .map(web::Json)
}

/// The office lets the lead unit reply without this co-handling unit's opinion, with a reason.
#[utoipa::path(tag = "proposals", request_body = ReasonRequest, responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/assignments/{assignment_id}/opinion-waiver")]
async fn waive_opinion(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    body: Body<ReasonRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let ((id, assignment_id), body) = (path_pair::<ProposalId, AssignmentId>(path)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| handling::waive_opinion(conn, ctx, &id, &assignment_id, body))
        .await
        .map(web::Json)
}
