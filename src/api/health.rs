//! Liveness and readiness for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::migrations;
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is up (it answers without touching the database).
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The cheapest answer the service gives: plain text, no database, no JSON.
/// The benchmark's ceiling (`bench/run`) and a liveness probe.
#[utoipa::path(tag = "operations", responses((status = 200, description = "pong", content_type = "text/plain")))]
#[get("/ping")]
pub async fn ping() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("pong")
}

/// The service can serve: the database answers and its schema is current.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health), (status = 503, body = Problem)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let current = state
        .db
        .read(|conn| migrations::is_up_to_date(conn).map_err(|e| AppError::unavailable(format!("migrations: {e}"))))
        .await?;
    if !current {
        return Err(AppError::unavailable("migrations pending").with_detail("数据库结构尚未更新"));
    }
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}
