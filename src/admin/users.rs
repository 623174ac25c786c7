//! Accounts (系统管理员 only): the list, one account, and the operations that
//! create, change, disable, enable and reset them. The records and their
//! audit events are `crate::accounts`'s, shared with the command line and the
//! demo; these add who may act and the form of the request.
//!
//! A password is hashed outside the transaction (it is slow, and the write
//! lock would wait for it): creating an account is [`check_create`], the
//! caller's hash of [`NewUser::password`], then [`create`] with that hash.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Ctx, double_option};
use crate::accounts::{self, AccountChanges, NewAccount, UserView};
use crate::auth::AuthUser;
use crate::auth::password::{check_policy, generate_temporary};
use crate::config::AuthSettings;
use crate::db::DbConn;
use crate::db::models::user::UserRow;
use crate::db::schema::users;
use crate::domain::{Permission, Role};
use crate::error::{AppError, AppResult};
use crate::ids::UserId;
use crate::listing::{Page, PageQuery};
use crate::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 3 to 64 of a-z, 0-9, . - _
    #[schema(min_length = 3, max_length = 64, pattern = "^[a-z0-9._-]{3,64}$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 64)]
    pub display_name: String,
    pub role: Role,
    /// Required for members (their 界别), refused for other roles.
    pub sector_id: Option<String>,
    /// Required for unit staff and heads, refused for other roles.
    pub unit_id: Option<String>,
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    #[schema(min_length = 1, max_length = 32)]
    pub phone: Option<String>,
    /// Leave out to have a temporary password generated and returned once.
    /// `auth.password_min_chars` to `auth.password_max_chars` characters (8 to
    /// 128 as shipped), neither a common password nor the account name.
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
    #[schema(min_length = 1, max_length = 64)]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub sector_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub unit_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 32)]
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
    #[param(min_length = 1, max_length = 64)]
    pub q: Option<String>,
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// Accounts by account name, of one role or matching part of a name, a page at a time.
pub fn list(conn: &mut DbConn, user: &AuthUser, query: UserQuery) -> AppResult<Page<UserView>> {
    user.require(Permission::ManageUsers)?;
    let (page, per_page) = PageQuery { page: query.page, per_page: query.per_page }.resolve()?;
    if let Some(q) = &query.q {
        let mut check = Check::new();
        check.text("q", q, 1, 64);
        check.finish()?;
    }
    let filtered = || {
        let mut sql = users::table.into_boxed();
        if let Some(role) = query.role {
            sql = sql.filter(users::role.eq(role));
        }
        if let Some(q) = &query.q {
            let pattern = crate::listing::contains_pattern(q.trim());
            sql = sql.filter(
                users::username.like(pattern.clone()).escape('\\').or(users::display_name.like(pattern).escape('\\')),
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
    let items = rows.into_iter().map(UserView::try_from).collect::<AppResult<Vec<_>>>()?;
    Ok(Page { items, total, page, per_page })
}

/// One account.
pub fn get(conn: &mut DbConn, user: &AuthUser, id: &UserId) -> AppResult<UserView> {
    user.require(Permission::ManageUsers)?;
    accounts::find(conn, id.as_str())?.try_into()
}

/// A request for a new account that passed [`check_create`], with the
/// password it is to have: the one sent, or one generated to be shown once.
pub struct NewUser {
    request: CreateUserRequest,
    password: String,
    generated: bool,
}

impl NewUser {
    /// The password to hash for [`create`].
    pub fn password(&self) -> &str {
        &self.password
    }
}

/// Who may create an account and the form of the request (the password's
/// rules are `auth`'s): what [`create`] needs checked before the password is hashed.
pub fn check_create(user: &AuthUser, body: CreateUserRequest, auth: &AuthSettings) -> AppResult<NewUser> {
    user.require(Permission::ManageUsers)?;
    let mut check =
        accounts::check_fields(&body.username, &body.display_name, body.email.as_deref(), body.phone.as_deref());
    if let Some(p) = &body.password
        && let Err(e) = check_policy("password", p, &body.username, auth.password_min_chars, auth.password_max_chars)
    {
        check.push(e);
    }
    check.finish()?;
    let (password, generated) = match &body.password {
        Some(p) => (p.clone(), false),
        None => (generate_temporary(), true),
    };
    Ok(NewUser { request: body, password, generated })
}

/// Create the account `new` asks for, with `password_hash` (the hash of
/// [`NewUser::password`]); its sector or unit must exist and its account name
/// be free. A generated password is in the answer, this once.
pub fn create(conn: &mut DbConn, ctx: &Ctx, new: NewUser, password_hash: String) -> AppResult<CreatedUser> {
    ctx.user.require(Permission::ManageUsers)?;
    let NewUser { request: body, password, generated } = new;
    let account = NewAccount {
        username: body.username,
        display_name: body.display_name.trim().to_string(),
        role: body.role,
        sector_id: body.sector_id,
        unit_id: body.unit_id,
        email: body.email,
        phone: body.phone,
        password_hash,
        must_change_password: generated,
    };
    let created = accounts::create(conn, account, &ctx.user.actor(), ctx.origin, ctx.now)?;
    Ok(CreatedUser { user: created.try_into()?, temporary_password: generated.then_some(password) })
}

/// Who may change an account and the form of the change: what [`update`]
/// checks before it looks at which account.
pub fn check_update(user: &AuthUser, body: &UpdateUserRequest) -> AppResult<()> {
    user.require(Permission::ManageUsers)?;
    let mut check = Check::new();
    check.opt_text("display_name", body.display_name.as_deref(), 64);
    check.email("email", body.email.as_ref().and_then(|e| e.as_deref()));
    check.opt_text("phone", body.phone.as_ref().and_then(|p| p.as_deref()), 32);
    check.finish()
}

/// Change an account's profile, role or affiliation. A new role or
/// affiliation ends the account's logins; no one takes their own
/// administrator role away.
pub fn update(conn: &mut DbConn, ctx: &Ctx, id: &UserId, body: UpdateUserRequest) -> AppResult<UserView> {
    check_update(ctx.user, &body)?;
    if id.as_str() == ctx.user.id && body.role.is_some_and(|r| r != Role::Admin) {
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
    accounts::update(conn, id.as_str(), body.version, changes, &ctx.user.actor(), ctx.origin, ctx.now)?.try_into()
}

/// Disable an account (not one's own): its logins end at once and it cannot sign in.
pub fn disable(conn: &mut DbConn, ctx: &Ctx, id: &UserId) -> AppResult<UserView> {
    ctx.user.require(Permission::ManageUsers)?;
    if id.as_str() == ctx.user.id {
        return Err(AppError::invalid_field("id", "self", "不能停用自己的账号"));
    }
    accounts::set_disabled(conn, id.as_str(), true, &ctx.user.actor(), ctx.origin, ctx.now)?.try_into()
}

/// Enable a disabled account again.
pub fn enable(conn: &mut DbConn, ctx: &Ctx, id: &UserId) -> AppResult<UserView> {
    ctx.user.require(Permission::ManageUsers)?;
    accounts::set_disabled(conn, id.as_str(), false, &ctx.user.actor(), ctx.origin, ctx.now)?.try_into()
}

/// A temporary password for [`reset_password`], and the hash it is stored as.
pub struct TemporaryPassword {
    pub password: String,
    pub hash: String,
}

/// Give an account a temporary password that must be changed at next login;
/// its logins end at once. The answer shows the password, this once.
pub fn reset_password(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: &UserId,
    temporary: TemporaryPassword,
) -> AppResult<PasswordReset> {
    ctx.user.require(Permission::ManageUsers)?;
    let row = accounts::reset_password(conn, id.as_str(), &temporary.hash, &ctx.user.actor(), ctx.origin, ctx.now)?;
    Ok(PasswordReset { user: row.try_into()?, temporary_password: temporary.password })
}
