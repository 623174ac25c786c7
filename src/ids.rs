//! Object ids: random UUIDs, stored as text on both backends.

/// A new id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Whether `text` can be an id at all. Anything else names nothing, so it can
/// be answered without asking the database (where, e.g., a NUL byte is an error).
pub fn is_id(text: &str) -> bool {
    uuid::Uuid::try_parse(text).is_ok()
}
