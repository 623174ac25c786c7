//! Failed-login limits that slow an attacker down without shutting the owner
//! out, kept in the database so that every instance sees the same counts.
//!
//! Three counters may apply to an attempt: the account and the client address
//! together (the *pair*), the account across all addresses, and the address
//! across all accounts. Each allows a number of failures at once; after that,
//! each further attempt must wait after the counter's last failure, twice as
//! long as the time before, up to a cap ([`Backoff`]). An attempt that comes
//! too early is refused (429 with Retry-After) and is not counted, so
//! hammering does not lengthen the wait, and the owner's next try after the
//! wait is as good as the attacker's.
//!
//! From an address where the account signed in successfully recently (see
//! `auth::sign_in`), only the pair counter applies: an attack on the account
//! from elsewhere, or on other accounts from a shared office address, does not
//! slow the owner down.
//!
//! Each attempt is counted *before* its password is checked, in the login's
//! write transaction, holding the counters' rows until it commits: many
//! attempts sent at once are counted one after the other and cannot all slip
//! through while their hashes are computed. A successful attempt takes its
//! count back.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::config::AuthSettings;
use crate::db::DbConn;
use crate::db::backend_specific::hold_login_counter;
use crate::db::schema::login_throttle;
use crate::error::AppResult;

/// How a counter slows attempts down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures answered at once.
    pub free_failures: i32,
    /// The wait after the first failure beyond those.
    pub first_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

impl Backoff {
    /// How long after the last failure the next attempt must wait, once
    /// `failures` have been counted: nothing while they are free, then the
    /// first delay, doubling with each failure, up to the cap.
    pub fn wait_after(&self, failures: i32) -> Duration {
        let beyond = failures - self.free_failures;
        if beyond < 0 {
            return Duration::zero();
        }
        // 2^30 seconds is decades: any cap is reached long before.
        let factor = 1i32 << beyond.min(30);
        self.first_delay.checked_mul(factor).map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    /// How much of the wait is left at `now`. Nothing while failures are free,
    /// even when `now` reads earlier than the last failure: an attempt reads the
    /// clock before it waits for the write lock, so a concurrent attempt may
    /// have counted a failure a moment "later".
    pub fn wait_left(&self, failures: i32, last_failed_at: NaiveDateTime, now: NaiveDateTime) -> Duration {
        let wait = self.wait_after(failures);
        if wait <= Duration::zero() {
            return Duration::zero();
        }
        last_failed_at + wait - now
    }
}

/// The three counters' rules, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub pair: Backoff,
    pub account: Backoff,
    pub address: Backoff,
    /// Failures are forgotten this long after a counter's last one.
    pub window: Duration,
}

impl Policy {
    pub fn from_settings(auth: &AuthSettings) -> Policy {
        let backoff = |free_failures| Backoff {
            free_failures,
            first_delay: Duration::seconds(auth.login_delay_first_seconds),
            max_delay: Duration::seconds(auth.login_delay_max_seconds),
        };
        Policy {
            pair: backoff(auth.failed_logins_before_delay_per_pair),
            account: backoff(auth.failed_logins_before_delay_per_account),
            address: backoff(auth.failed_logins_before_delay_per_address),
            window: Duration::minutes(auth.failed_login_window_minutes),
        }
    }

    /// The counters an attempt on `account` from `address` passes through.
    /// From an address the account recently signed in from, only the pair.
    pub fn gates(&self, account: &str, address: &str, known_address: bool) -> Vec<Gate> {
        let account = account.trim().to_lowercase();
        let mut gates = vec![Gate { key: pair_key(&account, address), backoff: self.pair }];
        if !known_address {
            gates.push(Gate { key: account_key(&account), backoff: self.account });
            gates.push(Gate { key: address_key(address), backoff: self.address });
        }
        gates
    }
}

/// A counter and how it slows attempts down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub key: String,
    pub backoff: Backoff,
}

/// The address comes first: it never holds `|`, so no account name can make
/// two pairs share a key.
fn pair_key(account: &str, address: &str) -> String {
    format!("pair:{address}|{account}")
}

fn account_key(account: &str) -> String {
    format!("account:{account}")
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

/// Whether an attempt may go on to its password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted as a failure until it succeeds.
    Admitted,
    /// Too early: try again in this many seconds. Not counted.
    TooEarly(u64),
}

