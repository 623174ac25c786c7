//! What everybody may read without signing in: published proposals and the
//! public versions of their replies (read by `crate::proposals::public`), each
//! answer kept until what the public reads changes (`public_cache.rs`).

use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::Page;
use crate::error::{AppResult, Problem};
use crate::proposals::public::{Choices, PublicChoice, PublicListItem, PublicProposal, PublicQuery};
use crate::proposals::public_index;
use crate::public_cache::{Fresh, Lookup};
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
    let index = state.public_index.current(&state.db).await?;
    let fresh = Fresh::In(index.generation);
    let key = req.uri().to_string();
    let _turn = match state.public_cache.lookup(&req, &key, fresh).await {
        Lookup::Kept(kept) => return Ok(kept),
        Lookup::Build(turn) => turn,
    };
    let result = public_index::list(&state.db, &index, &query, &state.settings.workflow).await?;
    Ok(state.public_cache.put(&req, key, serde_json::to_vec(&result)?.into(), fresh))
}

/// One published proposal with the public versions of its replies. Anything
/// not published answers 404, as if it did not exist.
#[utoipa::path(
    tag = "public",
    responses((status = 200, body = PublicProposal), (status = 404, body = Problem))
)]
#[get("/public/proposals/{id}")]
async fn get_published(state: web::Data<AppState>, req: HttpRequest, id: web::Path<String>) -> AppResult<HttpResponse> {
    let index = state.public_index.current(&state.db).await?;
    let since = index.since_of(&id).unwrap_or(index.generation);
    let fresh = Fresh::Since { since, now: index.generation };
    let key = published_key(&id);
    let _turn = match state.public_cache.lookup(&req, &key, fresh).await {
        Lookup::Kept(kept) => return Ok(kept),
        Lookup::Build(turn) => turn,
    };
    let view = public_index::published(&state.db, &index, &id, &state.settings.workflow).await?;
    Ok(state.public_cache.put(&req, key, serde_json::to_vec(&view)?.into(), fresh))
}

/// Keeps `p`'s answer as its first reader would (the key is the path
/// [`get_published`] answers), if the kept answers have room: for the
/// warm-up at start. Whether it was kept.
pub fn keep_published(state: &AppState, p: &PublicProposal, fresh: Fresh) -> AppResult<bool> {
    Ok(state.public_cache.keep_if_room(published_key(&p.id), serde_json::to_vec(p)?.into(), "application/json", fresh))
}

/// The key of one published proposal's answer: its path.
fn published_key(id: &str) -> String {
    format!("/api/public/proposals/{id}")
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
    let index = state.public_index.current(&state.db).await?;
    let fresh = Fresh::In(index.generation);
    let key = req.uri().path().to_string();
    if let Some(kept) = state.public_cache.get(req, &key, fresh) {
        return Ok(kept);
    }
    let found = match which {
        Choices::Sessions => &index.sessions,
        Choices::Sectors => &index.sectors,
        Choices::Units => &index.units,
    };
    Ok(state.public_cache.put(req, key, serde_json::to_vec(found)?.into(), fresh))
}
