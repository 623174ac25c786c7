//! Which session a proposal belongs to, and its number there.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::term::SessionRow;
use crate::db::schema::committee_sessions;
use crate::domain::workflow::guards::is_plenary;
use crate::error::AppResult;

/// The session a proposal handed in on `day` belongs to: the one whose
/// plenary window holds the day (大会提案), otherwise the latest session
/// opened by then (平时提案), otherwise the next one to open.
pub fn session_for(conn: &mut DbConn, day: NaiveDate) -> AppResult<Option<(SessionRow, bool)>> {
    let sessions: Vec<SessionRow> = crate::db::direct::on_backend!(conn, |c| {
        committee_sessions::table.order(committee_sessions::opens_on.asc()).select(SessionRow::as_select()).load(c)
    })?;
    if let Some(s) = sessions.iter().find(|s| is_plenary(day, s.plenary_window_start, s.plenary_window_end)) {
        return Ok(Some((s.clone(), true)));
    }
    if let Some(s) = sessions.iter().rev().find(|s| s.opens_on <= day) {
        return Ok(Some((s.clone(), false)));
    }
    Ok(sessions.first().map(|s| (s.clone(), false)))
}

/// "一届一次会议第 12 号提案"
pub fn label(session_name: &str, number: i32, noun: &str) -> String {
    format!("{session_name}第{number}号{noun}")
}
