//! 常用查询: a person's saved searches of the proposals list, each a name and
//! the list's query string (what the search form sends), kept per account.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::acting::Ctx;
use crate::audit::{self, Change};
use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::schema::saved_searches;
use crate::error::{AppError, AppResult};
use crate::validate::Check;

/// The most searches one person keeps.
pub const MAX_SAVED: i64 = 30;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = saved_searches)]
pub struct SavedSearch {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub query: String,
    pub created_at: NaiveDateTime,
}

/// `user`'s saved searches, by name.
pub fn list(conn: &mut DbConn, user: &AuthUser) -> AppResult<Vec<SavedSearch>> {
    Ok(saved_searches::table
        .filter(saved_searches::user_id.eq(&user.id))
        .order((saved_searches::name.asc(), saved_searches::id.asc()))
        .select(SavedSearch::as_select())
        .load(conn)?)
}

/// Saves the list's query string `query` under `name` (audited).
pub fn save(conn: &mut DbConn, ctx: &Ctx, name: &str, query: &str) -> AppResult<SavedSearch> {
    let mut check = Check::new();
    check.text("name", name, 1, 32);
    check.text("query", query, 1, 500);
    check.finish()?;
    let kept: i64 = saved_searches::table.filter(saved_searches::user_id.eq(&ctx.user.id)).count().get_result(conn)?;
    if kept >= MAX_SAVED {
        return Err(AppError::invalid_field("name", "too_many", format!("最多保存 {MAX_SAVED} 个常用查询")));
    }
    let row = SavedSearch {
        id: crate::ids::new_id(),
        user_id: ctx.user.id.clone(),
        name: name.trim().to_string(),
        query: query.trim().trim_end_matches('&').to_string(),
        created_at: ctx.now,
    };
    diesel::insert_into(saved_searches::table)
        .values((
            saved_searches::id.eq(&row.id),
            saved_searches::user_id.eq(&row.user_id),
            saved_searches::name.eq(&row.name),
            saved_searches::query.eq(&row.query),
            saved_searches::created_at.eq(row.created_at),
        ))
        .execute(conn)?;
    let change = Change::new("saved_search.create", "saved_search", row.id.clone())
        .after(serde_json::json!({ "name": row.name, "query": row.query }));
    audit::record(conn, &ctx.user.actor(), ctx.origin, change, ctx.now)?;
    Ok(row)
}

/// Removes one of `user`'s saved searches; another's answers as if it did not exist.
pub fn remove(conn: &mut DbConn, ctx: &Ctx, id: &str) -> AppResult<()> {
    let removed = diesel::delete(
        saved_searches::table.filter(saved_searches::id.eq(id)).filter(saved_searches::user_id.eq(&ctx.user.id)),
    )
    .execute(conn)?;
    if removed == 0 {
        return Err(AppError::not_found());
    }
    audit::record(
        conn,
        &ctx.user.actor(),
        ctx.origin,
        Change::new("saved_search.remove", "saved_search", id.to_string()),
        ctx.now,
    )?;
    Ok(())
}
