//! Failed-login limits, per account name and per client address, kept in the
//! database so that every instance behind the load balancer sees the same counts.
//!
//! Each attempt is counted *before* its password is checked, in the same
//! statement that reads the count (an upsert), so that many attempts sent at
//! once cannot all slip under the limit while their hashes are computed. A
//! successful attempt then takes its count back.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::backend_specific::count_login_failure;
use crate::db::schema::login_throttle;
use crate::error::AppResult;

/// A counter and the number of failures it allows within the window.
#[derive(Debug, Clone)]
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

/// Counts one attempt against every limit. Returns the seconds to wait when
/// this attempt is over any of them.
pub fn count_attempt(
    conn: &mut DbConn,
    limits: &[Limit],
    now: NaiveDateTime,
    window: Duration,
) -> AppResult<Option<u64>> {
    for limit in limits {
        count_login_failure(conn, &limit.key, now, now - window)?;
    }
    let keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
    let rows: Vec<(String, NaiveDateTime, i32)> = login_throttle::table
        .filter(login_throttle::throttle_key.eq_any(keys))
        .select((login_throttle::throttle_key, login_throttle::window_started_at, login_throttle::failures))
        .load(conn)?;
    let mut wait: Option<u64> = None;
    for (key, started, attempts) in rows {
        let Some(limit) = limits.iter().find(|l| l.key == key) else { continue };
        if attempts > limit.max_failures {
            let seconds = ((started + window) - now).num_seconds().max(1) as u64;
            wait = Some(wait.map_or(seconds, |w| w.max(seconds)));
        }
    }
    Ok(wait)
}

/// A successful sign-in: the account starts afresh, and the address gets its
/// attempt back (offices share one address behind NAT; their successes must
/// not add up to a lock-out).
pub fn succeeded(conn: &mut DbConn, account: &str, address: Option<&str>) -> AppResult<()> {
    diesel::delete(login_throttle::table.filter(login_throttle::throttle_key.eq(account))).execute(conn)?;
    if let Some(address) = address {
        diesel::update(
            login_throttle::table
                .filter(login_throttle::throttle_key.eq(address))
                .filter(login_throttle::failures.gt(0)),
        )
        .set(login_throttle::failures.eq(login_throttle::failures - 1))
        .execute(conn)?;
    }
    Ok(())
}

/// Removes counters whose window has passed (called now and then, e.g. at sign-in).
pub fn forget_old(conn: &mut DbConn, now: NaiveDateTime, window: Duration) -> AppResult<()> {
    diesel::delete(login_throttle::table.filter(login_throttle::window_started_at.lt(now - window))).execute(conn)?;
    Ok(())
}
