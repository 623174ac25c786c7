//! What everybody may read without signing in: published proposals and the
//! public versions of their replies (read by `crate::proposals::public`), each
//! answer kept for `server.public_cache_seconds`.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::Page;
use crate::error::{AppResult, Problem};
use crate::ids::ProposalId;
use crate::proposals::public::{
    self, Choices, PublicChoice, PublicListItem, PublicProposal, PublicQuery, not_published,
};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_published).service(get_published).service(list_sessions).service(list_sectors).service(list_units);
}

/// Published proposals, newest first, with the grades of their replies and the units that handled them.
#[utoipa::path(
    tag = "public",
    params(PublicQuery),
    responses((status = 200, body = Page<PublicListItem>), (status = 400, body = Problem), (status = 422, body = Problem))
)]
#[get("/public/proposals")]
async fn list_published(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PublicQuery>,
) -> AppResult<HttpResponse> {
    let ttl = Duration::from_secs(state.settings.server.public_cache_seconds);
    let key = req.uri().to_string();
    if let Some(kept) = state.public_cache.get(&req, &key, ttl) {
        return Ok(kept);
    }
    let (query, workflow) = (query.into_inner(), state.settings.workflow.clone());
    let result = state.db.read(move |conn| public::list(conn, &query, &workflow)).await?;
    Ok(state.public_cache.put(&req, key, serde_json::to_vec(&result)?.into()))
}

/// One published proposal with the public versions of its replies. Anything
/// not published answers 404, as if it did not exist.
#[utoipa::path(
    tag = "public",
    responses((status = 200, body = PublicProposal), (status = 404, body = Problem))
)]
#[get("/public/proposals/{id}")]
async fn get_published(state: web::Data<AppState>, req: HttpRequest, id: web::Path<String>) -> AppResult<HttpResponse> {
    let ttl = Duration::from_secs(state.settings.server.public_cache_seconds);
    let key = req.uri().path().to_string();
    if let Some(kept) = state.public_cache.get(&req, &key, ttl) {
        return Ok(kept);
    }
    let id = ProposalId::parse(&id).ok_or_else(not_published)?;
    let workflow = state.settings.workflow.clone();
    let view = state.db.read(move |conn| public::one(conn, &id, &workflow)).await?;
    Ok(state.public_cache.put(&req, key, serde_json::to_vec(&view)?.into()))
}

/// The sessions (会议) the public list can be filtered by, newest first.
#[utoipa::path(tag = "public", responses((status = 200, body = Vec<PublicChoice>)))]
#[get("/public/sessions")]
async fn list_sessions(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    kept_list(&state, &req, Choices::Sessions).await
}

/// The sectors (界别) the public list can be filtered by.
#[utoipa::path(tag = "public", responses((status = 200, body = Vec<PublicChoice>)))]
#[get("/public/sectors")]
async fn list_sectors(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    kept_list(&state, &req, Choices::Sectors).await
}

/// The handling units the public list can be filtered by.
#[utoipa::path(tag = "public", responses((status = 200, body = Vec<PublicChoice>)))]
#[get("/public/units")]
async fn list_units(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    kept_list(&state, &req, Choices::Units).await
}

async fn kept_list(state: &AppState, req: &HttpRequest, which: Choices) -> AppResult<HttpResponse> {
    let ttl = Duration::from_secs(state.settings.server.public_cache_seconds);
    let key = req.uri().path().to_string();
    if let Some(kept) = state.public_cache.get(req, &key, ttl) {
        return Ok(kept);
    }
    let found = state.db.read(move |conn| public::choices(conn, which)).await?;
    Ok(state.public_cache.put(req, key, serde_json::to_vec(&found)?.into()))
}
