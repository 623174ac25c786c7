//! Sectors (界别): everyone signed in reads them; the administrator changes
//! them. The operations are in `crate::admin::sectors`.

use actix_web::{HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::act;
use crate::admin::sectors::{self, CreateSectorRequest, UpdateSectorRequest};
use crate::api::body::Body;
use crate::api::path_of;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::db::models::org::SectorRow;
use crate::error::{AppResult, Problem};
use crate::ids::SectorId;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sectors).service(create_sector).service(update_sector);
}

/// All sectors in their customary order.
#[utoipa::path(tag = "reference", responses((status = 200, body = Vec<SectorRow>), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/sectors")]
async fn list_sectors(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<Vec<SectorRow>>> {
    state.db.read(move |conn| sectors::list(conn, &user)).await.map(web::Json)
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
    let body = body.into_inner();
    let row = act(&state, user, origin, move |conn, ctx| sectors::create(conn, ctx, body)).await?;
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
    let body = body.into_inner();
    sectors::check_update(&user, &body)?;
    let id = path_of::<SectorId>(id)?;
    act(&state, user, origin, move |conn, ctx| sectors::update(conn, ctx, &id, body)).await.map(web::Json)
}
