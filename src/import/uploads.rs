//! The files the office uploads on the import page, kept in the database
//! between the dry run it is shown and its confirmation (any instance behind
//! the load balancer may take either), and marked when imported.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::file::Encoding;
use crate::db::DbConn;
use crate::db::schema::{import_files, users};
use crate::error::{AppError, AppResult};

/// An uploaded file as kept.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub file_name: String,
    pub encoding: Option<Encoding>,
    pub content: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
    /// When and how many proposals it added, once imported.
    pub imported: Option<(NaiveDateTime, i32)>,
}

/// Keeps an uploaded file; returns its id.
pub fn keep(
    conn: &mut DbConn,
    user_id: &str,
    file_name: &str,
    encoding: Option<Encoding>,
    content: &[u8],
    now: NaiveDateTime,
) -> AppResult<String> {
    let id = crate::ids::new_id();
    diesel::insert_into(import_files::table)
        .values((
            import_files::id.eq(&id),
            import_files::file_name.eq(file_name),
            import_files::encoding.eq(encoding.map(Encoding::as_str)),
            import_files::content.eq(content),
            import_files::sha256.eq(hex::encode(Sha256::digest(content))),
            import_files::uploaded_by_id.eq(user_id),
            import_files::uploaded_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

type Kept = (String, String, Option<String>, Vec<u8>, NaiveDateTime, Option<NaiveDateTime>, Option<i32>, String);

/// The uploaded file `id`.
pub fn find(conn: &mut DbConn, id: &str) -> AppResult<Upload> {
    if !crate::ids::is_id(id) {
        return Err(AppError::not_found());
    }
    let row: Option<Kept> = import_files::table
        .inner_join(users::table.on(users::id.eq(import_files::uploaded_by_id)))
        .filter(import_files::id.eq(id))
        .select((
            import_files::id,
            import_files::file_name,
            import_files::encoding,
            import_files::content,
            import_files::uploaded_at,
            import_files::imported_at,
            import_files::imported_rows,
            users::display_name,
        ))
        .first(conn)
        .optional()?;
    let (id, file_name, encoding, content, uploaded_at, imported_at, rows, uploaded_by) =
        row.ok_or_else(AppError::not_found)?;
    Ok(Upload {
        id,
        file_name,
        encoding: encoding.as_deref().and_then(Encoding::parse),
        content,
        uploaded_by,
        uploaded_at,
        imported: imported_at.zip(rows),
    })
}

/// Marks `id` imported, unless it already was (a second confirmation, on
/// this instance or another, waits for the first's transaction): false then.
pub fn mark_imported(conn: &mut DbConn, id: &str, added: usize, now: NaiveDateTime) -> AppResult<bool> {
    let n = diesel::update(import_files::table.find(id).filter(import_files::imported_at.is_null()))
        .set((import_files::imported_at.eq(now), import_files::imported_rows.eq(rows(added))))
        .execute(conn)?;
    Ok(n == 1)
}

/// How many proposals the import of `id` added.
pub fn mark_imported_rows(conn: &mut DbConn, id: &str, added: usize) -> AppResult<()> {
    diesel::update(import_files::table.find(id)).set(import_files::imported_rows.eq(rows(added))).execute(conn)?;
    Ok(())
}

fn rows(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
