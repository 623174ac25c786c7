//! Account administration (系统管理员 only).

use actix_web::{HttpResponse, get, patch, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::accounts::{self, AccountChanges, NewAccount, UserView};
use crate::admin::double_option;
use crate::api::body::Body;
use crate::api::{Page, PageQuery};
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::auth::password::{check_policy, generate_temporary};
use crate::db::models::user::UserRow;
use crate::db::schema::users;
use crate::domain::{Permission, Role};
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::validate::Check;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(disable_user)
        .service(enable_user)
        .service(reset_password);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 3 to 64 of a-z, 0-9, . - _
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Required for members (their 界别), refused for other roles.
    pub sector_id: Option<String>,
    /// Required for unit staff and heads, refused for other roles.
    pub unit_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Leave out to have a temporary password generated and returned once.
    pub password: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedUser {
    pub user: UserView,
    /// Present only when the password was generated; shown this once.
    pub temporary_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// The version last read; a different current version answers 409.
    pub version: i32,
    pub display_name: Option<String>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub sector_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub unit_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PasswordReset {
    pub user: UserView,
    /// The new temporary password; the account must change it at next login.
    pub temporary_password: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    pub role: Option<Role>,
    /// Part of the account name or display name.
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn views(rows: Vec<UserRow>) -> AppResult<Vec<UserView>> {
    rows.into_iter().map(UserView::try_from).collect()
}

/// List accounts.
#[utoipa::path(tag = "admin", params(UserQuery), responses((status = 200, body = Page<UserView>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/admin/users")]
async fn list_users(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<UserQuery>,
) -> AppResult<web::Json<Page<UserView>>> {
    user.require(Permission::ManageUsers)?;
    let query = query.into_inner();
    let (page, per_page) = PageQuery { page: query.page, per_page: query.per_page }.resolve()?;
    if let Some(q) = &query.q {
        let mut check = Check::new();
        check.text("q", q, 1, 64);
        check.finish()?;
    }
    let (rows, total) = state
        .db
        .read(move |conn| {
            let filtered = || {
                let mut sql = users::table.into_boxed();
                if let Some(role) = query.role {
                    sql = sql.filter(users::role.eq(role.as_str()));
                }
                if let Some(q) = &query.q {
                    let pattern =
                        format!("%{}%", q.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
                    sql = sql.filter(
                        users::username
                            .like(pattern.clone())
                            .escape('\\')
                            .or(users::display_name.like(pattern).escape('\\')),
                    );
                }
                sql
            };
            let total: i64 = filtered().count().get_result(conn)?;
            let rows = filtered()
                .order(users::username.asc())
                .limit(per_page)
                .offset((page - 1) * per_page)
                .select(UserRow::as_select())
                .load(conn)?;
            Ok((rows, total))
        })
        .await?;
    Ok(web::Json(Page { items: views(rows)?, total, page, per_page }))
}

/// Create an account.
#[utoipa::path(
    tag = "admin",
    request_body = CreateUserRequest,
    responses((status = 201, body = CreatedUser), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/admin/users")]
async fn create_user(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    body: Body<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    user.require(Permission::ManageUsers)?;
    let body = body.into_inner();
    let mut check =
        accounts::check_fields(&body.username, &body.display_name, body.email.as_deref(), body.phone.as_deref());
    let auth = &state.settings.auth;
    if let Some(p) = &body.password
        && let Err(e) = check_policy("password", p, &body.username, auth.password_min_chars, auth.password_max_chars)
    {
        check.push(e);
    }
    check.finish()?;
    let (password, temporary) = match body.password {
        Some(p) => (p, None),
        None => {
            let p = generate_temporary();
            (p.clone(), Some(p))
        }
    };
    let password_hash = state.passwords.hash(password).await?;
    let now = state.clock.now();
    let account = NewAccount {
        username: body.username,
        display_name: body.display_name.trim().to_string(),
        role: body.role,
        sector_id: body.sector_id,
        unit_id: body.unit_id,
        email: body.email,
        phone: body.phone,
        password_hash,
        must_change_password: temporary.is_some(),
    };
    let actor = user.actor();
    let created = state.db.write(move |conn| accounts::create(conn, account, &actor, &origin, now)).await?;
    Ok(HttpResponse::Created().json(CreatedUser { user: created.try_into()?, temporary_password: temporary }))
}

/// One account.
#[utoipa::path(tag = "admin", responses((status = 200, body = UserView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/admin/users/{id}")]
async fn get_user(state: web::Data<AppState>, user: AuthUser, id: web::Path<String>) -> AppResult<web::Json<UserView>> {
    user.require(Permission::ManageUsers)?;
    let id = crate::api::path_id(id)?;
    let row = state.db.read(move |conn| accounts::find(conn, &id)).await?;
    Ok(web::Json(row.try_into()?))
}

/// Change an account's profile, role or affiliation. A new role or
/// affiliation ends the account's logins.
#[utoipa::path(
    tag = "admin",
    request_body = UpdateUserRequest,
    responses((status = 200, body = UserView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[patch("/admin/users/{id}")]
async fn update_user(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<UpdateUserRequest>,
) -> AppResult<web::Json<UserView>> {
    user.require(Permission::ManageUsers)?;
    let body = body.into_inner();
    let mut check = Check::new();
    check.opt_text("display_name", body.display_name.as_deref(), 64);
    check.email("email", body.email.as_ref().and_then(|e| e.as_deref()));
    check.opt_text("phone", body.phone.as_ref().and_then(|p| p.as_deref()), 32);
    check.finish()?;
    let id = crate::api::path_id(id)?;
    if id == user.id && body.role.is_some_and(|r| r != Role::Admin) {
        return Err(AppError::invalid_field("role", "self", "不能取消自己的管理员角色"));
    }
    let changes = AccountChanges {
        display_name: body.display_name.map(|s| s.trim().to_string()),
        role: body.role,
        sector_id: body.sector_id,
        unit_id: body.unit_id,
        email: body.email,
        phone: body.phone,
    };
    let (now, actor) = (state.clock.now(), user.actor());
    let row =
        state.db.write(move |conn| accounts::update(conn, &id, body.version, changes, &actor, &origin, now)).await?;
    Ok(web::Json(row.try_into()?))
}

/// Disable an account: its logins end at once and it cannot sign in.
#[utoipa::path(tag = "admin", responses((status = 200, body = UserView), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/admin/users/{id}/disable")]
async fn disable_user(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
) -> AppResult<web::Json<UserView>> {
    user.require(Permission::ManageUsers)?;
    let id = crate::api::path_id(id)?;
    if id == user.id {
        return Err(AppError::invalid_field("id", "self", "不能停用自己的账号"));
    }
    let (now, actor) = (state.clock.now(), user.actor());
    let row = state.db.write(move |conn| accounts::set_disabled(conn, &id, true, &actor, &origin, now)).await?;
    Ok(web::Json(row.try_into()?))
}

/// Enable a disabled account again.
#[utoipa::path(tag = "admin", responses((status = 200, body = UserView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/admin/users/{id}/enable")]
async fn enable_user(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
) -> AppResult<web::Json<UserView>> {
    user.require(Permission::ManageUsers)?;
    let id = crate::api::path_id(id)?;
    let (now, actor) = (state.clock.now(), user.actor());
    let row = state.db.write(move |conn| accounts::set_disabled(conn, &id, false, &actor, &origin, now)).await?;
    Ok(web::Json(row.try_into()?))
}

/// Give an account a new temporary password; its logins end at once.
#[utoipa::path(tag = "admin", responses((status = 200, body = PasswordReset), (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/admin/users/{id}/reset-password")]
async fn reset_password(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
) -> AppResult<web::Json<PasswordReset>> {
    user.require(Permission::ManageUsers)?;
    let id = crate::api::path_id(id)?;
    let temporary = generate_temporary();
    let hash = state.passwords.hash(temporary.clone()).await?;
    let (now, actor) = (state.clock.now(), user.actor());
    let row = state.db.write(move |conn| accounts::reset_password(conn, &id, &hash, &actor, &origin, now)).await?;
    Ok(web::Json(PasswordReset { user: row.try_into()?, temporary_password: temporary }))
}
