//! 通知: each person reads what they were told about proposals, newest first,
//! and marks notices read. Nobody reads another person's notices.

use actix_web::{get, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::{PageQuery, path_id};
use crate::audit::{self, Change, Origin};
use crate::auth::AuthUser;
use crate::db::models::notice::NoticeRow;
use crate::db::schema::notices;
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_notices).service(mark_read);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    /// Only the notices not read yet.
    pub unread: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// One page of my notices, with how many are unread in all.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticePage {
    pub items: Vec<NoticeRow>,
    pub total: i64,
    pub unread: i64,
    pub page: i64,
    pub per_page: i64,
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
    let (page, per_page) = PageQuery { page: query.page, per_page: query.per_page }.resolve()?;
    let only_unread = query.unread.unwrap_or(false);
    let result = state
        .db
        .read(move |conn| {
            let mine = || {
                let q = notices::table.filter(notices::user_id.eq(user.id.clone())).into_boxed();
                if only_unread { q.filter(notices::read_at.is_null()) } else { q }
            };
            let total: i64 = mine().count().get_result(conn)?;
            let unread: i64 = notices::table
                .filter(notices::user_id.eq(&user.id))
                .filter(notices::read_at.is_null())
                .count()
                .get_result(conn)?;
            let items = mine()
                .order((notices::created_at.desc(), notices::id.asc()))
                .limit(per_page)
                .offset((page - 1) * per_page)
                .select(NoticeRow::as_select())
                .load(conn)?;
            Ok(NoticePage { items, total, unread, page, per_page })
        })
        .await?;
    Ok(web::Json(result))
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
    let id = path_id(id)?;
    let now = state.clock.now();
    let row = state
        .db
        .write(move |conn| {
            let mut row: NoticeRow = notices::table
                .find(&id)
                .filter(notices::user_id.eq(&user.id))
                .select(NoticeRow::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(AppError::not_found)?;
            if row.read_at.is_none() {
                diesel::update(notices::table.find(&row.id)).set(notices::read_at.eq(now)).execute(conn)?;
                row.read_at = Some(now);
                let change = Change::new("notice.read", "notice", row.id.clone()).after(json!({ "read_at": now }));
                audit::record(conn, &user.actor(), &origin, change, now)?;
            }
            Ok(row)
        })
        .await?;
    Ok(web::Json(row))
}
