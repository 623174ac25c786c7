//! Signing in and out as operations, called by the JSON API (and any later
//! edge): login, renewal, logout and password change, each with its audit
//! event in the same transaction. The failed-login limits are in
//! [`throttle`](super::throttle); this module decides which of them apply.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Actor, Change, Origin};
use crate::auth::password::check_policy;
use crate::auth::throttle::{self, Admission, Gate, Policy};
use crate::auth::tokens::{TokenKeys, TokenType};
use crate::auth::{AuthUser, sessions};
use crate::db::DbConn;
use crate::db::backend_specific::remember_sign_in_address;
use crate::db::models::auth_session::AuthSessionRow;
use crate::db::models::user::UserRow;
use crate::db::schema::{auth_sessions, login_addresses, users};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::validate::Check;

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

/// The longest password input we are willing to hash (argon2 costs grow with it).
const MAX_PASSWORD_INPUT: usize = 1024;
const BAD_CREDENTIALS: &str = "用户名或密码错误";
/// The address used for counting when the client's is not known.
const NO_ADDRESS: &str = "unknown";

fn too_early(seconds: u64) -> AppError {
    AppError::too_many_requests(seconds).with_detail("登录失败次数过多，请稍后再试")
}

/// Sign in. Unknown accounts and wrong passwords get the same answer in the
/// same time; too many failures slow the account down (429 with Retry-After).
pub async fn sign_in(state: &AppState, origin: Origin, username: String, password: String) -> AppResult<TokenResponse> {
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
    let policy = Policy::from_settings(auth);
    let known_for = Duration::days(auth.known_address_days);
    let now = state.clock.now();

    let (name, attempt_origin) = (username.clone(), origin.clone());
    let (admission, gates, user) = state
        .db
        .write(move |conn| {
            let user: Option<UserRow> =
                users::table.filter(users::username.eq(&name)).select(UserRow::as_select()).first(conn).optional()?;
            let address = attempt_origin.client_addr.as_deref();
            let known = match (&user, address) {
                (Some(user), Some(address)) => is_known_address(conn, &user.id, address, now - known_for)?,
                _ => false,
            };
            let gates = policy.gates(&name, address.unwrap_or(NO_ADDRESS), known);
            let admission = throttle::admit(conn, &gates, now, policy.window)?;
            if admission != Admission::Admitted {
                let change = Change::new("auth.login_blocked", "account", name.clone());
                audit::record(conn, &Actor::anonymous(&name), &attempt_origin, change, now)?;
            }
            Ok((admission, gates, user))
        })
        .await?;
    if let Admission::TooEarly(seconds) = admission {
        return Err(too_early(seconds));
    }
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password_ok = state.passwords.verify(password.clone(), stored).await?;
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

    // A hash made at another cost than the configured one is made again while
    // the password is at hand; from the next sign-in on it costs what is configured.
    let rehashed = if state.passwords.outdated(&user.password_hash) {
        Some((user.password_hash.clone(), state.passwords.hash(password).await?))
    } else {
        None
    };
    let tokens = state.tokens.clone();
    state
        .db
        .write(move |conn| {
            if let Some((old, new)) = &rehashed {
                // Only if unchanged meanwhile: a password changed since is not undone.
                diesel::update(users::table.find(&user.id).filter(users::password_hash.eq(old)))
                    .set(users::password_hash.eq(new))
                    .execute(conn)?;
            }
            throttle::succeeded(conn, &gates)?;
            throttle::forget_old(conn, now, policy.window)?;
            sessions::forget_ended(conn, &user.id, now)?;
            remember_address(conn, &user.id, origin.client_addr.as_deref(), now, known_for)?;
            let response = start_login(conn, &tokens, &user, &origin, now)?;
            audit::record(conn, &actor_of(&user), &origin, Change::new("auth.login", "user", user.id.clone()), now)?;
            Ok(response)
        })
        .await
}

