//! Signing in and out: login, renewal, logout, password change, who am I.

use actix_web::{HttpResponse, get, post, web};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::body::Body;
use crate::audit::{self, Actor, Change, Origin};
use crate::auth::password::check_policy;
use crate::auth::throttle::{self, Limit};
use crate::auth::tokens::{TokenKeys, TokenType};
use crate::auth::{AuthUser, sessions};
use crate::db::DbConn;
use crate::db::models::auth_session::AuthSessionRow;
use crate::db::models::user::UserRow;
use crate::db::schema::{auth_sessions, users};
use crate::domain::Role;
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::validate::Check;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(refresh).service(logout).service(change_password).service(me);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Always "Bearer".
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
    /// The account must choose a new password before doing anything else.
    pub must_change_password: bool,
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

/// The longest password input we are willing to hash (argon2 costs grow with it).
const MAX_PASSWORD_INPUT: usize = 1024;
const BAD_CREDENTIALS: &str = "用户名或密码错误";

/// Sign in. Unknown accounts and wrong passwords get the same answer in the same time.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong account name or password", body = Problem),
        (status = 429, description = "Too many failed logins", body = Problem),
    )
)]
#[post("/auth/login")]
async fn login(state: web::Data<AppState>, origin: Origin, body: Body<LoginRequest>) -> AppResult<HttpResponse> {
    let LoginRequest { username, password } = body.into_inner();
    let mut check = Check::new();
    check.text("username", &username, 1, 128);
    if password.is_empty() {
        check.fail("password", "required", "不能为空");
    } else if password.len() > MAX_PASSWORD_INPUT {
        check.fail("password", "too_long", "密码过长");
    }
    check.finish()?;
    let username = username.trim().to_lowercase();
    let auth = &state.settings.auth;
    let window = Duration::minutes(auth.failed_login_window_minutes);
    let limits = vec![
        Limit { key: throttle::account_key(&username), max_failures: auth.max_failed_logins_per_account },
        Limit {
            key: throttle::address_key(origin.client_addr.as_deref().unwrap_or("unknown")),
            max_failures: auth.max_failed_logins_per_address,
        },
    ];
    let now = state.clock.now();
    let (account_key, address_key) = (limits[0].key.clone(), limits[1].key.clone());

    let (name, blocked_origin) = (username.clone(), origin.clone());
    let (wait, user) = state
        .db
        .write(move |conn| {
            let wait = throttle::count_attempt(conn, &limits, now, window)?;
            if wait.is_some() {
                let change = Change::new("auth.login_blocked", "account", name.clone());
                audit::record(conn, &Actor::anonymous(&name), &blocked_origin, change, now)?;
            }
            let user =
                users::table.filter(users::username.eq(&name)).select(UserRow::as_select()).first(conn).optional()?;
            Ok((wait, user))
        })
        .await?;
    if let Some(seconds) = wait {
        return Err(AppError::too_many_requests(seconds).with_detail("登录失败次数过多，请稍后再试"));
    }
    let password_ok = state.passwords.verify(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let user = user.filter(|u| password_ok && !u.disabled);

    let Some(user) = user else {
        let name = username.clone();
        state
            .db
            .write(move |conn| {
                audit::record(
                    conn,
                    &Actor::anonymous(&name),
                    &origin,
                    Change::new("auth.login_failed", "account", name.clone()),
                    now,
                )?;
                Ok(())
            })
            .await?;
        return Err(AppError::unauthorized(BAD_CREDENTIALS));
    };

    let tokens = state.tokens.clone();
    let response = state
        .db
        .write(move |conn| {
            throttle::succeeded(conn, &account_key, Some(&address_key))?;
            throttle::forget_old(conn, now, window)?;
            sessions::forget_ended(conn, &user.id, now)?;
            let response = start_login(conn, &tokens, &user, &origin, now)?;
            audit::record(conn, &actor_of(&user), &origin, Change::new("auth.login", "user", user.id.clone()), now)?;
            Ok(response)
        })
        .await?;
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
    let now = state.clock.now();
    let claims = state.tokens.verify(&body.refresh_token, TokenType::Refresh, now).map_err(|e| {
        tracing::debug!(reason = %e, "refresh token refused");
        AppError::unauthorized("续期令牌无效或已过期")
    })?;
    let tokens = state.tokens.clone();
    let outcome = state
        .db
        .write(move |conn| {
            let found: Option<(AuthSessionRow, UserRow)> = auth_sessions::table
                .inner_join(users::table)
                .filter(auth_sessions::id.eq(&claims.sid))
                .filter(auth_sessions::user_id.eq(&claims.sub))
                .select((AuthSessionRow::as_select(), UserRow::as_select()))
                .first(conn)
                .optional()?;
            let Some((session, user)) = found else {
                return Ok(None);
            };
            let live = session.revoked_at.is_none()
                && session.expires_at > now
                && !user.disabled
                && user.token_generation == claims.r#gen;
            if !live {
                return Ok(None);
            }
            if session.refresh_jti != claims.jti {
                // Reuse of a rotated token: someone else holds a copy. End the login.
                sessions::revoke(conn, &session.id, now)?;
                audit::record(
                    conn,
                    &actor_of(&user),
                    &origin,
                    Change::new("auth.refresh_reused", "session", session.id.clone()),
                    now,
                )?;
                return Ok(None);
            }
            let Some(response) = rotate(conn, &tokens, &user, &session, now)? else {
                // Another renewal with the same token won the race: treat as reuse.
                sessions::revoke(conn, &session.id, now)?;
                audit::record(
                    conn,
                    &actor_of(&user),
                    &origin,
                    Change::new("auth.refresh_reused", "session", session.id.clone()),
                    now,
                )?;
                return Ok(None);
            };
            audit::record(
                conn,
                &actor_of(&user),
                &origin,
                Change::new("auth.refresh", "session", session.id.clone()),
                now,
            )?;
            Ok(Some(response))
        })
        .await?;
    match outcome {
        Some(response) => Ok(HttpResponse::Ok().json(response)),
        None => Err(AppError::unauthorized("登录已失效，请重新登录")),
    }
}

/// Sign out: the login's access and refresh tokens stop working at once.
#[utoipa::path(tag = "auth", responses((status = 204), (status = 401, body = Problem)), security(("bearer" = [])))]
#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, origin: Origin, user: AuthUser) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    state
        .db
        .write(move |conn| {
            sessions::revoke(conn, &user.session_id, now)?;
            audit::record(
                conn,
                &user.actor(),
                &origin,
                Change::new("auth.logout", "session", user.session_id.clone()),
                now,
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change one's own password. Every other login of the account ends; the
/// answer carries tokens for a fresh one.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = Problem), (status = 422, body = Problem)),
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
    if current_password.len() > MAX_PASSWORD_INPUT {
        return Err(AppError::invalid_field("current_password", "too_long", "密码过长"));
    }
    let auth = &state.settings.auth;
    let window = Duration::minutes(auth.failed_login_window_minutes);
    let limits =
        vec![Limit { key: throttle::account_key(&user.username), max_failures: auth.max_failed_logins_per_account }];
    let now = state.clock.now();
    let (user_id, account_key) = (user.id.clone(), limits[0].key.clone());
    let (wait, stored) = state
        .db
        .write(move |conn| {
            let wait = throttle::count_attempt(conn, &limits, now, window)?;
            let hash: String = users::table.find(&user_id).select(users::password_hash).first(conn)?;
            Ok((wait, hash))
        })
        .await?;
    if let Some(seconds) = wait {
        return Err(AppError::too_many_requests(seconds));
    }
    if !state.passwords.verify(current_password, Some(stored)).await? {
        let (actor, user_id, failed_origin) = (user.actor(), user.id.clone(), origin.clone());
        state
            .db
            .write(move |conn| {
                audit::record(
                    conn,
                    &actor,
                    &failed_origin,
                    Change::new("user.change_password_failed", "user", user_id),
                    now,
                )?;
                Ok(())
            })
            .await?;
        return Err(AppError::invalid_field("current_password", "wrong", "当前密码不正确"));
    }
    check_policy("new_password", &new_password, &user.username, auth.password_min_chars, auth.password_max_chars)
        .map_err(|e| AppError::validation(vec![e]))?;
    let hash = state.passwords.hash(new_password).await?;
    let tokens = state.tokens.clone();
    let response = state
        .db
        .write(move |conn| {
            throttle::succeeded(conn, &account_key, None)?;
            let before: UserRow = users::table.find(&user.id).select(UserRow::as_select()).first(conn)?;
            diesel::update(users::table.find(&user.id))
                .set((
                    users::password_hash.eq(&hash),
                    users::must_change_password.eq(false),
                    users::token_generation.eq(before.token_generation + 1),
                    users::updated_at.eq(now),
                    users::version.eq(before.version + 1),
                ))
                .execute(conn)?;
            sessions::revoke_all(conn, &user.id, now)?;
            let after: UserRow = users::table.find(&user.id).select(UserRow::as_select()).first(conn)?;
            let response = start_login(conn, &tokens, &after, &origin, now)?;
            audit::record(
                conn,
                &user.actor(),
                &origin,
                Change::new("user.change_password", "user", user.id.clone())
                    .before(before.audit_view())
                    .after(after.audit_view()),
                now,
            )?;
            Ok(response)
        })
        .await?;
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

pub fn actor_of(user: &UserRow) -> Actor {
    Actor { user_id: Some(user.id.clone()), name: user.username.clone(), role: user.role.clone() }
}

/// Creates a login (session row) and its first pair of tokens.
fn start_login(
    conn: &mut DbConn,
    tokens: &TokenKeys,
    user: &UserRow,
    origin: &Origin,
    now: NaiveDateTime,
) -> AppResult<TokenResponse> {
    let session_id = crate::ids::new_id();
    let (response, refresh_jti) = token_pair(tokens, user, &session_id, now)?;
    diesel::insert_into(auth_sessions::table)
        .values(AuthSessionRow {
            id: session_id,
            user_id: user.id.clone(),
            refresh_jti,
            created_at: now,
            last_used_at: now,
            expires_at: now + tokens.refresh_ttl,
            revoked_at: None,
            client_addr: origin.client_addr.clone(),
        })
        .execute(conn)?;
    Ok(response)
}

/// Swaps the login's refresh token for a new one, only if it is still the one
/// presented (a compare-and-set, so two renewals with one token cannot both win).
fn rotate(
    conn: &mut DbConn,
    tokens: &TokenKeys,
    user: &UserRow,
    session: &AuthSessionRow,
    now: NaiveDateTime,
) -> AppResult<Option<TokenResponse>> {
    let (response, refresh_jti) = token_pair(tokens, user, &session.id, now)?;
    let swapped = diesel::update(
        auth_sessions::table
            .find(&session.id)
            .filter(auth_sessions::refresh_jti.eq(&session.refresh_jti))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set((
        auth_sessions::refresh_jti.eq(refresh_jti),
        auth_sessions::last_used_at.eq(now),
        auth_sessions::expires_at.eq(now + tokens.refresh_ttl),
    ))
    .execute(conn)?;
    Ok((swapped == 1).then_some(response))
}

fn token_pair(
    tokens: &TokenKeys,
    user: &UserRow,
    session_id: &str,
    now: NaiveDateTime,
) -> AppResult<(TokenResponse, String)> {
    let issue = |typ| {
        tokens
            .issue(typ, &user.id, session_id, user.token_generation, now)
            .map_err(|e| AppError::internal(format!("jwt: {e}")))
    };
    let (access_token, _) = issue(TokenType::Access)?;
    let (refresh_token, refresh_claims) = issue(TokenType::Refresh)?;
    Ok((
        TokenResponse {
            access_token,
            refresh_token,
            token_type: "Bearer".into(),
            expires_in: tokens.access_ttl.num_seconds(),
            refresh_expires_in: tokens.refresh_ttl.num_seconds(),
            must_change_password: user.must_change_password,
        },
        refresh_claims.jti,
    ))
}
