//! Administration and reference data as operations outside the edges:
//! accounts (`users`), handling units (`units`), sectors (`sectors`), and
//! committee terms with their sessions (`terms`). The JSON API calls them;
//! anything else that administers is to call the same functions.
//!
//! Every operation has the workflow's shape: it takes the connection (inside
//! the caller's one write transaction, see [`crate::acting::act`]), who acts
//! ([`Ctx`]) and a typed input; it checks the permission and the form,
//! changes the records, writes the action's one audit event and returns the
//! result. The reads the API serves (the lists, one account) are here too,
//! each checking who reads. Account records and their audit events are
//! `crate::accounts`'s, which the command line and the demo share.
//!
//! Where an operation checks the permission and the form before it needs the
//! object's id, that part is also its own function (`check_update`, …), so
//! that the API can run it before it reads the id from the path, and a wrong
//! request answers the same whatever the path holds.

pub mod sectors;
pub mod terms;
pub mod units;
pub mod users;

use serde::{Deserialize, Deserializer};

pub use crate::acting::Ctx;
use crate::error::{AppError, AppResult};

/// For PATCH bodies: an absent field is `None` (leave unchanged), `null` is
/// `Some(None)` (clear it), a value is `Some(Some(v))`. Use with `#[serde(default)]`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Refuses a change made to another version than the current one, so that a
/// stale edit does not overwrite someone else's (409 with `current_version`).
fn check_version(sent: i32, current: i32) -> AppResult<()> {
    if sent == current { Ok(()) } else { Err(AppError::stale(current)) }
}
