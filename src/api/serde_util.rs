//! Deserialisation helpers for request bodies.

use serde::{Deserialize, Deserializer};

/// For PATCH bodies: an absent field is `None` (leave unchanged), `null` is
/// `Some(None)` (clear it), a value is `Some(Some(v))`. Use with `#[serde(default)]`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
