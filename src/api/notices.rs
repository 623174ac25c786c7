//! 通知: each person's notices (read by `crate::notify::inbox`).

use actix_web::{get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::path_of;
use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::db::models::notice::NoticeRow;
use crate::error::{AppResult, Problem};
use crate::ids::NoticeId;
use crate::notify::inbox::{self, NoticePage, NoticeQuery};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_notices).service(mark_read);
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