/// Whether the account signed in successfully from `address` since `since`.
fn is_known_address(conn: &mut DbConn, user_id: &str, address: &str, since: NaiveDateTime) -> AppResult<bool> {
    let found: i64 = login_addresses::table
        .filter(login_addresses::user_id.eq(user_id))
        .filter(login_addresses::client_addr.eq(address))
        .filter(login_addresses::last_signed_in_at.ge(since))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// Notes the address of a successful sign-in, and forgets the account's
/// addresses not used within the time they stay known.
fn remember_address(
    conn: &mut DbConn,
    user_id: &str,
    address: Option<&str>,
    now: NaiveDateTime,
    known_for: Duration,
) -> AppResult<()> {
    if let Some(address) = address {
        remember_sign_in_address(conn, user_id, address, now)?;
    }
    diesel::delete(
        login_addresses::table
            .filter(login_addresses::user_id.eq(user_id))
            .filter(login_addresses::last_signed_in_at.lt(now - known_for)),
    )
    .execute(conn)?;
    Ok(())
}

/// The gates a signed-in account's password check passes through (the same
/// rule as at sign-in: from a known address, only the pair).
fn gates_for(
    conn: &mut DbConn,
    policy: &Policy,
    user: &AuthUser,
    origin: &Origin,
    since: NaiveDateTime,
) -> AppResult<Vec<Gate>> {
    let address = origin.client_addr.as_deref();
    let known = match address {
        Some(address) => is_known_address(conn, &user.id, address, since)?,
        None => false,
    };
    Ok(policy.gates(&user.username, address.unwrap_or(NO_ADDRESS), known))
}

/// Renew a login: a valid refresh token gives a new access token and a new
/// refresh token. A refresh token used twice (stolen, or replayed) ends the login.
pub async fn renew(state: &AppState, origin: Origin, refresh_token: &str) -> AppResult<TokenResponse> {
    let now = state.clock.now();
    let claims = state.tokens.verify(refresh_token, TokenType::Refresh, now).map_err(|e| {
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
            let rotated =
                if session.refresh_jti == claims.jti { rotate(conn, &tokens, &user, &session, now)? } else { None };
            let Some(response) = rotated else {
                // Reuse of a rotated token (someone else holds a copy), or another
                // renewal with the same token won the race: end the login.
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
    outcome.ok_or_else(|| AppError::unauthorized("登录已失效，请重新登录"))
}

/// Sign out: the login's access and refresh tokens stop working at once.
pub async fn sign_out(state: &AppState, origin: Origin, user: AuthUser) -> AppResult<()> {
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
        .await
}

/// Change one's own password. The current password is checked through the
/// same failed-login limits as a sign-in. Every other login of the account
/// ends; the answer carries tokens for a fresh one.
pub async fn change_password(
    state: &AppState,
    origin: Origin,
    user: AuthUser,
    current_password: String,
    new_password: String,
) -> AppResult<TokenResponse> {
    if current_password.len() > MAX_PASSWORD_INPUT {
        return Err(AppError::invalid_field("current_password", "too_long", "密码过长"));
    }
    let auth = &state.settings.auth;
    let policy = Policy::from_settings(auth);
    let known_for = Duration::days(auth.known_address_days);
    let now = state.clock.now();
    let (attempt_user, attempt_origin) = (user.clone(), origin.clone());
    let (admission, gates, stored) = state
        .db
        .write(move |conn| {
            let gates = gates_for(conn, &policy, &attempt_user, &attempt_origin, now - known_for)?;
            let admission = throttle::admit(conn, &gates, now, policy.window)?;
            let hash: String = users::table.find(&attempt_user.id).select(users::password_hash).first(conn)?;
            Ok((admission, gates, hash))
        })
        .await?;
    if let Admission::TooEarly(seconds) = admission {
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
    state
        .db
        .write(move |conn| {
            throttle::succeeded(conn, &gates)?;
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
        .await
}

pub fn actor_of(user: &UserRow) -> Actor {
    Actor { user_id: Some(user.id.clone()), name: user.username.clone(), role: user.role.as_str().to_string() }
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
