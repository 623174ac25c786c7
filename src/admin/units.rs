//! Handling units (承办单位): everyone signed in reads them; the administrator
//! creates and changes them.

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Ctx, check_version, double_option};
use crate::audit::{self, Change};
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::models::org::UnitRow;
use crate::db::schema::units;
use crate::domain::Permission;
use crate::error::{AppError, AppResult};
use crate::ids::UnitId;
use crate::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnitRequest {
    /// 1 to 32 of A-Z, a-z, 0-9, - and _.
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9_-]{1,32}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// e.g. 政府部门, 人民团体, 法院.
    #[schema(min_length = 1, max_length = 32)]
    pub kind: String,
    /// Where the unit's notices go.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnitRequest {
    pub version: i32,
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 32)]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    pub active: Option<bool>,
}

/// All handling units, by code.
pub fn list(conn: &mut DbConn, user: &AuthUser) -> AppResult<Vec<UnitRow>> {
    user.require(Permission::ReadReferenceData)?;
    Ok(units::table.order(units::code.asc()).select(UnitRow::as_select()).load(conn)?)
}

/// Create a handling unit; its code and its name are each the only one.
pub fn create(conn: &mut DbConn, ctx: &Ctx, body: CreateUnitRequest) -> AppResult<UnitRow> {
    ctx.user.require(Permission::ManageUnits)?;
    let mut check = Check::new();
    check
        .code("code", &body.code)
        .text("name", &body.name, 1, 100)
        .text("kind", &body.kind, 1, 32)
        .email("email", body.email.as_deref());
    check.finish()?;
    let row = UnitRow {
        id: crate::ids::new_id(),
        code: body.code,
        name: body.name.trim().to_string(),
        kind: body.kind.trim().to_string(),
        email: body.email,
        active: true,
        created_at: ctx.now,
        updated_at: ctx.now,
        version: 1,
    };
    let clash: i64 =
        units::table.filter(units::code.eq(&row.code).or(units::name.eq(&row.name))).count().get_result(conn)?;
    if clash > 0 {
        return Err(AppError::already_exists("单位代码或名称已存在"));
    }
    diesel::insert_into(units::table).values(&row).execute(conn)?;
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("unit.create", "unit", row.id.clone()).after(serde_json::to_value(&row)?),
        ctx.now,
    )?;
    Ok(row)
}

/// Who may change a unit and the form of the change: what [`update`] checks
/// before it looks the unit up.
pub fn check_update(user: &AuthUser, body: &UpdateUnitRequest) -> AppResult<()> {
    user.require(Permission::ManageUnits)?;
    let mut check = Check::new();
    check
        .opt_text("name", body.name.as_deref(), 100)
        .opt_text("kind", body.kind.as_deref(), 32)
        .email("email", body.email.as_ref().and_then(|e| e.as_deref()));
    check.finish()
}

/// Change a handling unit's name, kind, address or whether it is active.
pub fn update(conn: &mut DbConn, ctx: &Ctx, id: &UnitId, body: UpdateUnitRequest) -> AppResult<UnitRow> {
    check_update(ctx.user, &body)?;
    let before: UnitRow = units::table.find(id.as_str()).select(UnitRow::as_select()).first(conn)?;
    check_version(body.version, before.version)?;
    let mut after = before.clone();
    if let Some(name) = body.name {
        after.name = name.trim().to_string();
    }
    if let Some(kind) = body.kind {
        after.kind = kind.trim().to_string();
    }
    if let Some(email) = body.email {
        after.email = email;
    }
    if let Some(active) = body.active {
        after.active = active;
    }
    after.updated_at = ctx.now;
    after.version += 1;
    if after.name != before.name {
        let clash: i64 = units::table.filter(units::name.eq(&after.name)).count().get_result(conn)?;
        if clash > 0 {
            return Err(AppError::already_exists("单位名称已存在"));
        }
    }
    let n = diesel::update(units::table.find(id.as_str()).filter(units::version.eq(before.version)))
        .set((
            units::name.eq(&after.name),
            units::kind.eq(&after.kind),
            units::email.eq(&after.email),
            units::active.eq(after.active),
            units::updated_at.eq(ctx.now),
            units::version.eq(after.version),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::stale(before.version));
    }
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("unit.update", "unit", id.as_str())
            .before(serde_json::to_value(&before)?)
            .after(serde_json::to_value(&after)?),
        ctx.now,
    )?;
    Ok(after)
}
