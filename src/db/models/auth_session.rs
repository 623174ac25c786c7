use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::auth_sessions;

/// One login; its refresh token rotates on every renewal.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = auth_sessions)]
pub struct AuthSessionRow {
    pub id: String,
    pub user_id: String,
    pub refresh_jti: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub client_addr: Option<String>,
}
