//! The extractor that tells a handler who is calling: [`AuthUser`] (any
//! valid access token of a live login); handlers then ask
//! [`AuthUser::require`] for the permission their action needs, so that
//! `domain/permissions.rs` stays the one table of who may do what.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use diesel::prelude::*;

use super::tokens::TokenType;
use crate::audit::Actor;
use crate::db::direct::on_backend;
use crate::db::schema::{auth_sessions, users};
use crate::domain::{Permission, Role, may};
use crate::error::AppError;
use crate::state::AppState;

/// A signed-in account, checked against the database on every request so that
/// logout, a password change or disabling the account take effect at once.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub sector_id: Option<String>,
    pub unit_id: Option<String>,
    pub session_id: String,
    pub must_change_password: bool,
}

impl AuthUser {
    /// The account acting without a signed-in session (the demo's own actions,
    /// a job acting for someone): `session` names where it comes from.
    pub fn acting_as(row: &crate::db::models::user::UserRow, session: &str) -> AuthUser {
        AuthUser {
            id: row.id.clone(),
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            role: row.role,
            sector_id: row.sector_id.clone(),
            unit_id: row.unit_id.clone(),
            session_id: session.to_string(),
            must_change_password: false,
        }
    }

    pub fn actor(&self) -> Actor {
        Actor { user_id: Some(self.id.clone()), name: self.username.clone(), role: self.role.as_str().to_string() }
    }

    /// Refuses with 403 unless the permission table lets this role act; an
    /// account that must first change its (temporary) password may do nothing else.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.must_change_password {
            return Err(AppError::forbidden().with_detail("请先修改初始密码"));
        }
        if may(self.role, permission) { Ok(()) } else { Err(AppError::forbidden()) }
    }

    /// The account of a verified token, if its login still stands: not
    /// signed out, not expired, the account enabled and its token generation
    /// unchanged. Shared by the API's bearer tokens and the pages' cookie, so
    /// that both end at the same moment.
    pub async fn of_login(state: &AppState, claims: super::tokens::Claims) -> Result<AuthUser, AppError> {
        let now = state.clock.now();
        let (sid, sub, generation) = (claims.sid, claims.sub, claims.r#gen);
        let found = state
            .db
            .read(move |conn| {
                let row = on_backend!(conn, |c| {
                    auth_sessions::table
                        .inner_join(users::table)
                        .filter(auth_sessions::id.eq(&sid))
                        .filter(auth_sessions::user_id.eq(&sub))
                        .filter(auth_sessions::revoked_at.is_null())
                        .filter(auth_sessions::expires_at.gt(now))
                        .filter(users::disabled.eq(false))
                        .filter(users::token_generation.eq(generation))
                        .select((
                            users::id,
                            users::username,
                            users::display_name,
                            users::role,
                            users::sector_id,
                            users::unit_id,
                            users::must_change_password,
                            auth_sessions::id,
                        ))
                        .first::<(String, String, String, Role, Option<String>, Option<String>, bool, String)>(c)
                })
                .optional()?;
                Ok(row)
            })
            .await?;
        let (id, username, display_name, role, sector_id, unit_id, must_change_password, session_id) =
            found.ok_or_else(|| AppError::unauthorized("登录已失效，请重新登录"))?;
        Ok(AuthUser { id, username, display_name, role, sector_id, unit_id, session_id, must_change_password })
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = BoxFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let token = token.ok_or_else(|| AppError::unauthorized("需要 Authorization: Bearer 访问令牌"))?;
            let now = state.clock.now();
            let claims = state.tokens.verify(&token, TokenType::Access, now).map_err(|e| {
                tracing::debug!(reason = %e, "access token refused");
                AppError::unauthorized("访问令牌无效或已过期")
            })?;
            AuthUser::of_login(&state, claims).await
        })
    }
}
