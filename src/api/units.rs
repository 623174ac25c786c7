//! Handling units (承办单位): everyone signed in reads them; the administrator changes them.

use actix_web::{HttpResponse, get, patch, post, web};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::body::Body;
use crate::api::check_version;
use crate::api::serde_util::double_option;
use crate::audit::{self, Change, Origin};
use crate::auth::AuthUser;
use crate::db::models::org::UnitRow;
use crate::db::schema::units;
use crate::domain::Permission;
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::validate::Check;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_units).service(create_unit).service(update_unit);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnitRequest {
    pub code: String,
    pub name: String,
    /// e.g. 政府部门, 人民团体, 法院.
    pub kind: String,
    /// Where the unit's notices go.
    pub email: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnitRequest {
    pub version: i32,
    pub name: Option<String>,
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    pub active: Option<bool>,
}

/// All handling units, by code.
#[utoipa::path(tag = "reference", responses((status = 200, body = Vec<UnitRow>), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/units")]
async fn list_units(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<Vec<UnitRow>>> {
    user.require(Permission::ReadReferenceData)?;
    let rows = state
        .db
        .read(|conn| Ok(units::table.order(units::code.asc()).select(UnitRow::as_select()).load(conn)?))
        .await?;
    Ok(web::Json(rows))
}

/// Create a handling unit.
#[utoipa::path(
    tag = "admin",
    request_body = CreateUnitRequest,
    responses((status = 201, body = UnitRow), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[post("/admin/units")]
async fn create_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    body: Body<CreateUnitRequest>,
) -> AppResult<HttpResponse> {
    user.require(Permission::ManageUnits)?;
    let body = body.into_inner();
    let mut check = Check::new();
    check
        .code("code", &body.code)
        .text("name", &body.name, 1, 100)
        .text("kind", &body.kind, 1, 32)
        .email("email", body.email.as_deref());
    check.finish()?;
    let now = state.clock.now();
    let row = UnitRow {
        id: crate::ids::new_id(),
        code: body.code,
        name: body.name.trim().to_string(),
        kind: body.kind.trim().to_string(),
        email: body.email,
        active: true,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let actor = user.actor();
    let row = state
        .db
        .write(move |conn| {
            let clash: i64 = units::table
                .filter(units::code.eq(&row.code).or(units::name.eq(&row.name)))
                .count()
                .get_result(conn)?;
            if clash > 0 {
                return Err(AppError::already_exists("单位代码或名称已存在"));
            }
            diesel::insert_into(units::table).values(&row).execute(conn)?;
            audit::record(
                conn,
                &actor,
                &origin,
                Change::new("unit.create", "unit", row.id.clone()).after(serde_json::to_value(&row)?),
                now,
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(row))
}

/// Change a handling unit.
#[utoipa::path(
    tag = "admin",
    request_body = UpdateUnitRequest,
    responses((status = 200, body = UnitRow), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = []))
)]
#[patch("/admin/units/{id}")]
async fn update_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
    body: Body<UpdateUnitRequest>,
) -> AppResult<web::Json<UnitRow>> {
    user.require(Permission::ManageUnits)?;
    let body = body.into_inner();
    let mut check = Check::new();
    check
        .opt_text("name", body.name.as_deref(), 100)
        .opt_text("kind", body.kind.as_deref(), 32)
        .email("email", body.email.as_ref().and_then(|e| e.as_deref()));
    check.finish()?;
    let (id, now, actor) = (crate::api::path_id(id)?, state.clock.now(), user.actor());
    let row = state
        .db
        .write(move |conn| {
            let before: UnitRow = units::table.find(&id).select(UnitRow::as_select()).first(conn)?;
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
            after.updated_at = now;
            after.version += 1;
            if after.name != before.name {
                let clash: i64 = units::table.filter(units::name.eq(&after.name)).count().get_result(conn)?;
                if clash > 0 {
                    return Err(AppError::already_exists("单位名称已存在"));
                }
            }
            let n = diesel::update(units::table.find(&id).filter(units::version.eq(before.version)))
                .set((
                    units::name.eq(&after.name),
                    units::kind.eq(&after.kind),
                    units::email.eq(&after.email),
                    units::active.eq(after.active),
                    units::updated_at.eq(now),
                    units::version.eq(after.version),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(AppError::stale(before.version));
            }
            audit::record(
                conn,
                &actor,
                &origin,
                Change::new("unit.update", "unit", id.clone())
                    .before(serde_json::to_value(&before)?)
                    .after(serde_json::to_value(&after)?),
                now,
            )?;
            Ok(after)
        })
        .await?;
    Ok(web::Json(row))
}
