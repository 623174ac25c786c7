//! Ending logins (auth_sessions rows): one, or every login of an account.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::auth_sessions;
use crate::error::AppResult;

pub fn revoke(conn: &mut DbConn, session_id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(auth_sessions::table.find(session_id).filter(auth_sessions::revoked_at.is_null()))
        .set(auth_sessions::revoked_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_all(conn: &mut DbConn, user_id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(
        auth_sessions::table.filter(auth_sessions::user_id.eq(user_id)).filter(auth_sessions::revoked_at.is_null()),
    )
    .set(auth_sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Drops the account's logins that ended more than a day ago (housekeeping at sign-in).
pub fn forget_ended(conn: &mut DbConn, user_id: &str, now: NaiveDateTime) -> AppResult<()> {
    let cutoff = now - Duration::days(1);
    diesel::delete(
        auth_sessions::table
            .filter(auth_sessions::user_id.eq(user_id))
            .filter(auth_sessions::expires_at.lt(cutoff).or(auth_sessions::revoked_at.lt(cutoff))),
    )
    .execute(conn)?;
    Ok(())
}
