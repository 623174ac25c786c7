//! Committee terms (届) and their sessions (次会议). The operations are in
//! `crate::admin::terms`.

use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::act;
use crate::admin::terms::{
    self, CreateSessionRequest, CreateTermRequest, SessionView, TermView, TermWithSessions, UpdateSessionRequest,
    UpdateTermRequest,
};
use crate::api::body::Body;
use crate::api::path_of;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::error::{AppResult, Problem};
use crate::ids::{SessionId, TermId};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_terms).service(create_term).service(update_term).service(create_session).service(update_session);
}

/// All terms, newest first, each with its sessions.
#[utoipa::path(tag = "reference", responses((status = 200, body = Vec<TermWithSessions>), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/terms")]
async fn list_terms(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<Vec<TermWithSessions>>> {
    state.db.read(move |conn| terms::list(conn, &user)).await.map(web::Json)
}

/// Create a term.
#[utoipa::path(
    tag = "admin",
    request_body = CreateTermRequest,
    responses((status = 201, body = TermView), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/admin/terms")]
async fn create_term(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    body: Body<CreateTermRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let term = act(&state, user, origin, move |conn, ctx| terms::create_term(conn, ctx, body)).await?;
    Ok(HttpResponse::Created().json(term))
}

/// Change a term.
#[utoipa::path(
    tag = "admin",
    request_body = UpdateTermRequest,
    responses((status = 200, body = TermView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[patch("/admin/terms/{id}")]
async fn update_term(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<UpdateTermRequest>,
) -> AppResult<web::Json<TermView>> {
    let body = body.into_inner();
    terms::check_update_term(&user, &body)?;
    let id = path_of::<TermId>(id)?;
    act(&state, user, origin, move |conn, ctx| terms::update_term(conn, ctx, &id, body)).await.map(web::Json)
}

/// Add a session to a term.
#[utoipa::path(
    tag = "admin",
    request_body = CreateSessionRequest,
    responses((status = 201, body = SessionView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/admin/terms/{id}/sessions")]
async fn create_session(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<CreateSessionRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    terms::check_create_session(&user, &body)?;
    let term_id = path_of::<TermId>(id)?;
    let session = act(&state, user, origin, move |conn, ctx| terms::create_session(conn, ctx, &term_id, body)).await?;
    Ok(HttpResponse::Created().json(session))
}

/// Change a session's name, date or plenary window.
#[utoipa::path(
    tag = "admin",
    request_body = UpdateSessionRequest,
    responses((status = 200, body = SessionView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[patch("/admin/sessions/{id}")]
async fn update_session(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<UpdateSessionRequest>,
) -> AppResult<web::Json<SessionView>> {
    let body = body.into_inner();
    terms::check_update_session(&user, &body)?;
    let id = path_of::<SessionId>(id)?;
    act(&state, user, origin, move |conn, ctx| terms::update_session(conn, ctx, &id, body)).await.map(web::Json)
}