/// Counts one attempt against every gate, unless it is too early for any of
/// them. Runs in the attempt's write transaction, before the password check.
pub fn admit(conn: &mut DbConn, gates: &[Gate], now: NaiveDateTime, window: Duration) -> AppResult<Admission> {
    // Rows are held in key order, so two attempts never wait for each other's rows crosswise.
    let mut keys: Vec<&str> = gates.iter().map(|g| g.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in &keys {
        hold_login_counter(conn, key, now, now - window)?;
    }
    let rows: Vec<(String, i32, NaiveDateTime)> = login_throttle::table
        .filter(login_throttle::throttle_key.eq_any(&keys))
        .select((login_throttle::throttle_key, login_throttle::failures, login_throttle::last_failed_at))
        .load(conn)?;
    let mut wait = Duration::zero();
    for (key, failures, last_failed_at) in &rows {
        let Some(gate) = gates.iter().find(|g| &g.key == key) else { continue };
        wait = wait.max(gate.backoff.wait_left(*failures, *last_failed_at, now));
    }
    if wait > Duration::zero() {
        // Whole seconds, rounded up, so a client that waits as told is on time.
        let seconds = (wait.num_milliseconds() + 999) / 1000;
        return Ok(Admission::TooEarly(u64::try_from(seconds.max(1)).unwrap_or(1)));
    }
    diesel::update(login_throttle::table.filter(login_throttle::throttle_key.eq_any(&keys)))
        .set((login_throttle::failures.eq(login_throttle::failures + 1), login_throttle::last_failed_at.eq(now)))
        .execute(conn)?;
    Ok(Admission::Admitted)
}

/// A successful attempt: the pair starts afresh, and the wider counters get
/// back the count this attempt added (they keep everybody else's failures,
/// so the owner signing in gives an attacker elsewhere nothing).
pub fn succeeded(conn: &mut DbConn, gates: &[Gate]) -> AppResult<()> {
    let mut keys: Vec<&str> = gates.iter().map(|g| g.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        if key.starts_with("pair:") {
            diesel::delete(login_throttle::table.filter(login_throttle::throttle_key.eq(key))).execute(conn)?;
        } else {
            diesel::update(
                login_throttle::table
                    .filter(login_throttle::throttle_key.eq(key))
                    .filter(login_throttle::failures.gt(0)),
            )
            .set(login_throttle::failures.eq(login_throttle::failures - 1))
            .execute(conn)?;
        }
    }
    Ok(())
}

/// Removes counters whose last failure is older than the window (called now
/// and then, e.g. at sign-in).
pub fn forget_old(conn: &mut DbConn, now: NaiveDateTime, window: Duration) -> AppResult<()> {
    diesel::delete(login_throttle::table.filter(login_throttle::last_failed_at.lt(now - window))).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn defaults() -> Policy {
        Policy::from_settings(&Settings::load_from(None, Vec::<(String, String)>::new()).unwrap().auth)
    }

    #[test]
    fn the_wait_doubles_from_the_first_delay_up_to_the_cap() {
        let b = Backoff { free_failures: 3, first_delay: Duration::seconds(2), max_delay: Duration::seconds(60) };
        let waits: Vec<i64> = (0..10).map(|n| b.wait_after(n).num_seconds()).collect();
        assert_eq!(waits, vec![0, 0, 0, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(b.wait_after(i32::MAX).num_seconds(), 60);
    }

    #[test]
    fn an_attempt_whose_clock_reads_earlier_than_a_concurrent_failure_is_not_kept_waiting() {
        let b = Backoff { free_failures: 3, first_delay: Duration::seconds(2), max_delay: Duration::seconds(60) };
        let now = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let a_moment_later = now + Duration::milliseconds(40);
        assert_eq!(b.wait_left(2, a_moment_later, now), Duration::zero(), "failures still free");
        assert_eq!(
            b.wait_left(3, a_moment_later, now),
            Duration::milliseconds(2040),
            "once they count, the wait runs from the failure"
        );
        assert_eq!(b.wait_left(3, now - Duration::seconds(5), now), Duration::seconds(-3), "a wait over is no wait");
    }

    /// The most attempts a counter lets through in `hours`, for an attacker
    /// who tries again the moment each wait ends.
    fn attempts_within(b: Backoff, window: Duration, hours: i64) -> Vec<usize> {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let (mut failures, mut last, mut at) = (0, start, start);
        let mut per_hour = vec![0; hours as usize];
        while at < start + Duration::hours(hours) {
            if at - last > window {
                failures = 0;
            }
            let allowed = if failures == 0 { at } else { last + b.wait_after(failures) };
            at = at.max(allowed);
            if at >= start + Duration::hours(hours) {
                break;
            }
            per_hour[((at - start).num_seconds() / 3600) as usize] += 1;
            failures += 1;
            last = at;
        }
        per_hour
    }

    /// The figures docs/operations.md gives under "What an attacker can and cannot do".
    #[test]
    fn an_attacker_is_bounded_per_account_and_the_owner_waits_at_most_the_cap() {
        let policy = defaults();
        let per_hour = attempts_within(policy.account, policy.window, 24);
        assert_eq!(per_hour[0], 29, "guesses per account in the first hour, from any number of addresses");
        assert!(per_hour[1..].iter().all(|&n| n == 12), "then 12 an hour: {per_hour:?}");
        assert_eq!(per_hour.iter().sum::<usize>(), 305, "a day");
        let from_one_address = attempts_within(policy.pair, policy.window, 24);
        assert_eq!(from_one_address[0], 24, "from one address, the pair counter binds first");
        assert!(from_one_address[1..].iter().all(|&n| n == 12));
        let spraying = attempts_within(policy.address, policy.window, 2);
        assert_eq!(spraying, vec![69, 12], "one address trying many accounts");
        assert_eq!(policy.account.max_delay, Duration::minutes(5), "the longest an owner waits between tries");
    }

    #[test]
    fn from_a_known_address_only_the_pair_counts() {
        let policy = defaults();
        let known: Vec<String> = policy.gates("Wang", "192.0.2.7", true).into_iter().map(|g| g.key).collect();
        assert_eq!(known, vec!["pair:192.0.2.7|wang"]);
        let unknown: Vec<String> = policy.gates("wang", "192.0.2.7", false).into_iter().map(|g| g.key).collect();
        assert_eq!(unknown, vec!["pair:192.0.2.7|wang", "account:wang", "address:192.0.2.7"]);
    }
}
