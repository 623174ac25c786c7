//! Failed-login limits, per account name and per client address, kept in the
//! database so that every instance behind the load balancer sees the same counts.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::backend_specific::count_login_failure;
use crate::db::schema::login_throttle;
use crate::error::AppResult;

#[derive(Debug, Clone)]
/// A counter and the number of failures it allows within the window.
pub struct Limit {
    pub key: String,
    pub max_failures: i32,
}

pub fn account_key(username: &str) -> String {
    format!("account:{}", username.trim().to_lowercase())
}

pub fn address_key(addr: &str) -> String {
    format!("address:{addr}")
}

/// Seconds until the first exhausted limit lets logins through again, if any is exhausted.
pub fn blocked_for(
    conn: &mut DbConn,
    limits: &[Limit],
    now: NaiveDateTime,
    window: Duration,
) -> AppResult<Option<u64>> {
    let keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
    let rows: Vec<(String, NaiveDateTime, i32)> = login_throttle::table
        .filter(login_throttle::throttle_key.eq_any(keys))
        .select((login_throttle::throttle_key, login_throttle::window_started_at, login_throttle::failures))
        .load(conn)?;
    let mut wait: Option<u64> = None;
    for (key, started, failures) in rows {
        let Some(limit) = limits.iter().find(|l| l.key == key) else {
            continue;
        };
        let ends = started + window;
        if failures >= limit.max_failures && ends > now {
            let seconds = (ends - now).num_seconds().max(1) as u64;
            wait = Some(wait.map_or(seconds, |w| w.max(seconds)));
        }
    }
    Ok(wait)
}

pub fn record_failure(conn: &mut DbConn, limits: &[Limit], now: NaiveDateTime, window: Duration) -> AppResult<()> {
    for limit in limits {
        count_login_failure(conn, &limit.key, now, now - window)?;
    }
    Ok(())
}

pub fn clear(conn: &mut DbConn, key: &str) -> AppResult<()> {
    diesel::delete(login_throttle::table.filter(login_throttle::throttle_key.eq(key))).execute(conn)?;
    Ok(())
}
