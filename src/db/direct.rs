//! Reads run on the backend's own connection. Through [`AnyConnection`],
//! diesel wraps every query in one whose safety check ("may this statement
//! be kept prepared?") renders the query's whole text, identifiers quoted
//! one by one, before each run: a tenth of the SQLite writer's time under the
//! submit load went there. Handed to the backend's connection as it is, a
//! query built with the DSL is looked up in the statement cache by its type
//! and rendered only the first time. For the reads that every action and
//! every proposal's view repeat; any other query may keep going through
//! [`AnyConnection`], which gives the same rows. A macro rather than a
//! function: a query that selects a struct names its backend in its type
//! (`as_select()`), so it is written once and typed once for each.

/// Runs `$body` with `$c` bound to the backend's own connection of `$conn`:
/// `on_backend!(conn, |c| proposals::table.find(id).first(c))`.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}

pub use on_backend;
