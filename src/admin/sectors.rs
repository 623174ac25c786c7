//! Sectors (界别): everyone signed in reads them; the administrator creates
//! and changes them.

use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Ctx, check_version};
use crate::audit::{self, Change};
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::models::org::SectorRow;
use crate::db::schema::sectors;
use crate::domain::Permission;
use crate::error::{AppError, AppResult};
use crate::ids::SectorId;
use crate::validate::Check;

/// The highest `sort_order`.
const MAX_SORT_ORDER: i64 = 100_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSectorRequest {
    /// 1 to 32 of A-Z, a-z, 0-9, - and _.
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9_-]{1,32}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    /// Position in lists (the committee's customary order); 0 when left out.
    #[schema(minimum = 0, maximum = 100000)]
    pub sort_order: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSectorRequest {
    pub version: i32,
    #[schema(min_length = 1, max_length = 64)]
    pub name: Option<String>,
    #[schema(minimum = 0, maximum = 100000)]
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

/// All sectors in their customary order.
pub fn list(conn: &mut DbConn, user: &AuthUser) -> AppResult<Vec<SectorRow>> {
    user.require(Permission::ReadReferenceData)?;
    Ok(sectors::table
        .order((sectors::sort_order.asc(), sectors::code.asc()))
        .select(SectorRow::as_select())
        .load(conn)?)
}

/// Create a sector; its code and its name are each the only one.
pub fn create(conn: &mut DbConn, ctx: &Ctx, body: CreateSectorRequest) -> AppResult<SectorRow> {
    ctx.user.require(Permission::ManageSectors)?;
    let mut check = Check::new();
    check.code("code", &body.code).text("name", &body.name, 1, 64).range(
        "sort_order",
        body.sort_order.unwrap_or(0).into(),
        0,
        MAX_SORT_ORDER,
    );
    check.finish()?;
    let row = SectorRow {
        id: crate::ids::new_id(),
        code: body.code,
        name: body.name.trim().to_string(),
        sort_order: body.sort_order.unwrap_or(0),
        active: true,
        created_at: ctx.now,
        updated_at: ctx.now,
        version: 1,
    };
    let clash: i64 =
        sectors::table.filter(sectors::code.eq(&row.code).or(sectors::name.eq(&row.name))).count().get_result(conn)?;
    if clash > 0 {
        return Err(AppError::already_exists("界别代码或名称已存在"));
    }
    diesel::insert_into(sectors::table).values(&row).execute(conn)?;
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("sector.create", "sector", row.id.clone()).after(serde_json::to_value(&row)?),
        ctx.now,
    )?;
    Ok(row)
}

/// Who may change a sector and the form of the change: what [`update`]
/// checks before it looks the sector up.
pub fn check_update(user: &AuthUser, body: &UpdateSectorRequest) -> AppResult<()> {
    user.require(Permission::ManageSectors)?;
    let mut check = Check::new();
    check.opt_text("name", body.name.as_deref(), 64);
    if let Some(order) = body.sort_order {
        check.range("sort_order", order.into(), 0, MAX_SORT_ORDER);
    }
    check.finish()
}

/// Change a sector's name, place in lists or whether it is active.
pub fn update(conn: &mut DbConn, ctx: &Ctx, id: &SectorId, body: UpdateSectorRequest) -> AppResult<SectorRow> {
    check_update(ctx.user, &body)?;
    let before: SectorRow = sectors::table.find(id.as_str()).select(SectorRow::as_select()).first(conn)?;
    check_version(body.version, before.version)?;
    let mut after = before.clone();
    if let Some(name) = body.name {
        after.name = name.trim().to_string();
    }
    if let Some(order) = body.sort_order {
        after.sort_order = order;
    }
    if let Some(active) = body.active {
        after.active = active;
    }
    after.updated_at = ctx.now;
    after.version += 1;
    if after.name != before.name {
        let clash: i64 = sectors::table.filter(sectors::name.eq(&after.name)).count().get_result(conn)?;
        if clash > 0 {
            return Err(AppError::already_exists("界别名称已存在"));
        }
    }
    let n = diesel::update(sectors::table.find(id.as_str()).filter(sectors::version.eq(before.version)))
        .set((
            sectors::name.eq(&after.name),
            sectors::sort_order.eq(after.sort_order),
            sectors::active.eq(after.active),
            sectors::updated_at.eq(ctx.now),
            sectors::version.eq(after.version),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::stale(before.version));
    }
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("sector.update", "sector", id.as_str())
            .before(serde_json::to_value(&before)?)
            .after(serde_json::to_value(&after)?),
        ctx.now,
    )?;
    Ok(after)
}
