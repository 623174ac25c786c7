//! Sectors (界别): everyone signed in reads them; the administrator changes them.

use actix_web::{HttpResponse, get, patch, post, web};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::body::Body;
use crate::api::check_version;
use crate::audit::{self, Change, Origin};
use crate::auth::AuthUser;
use crate::db::models::org::SectorRow;
use crate::db::schema::sectors;
use crate::domain::Permission;
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::validate::Check;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sectors).service(create_sector).service(update_sector);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSectorRequest {
    pub code: String,
    pub name: String,
    /// Position in lists (the committee's customary order).
    pub sort_order: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSectorRequest {
    pub version: i32,
    pub name: Option<String>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

/// All sectors in their customary order.
#[utoipa::path(tag = "reference", responses((status = 200, body = Vec<SectorRow>), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/sectors")]
async fn list_sectors(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<Vec<SectorRow>>> {
    user.require(Permission::ReadReferenceData)?;
    let rows = state
        .db
        .read(|conn| {
            Ok(sectors::table
                .order((sectors::sort_order.asc(), sectors::code.asc()))
                .select(SectorRow::as_select())
                .load(conn)?)
        })
        .await?;
    Ok(web::Json(rows))
}

/// Create a sector.
#[utoipa::path(
    tag = "admin",
    request_body = CreateSectorRequest,
    responses((status = 201, body = SectorRow), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/admin/sectors")]
async fn create_sector(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    body: Body<CreateSectorRequest>,
) -> AppResult<HttpResponse> {
    user.require(Permission::ManageSectors)?;
    let body = body.into_inner();
    let mut check = Check::new();
    check.code("code", &body.code).text("name", &body.name, 1, 64).range(
        "sort_order",
        body.sort_order.unwrap_or(0).into(),
        0,
        100_000,
    );
    check.finish()?;
    let now = state.clock.now();
    let row = SectorRow {
        id: crate::ids::new_id(),
        code: body.code,
        name: body.name.trim().to_string(),
        sort_order: body.sort_order.unwrap_or(0),
        active: true,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let actor = user.actor();
    let row = state
        .db
        .write(move |conn| {
            let clash: i64 = sectors::table
                .filter(sectors::code.eq(&row.code).or(sectors::name.eq(&row.name)))
                .count()
                .get_result(conn)?;
            if clash > 0 {
                return Err(AppError::already_exists("界别代码或名称已存在"));
            }
            diesel::insert_into(sectors::table).values(&row).execute(conn)?;
            audit::record(
                conn,
                &actor,
                &origin,
                Change::new("sector.create", "sector", row.id.clone()).after(serde_json::to_value(&row)?),
                now,
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(row))
}

/// Change a sector.
#[utoipa::path(
    tag = "admin",
    request_body = UpdateSectorRequest,
    responses((status = 200, body = SectorRow), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[patch("/admin/sectors/{id}")]
async fn update_sector(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<UpdateSectorRequest>,
) -> AppResult<web::Json<SectorRow>> {
    user.require(Permission::ManageSectors)?;
    let body = body.into_inner();
    let mut check = Check::new();
    check.opt_text("name", body.name.as_deref(), 64);
    if let Some(order) = body.sort_order {
        check.range("sort_order", order.into(), 0, 100_000);
    }
    check.finish()?;
    let (id, now, actor) = (crate::api::path_id(id)?, state.clock.now(), user.actor());
    let row = state
        .db
        .write(move |conn| {
            let before: SectorRow = sectors::table.find(&id).select(SectorRow::as_select()).first(conn)?;
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
            after.updated_at = now;
            after.version += 1;
            if after.name != before.name {
                let clash: i64 = sectors::table.filter(sectors::name.eq(&after.name)).count().get_result(conn)?;
                if clash > 0 {
                    return Err(AppError::already_exists("界别名称已存在"));
                }
            }
            let n = diesel::update(sectors::table.find(&id).filter(sectors::version.eq(before.version)))
                .set((
                    sectors::name.eq(&after.name),
                    sectors::sort_order.eq(after.sort_order),
                    sectors::active.eq(after.active),
                    sectors::updated_at.eq(now),
                    sectors::version.eq(after.version),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(AppError::stale(before.version));
            }
            audit::record(
                conn,
                &actor,
                &origin,
                Change::new("sector.update", "sector", id.clone())
                    .before(serde_json::to_value(&before)?)
                    .after(serde_json::to_value(&after)?),
                now,
            )?;
            Ok(after)
        })
        .await?;
    Ok(web::Json(row))
}
