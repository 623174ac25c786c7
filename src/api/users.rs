//! Account administration (系统管理员 only). The operations are in `crate::admin::users`.

use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::accounts::UserView;
use crate::acting::act;
use crate::admin::users::{
    self, CreateUserRequest, CreatedUser, PasswordReset, TemporaryPassword, UpdateUserRequest, UserQuery,
};
use crate::api::body::Body;
use crate::api::{Page, path_of};
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::auth::password::generate_temporary;
use crate::domain::Permission;
use crate::error::{AppResult, Problem};
use crate::ids::UserId;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(disable_user)
        .service(enable_user)
        .service(reset_password);
}

/// List accounts.
#[utoipa::path(tag = "admin", params(UserQuery), responses((status = 200, body = Page<UserView>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/admin/users")]
async fn list_users(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<UserQuery>,
) -> AppResult<web::Json<Page<UserView>>> {
    let query = query.into_inner();
    state.db.read(move |conn| users::list(conn, &user, query)).await.map(web::Json)
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
    let new = users::check_create(&user, body.into_inner(), &state.settings.auth)?;
    let hash = state.passwords.hash(new.password().to_string()).await?;
    let created = act(&state, user, origin, move |conn, ctx| users::create(conn, ctx, new, hash)).await?;
    Ok(HttpResponse::Created().json(created))
}

/// One account.
#[utoipa::path(tag = "admin", responses((status = 200, body = UserView), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/admin/users/{id}")]
async fn get_user(state: web::Data<AppState>, user: AuthUser, id: web::Path<String>) -> AppResult<web::Json<UserView>> {
    user.require(Permission::ManageUsers)?;
    let id = path_of::<UserId>(id)?;
    state.db.read(move |conn| users::get(conn, &user, &id)).await.map(web::Json)
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
    let body = body.into_inner();
    users::check_update(&user, &body)?;
    let id = path_of::<UserId>(id)?;
    act(&state, user, origin, move |conn, ctx| users::update(conn, ctx, &id, body)).await.map(web::Json)
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
    let id = path_of::<UserId>(id)?;
    act(&state, user, origin, move |conn, ctx| users::disable(conn, ctx, &id)).await.map(web::Json)
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
    let id = path_of::<UserId>(id)?;
    act(&state, user, origin, move |conn, ctx| users::enable(conn, ctx, &id)).await.map(web::Json)
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
    let id = path_of::<UserId>(id)?;
    let password = generate_temporary();
    let hash = state.passwords.hash(password.clone()).await?;
    let temporary = TemporaryPassword { password, hash };
    act(&state, user, origin, move |conn, ctx| users::reset_password(conn, ctx, &id, temporary)).await.map(web::Json)
}
