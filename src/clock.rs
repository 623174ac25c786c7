//! Time is passed in, so tests can travel and production reads the system clock.
//! All stored times are UTC, truncated to microseconds (what PostgreSQL keeps),
//! so a value reads back exactly as written on both backends.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> NaiveDateTime;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc().trunc_subsecs(6)
    }
}

/// A clock that stands still until told to move (tests).
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<NaiveDateTime>>);

impl ManualClock {
    pub fn new(start: NaiveDateTime) -> Self {
        ManualClock(Arc::new(Mutex::new(start.trunc_subsecs(6))))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> NaiveDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// Seconds since the epoch, for token claims.
pub fn unix_seconds(t: NaiveDateTime) -> i64 {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).timestamp()
}

/// A stored time in RFC 3339 with microseconds, as the API and the audit chain write it.
pub fn rfc3339(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
