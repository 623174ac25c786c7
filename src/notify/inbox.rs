//! 通知: each person reads what they were told about proposals, newest first,
//! and marks notices read. Nobody reads another person's notices.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, Change, Origin};
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::models::notice::NoticeRow;
use crate::db::schema::notices;
use crate::error::{AppError, AppResult};
use crate::ids::NoticeId;
use crate::listing::PageQuery;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    /// Only the notices not read yet.
    pub unread: Option<bool>,
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
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

/// `user`'s notices, newest first.
pub fn list(conn: &mut DbConn, user: &AuthUser, query: &NoticeQuery) -> AppResult<NoticePage> {
    let (page, per_page) = PageQuery { page: query.page, per_page: query.per_page }.resolve()?;
    let only_unread = query.unread.unwrap_or(false);
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
}

/// Marks one of `user`'s notices read (reading it again changes nothing);
/// another person's answers as if it did not exist.
pub fn mark_read(
    conn: &mut DbConn,
    user: &AuthUser,
    origin: &Origin,
    id: &NoticeId,
    now: NaiveDateTime,
) -> AppResult<NoticeRow> {
    let mut row: NoticeRow = notices::table
        .find(id.as_str())
        .filter(notices::user_id.eq(&user.id))
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)?;
    if row.read_at.is_none() {
        diesel::update(notices::table.find(&row.id)).set(notices::read_at.eq(now)).execute(conn)?;
        row.read_at = Some(now);
        let change = Change::new("notice.read", "notice", row.id.clone()).after(json!({ "read_at": now }));
        audit::record(conn, &user.actor(), origin, change, now)?;
    }
    Ok(row)
}
