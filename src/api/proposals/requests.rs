//! 退回 and 延期: a unit asks to be released from an assignment, or for more
//! time; the office decides. The operations are in `crate::workflow::requests`.

use actix_web::{post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::body::Body;
use crate::api::path_pair;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::error::{AppResult, Problem};
use crate::ids::{AssignmentId, ProposalId, RequestId};
use crate::proposals::view::ProposalView;
use crate::state::AppState;
use crate::workflow::handling::ReasonRequest;
use crate::workflow::perform;
use crate::workflow::requests::{self, DecisionRequest, ExtensionRequest};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(request_return).service(request_extension).service(decide_request);
}

/// 退回: the unit asks to be released, within the return window after assignment.
#[utoipa::path(tag = "proposals", request_body = ReasonRequest, responses((status = 200, body = ProposalView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/assignments/{assignment_id}/return-request")]
async fn request_return(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    body: Body<ReasonRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let ((id, assignment_id), body) = (path_pair::<ProposalId, AssignmentId>(path)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| requests::request_return(conn, ctx, &id, &assignment_id, body))
        .await
        .map(web::Json)
}

/// 延期: the unit asks for a later due date, with its reasons.
#[utoipa::path(tag = "proposals", request_body = ExtensionRequest, responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/assignments/{assignment_id}/extension-request")]
async fn request_extension(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    body: Body<ExtensionRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let ((id, assignment_id), body) = (path_pair::<ProposalId, AssignmentId>(path)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| requests::request_extension(conn, ctx, &id, &assignment_id, body))
        .await
        .map(web::Json)
}

/// The office decides a pending return or extension request. An approved
/// return releases the unit and may hand its part to another unit; when no
/// lead or separate unit is left, the proposal goes back to be assigned again.
/// An approved extension moves the reply's due date.
#[utoipa::path(tag = "proposals", request_body = DecisionRequest, responses((status = 200, body = ProposalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/proposals/{id}/requests/{request_id}/decision")]
async fn decide_request(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    path: web::Path<(String, String)>,
    body: Body<DecisionRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let ((id, request_id), body) = (path_pair::<ProposalId, RequestId>(path)?, body.into_inner());
    perform(&state, user, origin, move |conn, ctx| requests::decide_request(conn, ctx, &id, &request_id, body))
        .await
        .map(web::Json)
}
