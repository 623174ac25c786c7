//! Handling units (承办单位): everyone signed in reads them; the administrator
//! changes them. The operations are in `crate::admin::units`.

use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::act;
use crate::admin::units::{self, CreateUnitRequest, UpdateUnitRequest};
use crate::api::body::Body;
use crate::api::path_of;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::db::models::org::UnitRow;
use crate::error::{AppResult, Problem};
use crate::ids::UnitId;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_units).service(create_unit).service(update_unit);
}

/// All handling units, by code.
#[utoipa::path(tag = "reference", responses((status = 200, body = Vec<UnitRow>), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/units")]
async fn list_units(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<Vec<UnitRow>>> {
    state.db.read(move |conn| units::list(conn, &user)).await.map(web::Json)
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
    let body = body.into_inner();
    let row = act(&state, user, origin, move |conn, ctx| units::create(conn, ctx, body)).await?;
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
    let body = body.into_inner();
    units::check_update(&user, &body)?;
    let id = path_of::<UnitId>(id)?;
    act(&state, user, origin, move |conn, ctx| units::update(conn, ctx, &id, body)).await.map(web::Json)
}
