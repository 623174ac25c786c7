//! Account operations shared by the admin API and the command line. Each
//! function runs inside the caller's write transaction and records its audit event.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::{self, Actor, Change, Origin};
use crate::auth::sessions;
use crate::db::DbConn;
use crate::db::models::user::{NewUser, UserRow};
use crate::db::schema::{sectors, units, users};
use crate::domain::Role;
use crate::domain::roles::check_affiliation;
use crate::error::{AppError, AppResult};
use crate::validate::Check;

/// An account as the API shows it (never the password hash).
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub role_label: String,
    pub sector_id: Option<String>,
    pub unit_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl TryFrom<UserRow> for UserView {
    type Error = AppError;
    fn try_from(u: UserRow) -> AppResult<Self> {
        let role = u.role;
        Ok(UserView {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role,
            role_label: role.label_zh().into(),
            sector_id: u.sector_id,
            unit_id: u.unit_id,
            email: u.email,
            phone: u.phone,
            must_change_password: u.must_change_password,
            disabled: u.disabled,
            created_at: u.created_at,
            updated_at: u.updated_at,
            version: u.version,
        })
    }
}

/// A new account, already validated for form; the password already hashed.
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub sector_id: Option<String>,
    pub unit_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
}

/// The form of a new account's fields, the same from the API and the command line.
pub fn check_fields(username: &str, display_name: &str, email: Option<&str>, phone: Option<&str>) -> Check {
    let mut check = Check::new();
    check
        .username("username", username)
        .text("display_name", display_name, 1, 64)
        .email("email", email)
        .opt_text("phone", phone, 32);
    check
}

/// Checks that the role has the affiliation it needs and that it exists.
pub fn check_affiliation_exists(
    conn: &mut DbConn,
    role: Role,
    sector_id: Option<&str>,
    unit_id: Option<&str>,
) -> AppResult<()> {
    check_affiliation(role, sector_id.is_some(), unit_id.is_some())
        .map_err(|e| AppError::invalid_field(e.field(), "invalid", e.message_zh()))?;
    if let Some(id) = sector_id {
        if !crate::ids::is_id(id) {
            return Err(AppError::invalid_field("sector_id", "not_found", "界别不存在"));
        }
        let n: i64 = sectors::table.filter(sectors::id.eq(id)).count().get_result(conn)?;
        if n == 0 {
            return Err(AppError::invalid_field("sector_id", "not_found", "界别不存在"));
        }
    }
    if let Some(id) = unit_id {
        if !crate::ids::is_id(id) {
            return Err(AppError::invalid_field("unit_id", "not_found", "承办单位不存在"));
        }
        let n: i64 = units::table.filter(units::id.eq(id)).count().get_result(conn)?;
        if n == 0 {
            return Err(AppError::invalid_field("unit_id", "not_found", "承办单位不存在"));
        }
    }
    Ok(())
}

