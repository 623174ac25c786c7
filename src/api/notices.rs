//! 通知: each person's notices (read by `crate::notify::inbox`).

use std::collections::BTreeMap;

use actix_web::{get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::act;
use crate::api::path_of;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::db::models::notice::NoticeRow;
use crate::domain::notices::MailMode;
use crate::error::{AppResult, Problem};
use crate::ids::NoticeId;
use crate::notify::inbox::{self, NoticePage, NoticeQuery};
use crate::notify::preferences::{self, Preference};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_notices).service(my_preferences).service(set_preferences).service(mark_read);
}

/// How each kind of notice reaches me by email: `every`, `daily`, `weekly` or `none`.
#[utoipa::path(tag = "notices", responses((status = 200, body = Vec<Preference>), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/notices/preferences")]
async fn my_preferences(state: web::Data<AppState>, user: AuthUser) -> AppResult<web::Json<Vec<Preference>>> {
    let settings = state.settings.clone();
    state.db.read(move |conn| preferences::list(conn, &user, &settings.mail)).await.map(web::Json)
}

/// Choose how kinds of notice reach me, e.g. `{"reminder_soon": "daily", "unit_assigned": "every"}`.
#[utoipa::path(tag = "notices", request_body = BTreeMap<String, MailMode>, responses((status = 200, body = Vec<Preference>), (status = 422, body = Problem)), security(("bearer" = [])))]
#[put("/notices/preferences")]
async fn set_preferences(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    body: web::Json<BTreeMap<String, MailMode>>,
) -> AppResult<web::Json<Vec<Preference>>> {
    let body = body.into_inner();
    act(&state, user, origin, move |conn, ctx| preferences::set(conn, ctx, body)).await.map(web::Json)
}

/// My notices, newest first.
#[utoipa::path(tag = "notices", params(NoticeQuery), responses((status = 200, body = NoticePage), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/notices")]
async fn list_notices(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<NoticeQuery>,
) -> AppResult<web::Json<NoticePage>> {
    let query = query.into_inner();
    state.db.read(move |conn| inbox::list(conn, &user, &query)).await.map(web::Json)
}

/// Mark one of my notices read (reading it again changes nothing).
#[utoipa::path(tag = "notices", responses((status = 200, body = NoticeRow), (status = 404, body = Problem)), security(("bearer" = [])))]
#[post("/notices/{id}/read")]
async fn mark_read(
    state: web::Data<AppState>,
    user: AuthUser,
    origin: Origin,
    id: web::Path<String>,
) -> AppResult<web::Json<NoticeRow>> {
    let (id, now) = (path_of::<NoticeId>(id)?, state.clock.now());
    state.db.write(move |conn| inbox::mark_read(conn, &user, &origin, &id, now)).await.map(web::Json)
}
