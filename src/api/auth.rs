//! Signing in and out: login, renewal, logout, password change, who am I.
//! The operations are in `auth::sign_in`; these handlers read and answer.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::body::Body;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::auth::sign_in;
pub use crate::auth::sign_in::TokenResponse;
use crate::domain::Role;
use crate::error::{AppResult, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(refresh).service(logout).service(change_password).service(me);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The role's name in Chinese.
    pub role_label: String,
    pub sector_id: Option<String>,
    pub unit_id: Option<String>,
    pub must_change_password: bool,
}

/// Sign in. Unknown accounts and wrong passwords get the same answer in the
/// same time. Repeated failures slow the account down: an attempt that comes
/// before the wait has passed gets 429 with Retry-After (seconds). A correct
/// password from an address the account recently signed in from is not held
/// up by failures from elsewhere.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong account name or password", body = Problem),
        (status = 422, description = "A field is missing or too long", body = Problem),
        (status = 429, description = "Too early after failed logins; try again after Retry-After seconds", body = Problem),
    )
)]
#[post("/auth/login")]
async fn login(state: web::Data<AppState>, origin: Origin, body: Body<LoginRequest>) -> AppResult<HttpResponse> {
    let LoginRequest { username, password } = body.into_inner();
    let response = sign_in::sign_in(&state, origin, username, password).await?;
    Ok(HttpResponse::Ok().json(response))
}

/// Renew a login: a valid refresh token gives a new access token and a new
/// refresh token. A refresh token used twice (stolen, or replayed) ends the login.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = Problem))
)]
#[post("/auth/refresh")]
async fn refresh(state: web::Data<AppState>, origin: Origin, body: Body<RefreshRequest>) -> AppResult<HttpResponse> {
    let response = sign_in::renew(&state, origin, &body.refresh_token).await?;
    Ok(HttpResponse::Ok().json(response))
}

/// Sign out: the login's access and refresh tokens stop working at once.
#[utoipa::path(tag = "auth", responses((status = 204), (status = 401, body = Problem)), security(("bearer" = [])))]
#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, origin: Origin, user: AuthUser) -> AppResult<HttpResponse> {
    sign_in::sign_out(&state, origin, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change one's own password. Every other login of the account ends; the
/// answer carries tokens for a fresh one.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = Problem),
        (status = 422, body = Problem),
        (status = 429, description = "Too early after wrong current passwords", body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/auth/password")]
async fn change_password(
    state: web::Data<AppState>,
    origin: Origin,
    user: AuthUser,
    body: Body<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    let ChangePasswordRequest { current_password, new_password } = body.into_inner();
    let response = sign_in::change_password(&state, origin, user, current_password, new_password).await?;
    Ok(HttpResponse::Ok().json(response))
}

/// The signed-in account.
#[utoipa::path(tag = "auth", responses((status = 200, body = Me), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/auth/me")]
async fn me(user: AuthUser) -> AppResult<web::Json<Me>> {
    Ok(web::Json(Me {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        role_label: user.role.label_zh().to_string(),
        sector_id: user.sector_id,
        unit_id: user.unit_id,
        must_change_password: user.must_change_password,
    }))
}