pub fn create(
    conn: &mut DbConn,
    account: NewAccount,
    actor: &Actor,
    origin: &Origin,
    now: NaiveDateTime,
) -> AppResult<UserRow> {
    check_affiliation_exists(conn, account.role, account.sector_id.as_deref(), account.unit_id.as_deref())?;
    let taken: i64 = users::table.filter(users::username.eq(&account.username)).count().get_result(conn)?;
    if taken > 0 {
        return Err(AppError::already_exists("用户名已被使用").with_extra("field", "username".into()));
    }
    let row = NewUser {
        id: crate::ids::new_id(),
        username: account.username,
        display_name: account.display_name,
        role: account.role,
        sector_id: account.sector_id,
        unit_id: account.unit_id,
        email: account.email,
        phone: account.phone,
        password_hash: account.password_hash,
        must_change_password: account.must_change_password,
        token_generation: 0,
        disabled: false,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    diesel::insert_into(users::table).values(&row).execute(conn)?;
    let created = find(conn, &row.id)?;
    audit::record(
        conn,
        actor,
        origin,
        Change::new("user.create", "user", created.id.clone()).after(created.audit_view()),
        now,
    )?;
    Ok(created)
}

pub fn find(conn: &mut DbConn, id: &str) -> AppResult<UserRow> {
    Ok(users::table.find(id).select(UserRow::as_select()).first(conn)?)
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> AppResult<UserRow> {
    Ok(users::table
        .filter(users::username.eq(username.trim().to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)?)
}

/// Disables or re-enables an account. Disabling ends every login at once.
pub fn set_disabled(
    conn: &mut DbConn,
    id: &str,
    disabled: bool,
    actor: &Actor,
    origin: &Origin,
    now: NaiveDateTime,
) -> AppResult<UserRow> {
    let before = find(conn, id)?;
    if before.disabled == disabled {
        return Ok(before);
    }
    let generation = if disabled { before.token_generation + 1 } else { before.token_generation };
    diesel::update(users::table.find(id))
        .set((
            users::disabled.eq(disabled),
            users::token_generation.eq(generation),
            users::updated_at.eq(now),
            users::version.eq(before.version + 1),
        ))
        .execute(conn)?;
    if disabled {
        sessions::revoke_all(conn, id, now)?;
    }
    let after = find(conn, id)?;
    let action = if disabled { "user.disable" } else { "user.enable" };
    audit::record(
        conn,
        actor,
        origin,
        Change::new(action, "user", id).before(before.audit_view()).after(after.audit_view()),
        now,
    )?;
    Ok(after)
}

/// Sets a new (temporary) password that must be changed at next login, and ends every login.
pub fn reset_password(
    conn: &mut DbConn,
    id: &str,
    password_hash: &str,
    actor: &Actor,
    origin: &Origin,
    now: NaiveDateTime,
) -> AppResult<UserRow> {
    let before = find(conn, id)?;
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::must_change_password.eq(true),
            users::token_generation.eq(before.token_generation + 1),
            users::updated_at.eq(now),
            users::version.eq(before.version + 1),
        ))
        .execute(conn)?;
    sessions::revoke_all(conn, id, now)?;
    let after = find(conn, id)?;
    audit::record(
        conn,
        actor,
        origin,
        Change::new("user.reset_password", "user", id).before(before.audit_view()).after(after.audit_view()),
        now,
    )?;
    Ok(after)
}

/// Changes to an account's profile; `None` leaves a field unchanged,
/// `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub sector_id: Option<Option<String>>,
    pub unit_id: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
}

pub fn update(
    conn: &mut DbConn,
    id: &str,
    version: i32,
    changes: AccountChanges,
    actor: &Actor,
    origin: &Origin,
    now: NaiveDateTime,
) -> AppResult<UserRow> {
    let before = find(conn, id)?;
    if version != before.version {
        return Err(AppError::stale(before.version));
    }
    let old_role = before.role;
    let role = changes.role.unwrap_or(old_role);
    let sector_id = changes.sector_id.unwrap_or_else(|| before.sector_id.clone());
    let unit_id = changes.unit_id.unwrap_or_else(|| before.unit_id.clone());
    check_affiliation_exists(conn, role, sector_id.as_deref(), unit_id.as_deref())?;
    // A new role or affiliation changes what the account may do: its tokens must not outlive that.
    let scope_changed = role != old_role || sector_id != before.sector_id || unit_id != before.unit_id;
    let generation = before.token_generation + i32::from(scope_changed);
    let updated = diesel::update(users::table.find(id).filter(users::version.eq(before.version)))
        .set((
            users::display_name.eq(changes.display_name.unwrap_or_else(|| before.display_name.clone())),
            users::role.eq(role),
            users::sector_id.eq(&sector_id),
            users::unit_id.eq(&unit_id),
            users::email.eq(changes.email.unwrap_or_else(|| before.email.clone())),
            users::phone.eq(changes.phone.unwrap_or_else(|| before.phone.clone())),
            users::token_generation.eq(generation),
            users::updated_at.eq(now),
            users::version.eq(before.version + 1),
        ))
        .execute(conn)?;
    if updated == 0 {
        return Err(AppError::stale(before.version));
    }
    if scope_changed {
        sessions::revoke_all(conn, id, now)?;
    }
    let after = find(conn, id)?;
    audit::record(
        conn,
        actor,
        origin,
        Change::new("user.update", "user", id).before(before.audit_view()).after(after.audit_view()),
        now,
    )?;
    Ok(after)
}

/// The display names of the accounts `ids` name, by id (unknown ids are left out).
pub fn display_names(conn: &mut DbConn, ids: &[String]) -> AppResult<std::collections::HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(String, String)> =
        users::table.filter(users::id.eq_any(ids)).select((users::id, users::display_name)).load(conn)?;
    Ok(rows.into_iter().collect())
}
