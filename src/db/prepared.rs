//! Statements kept prepared on their connection. diesel prepares every UPDATE,
//! every hand-written statement and, on PostgreSQL, every INSERT with a
//! default anew each time it runs, because their text could change from one
//! run to the next; on PostgreSQL that is a parse and a plan on the server
//! for each, a third of a submit's statements. Run through [`execute_kept`],
//! a statement is kept under its text: a text seen before reuses its
//! prepared statement, a new one is prepared and kept beside it. Only for
//! statements whose texts are few (no `IN` list whose length a user
//! decides): each kept text stays for the connection's life.

use diesel::backend::Backend;
use diesel::internal::derives::multiconnection::AstPassHelper;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryBuilder as _, QueryFragment, QueryId};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};

use super::AnyConnection;

/// Runs `statement` kept prepared under its text (see the module's comment).
pub fn execute_kept<T>(conn: &mut AnyConnection, statement: T) -> QueryResult<usize>
where
    T: QueryFragment<Pg> + QueryFragment<Sqlite>,
{
    super::direct::on_backend!(conn, |c| KeepPrepared(statement).execute(c))
}

/// `T` as diesel sees it when deciding whether to keep it: its text, rendered
/// on its own, and nothing else, so that the mark `T` leaves on that decision
/// ("not safe to keep") is never made. Every other pass (its binds, their
/// debug form) goes to `T` itself.
struct KeepPrepared<T>(T);

impl<DB, T> QueryFragment<DB> for KeepPrepared<T>
where
    DB: Backend,
    DB::QueryBuilder: Default,
    T: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if pass.bind_collector().is_some() || pass.debug_binds().is_some() {
            return self.0.walk_ast(pass);
        }
        // The text, the cache's key and the safety check: the whole statement
        // rendered by itself (so PostgreSQL's placeholders start at $1, as
        // they would unwrapped).
        let mut text = DB::QueryBuilder::default();
        self.0.to_sql(&mut text, pass.backend())?;
        pass.push_sql(&text.finish());
        Ok(())
    }
}

/// No static id: diesel then keys the kept statement by its text and bind types.
impl<T> QueryId for KeepPrepared<T> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T, Conn> RunQueryDsl<Conn> for KeepPrepared<T> {}
