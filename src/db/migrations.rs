//! Embedded migrations, one folder per backend with the same versions in both.

use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::AnyConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// An arbitrary constant: instances starting together on PostgreSQL take this
/// advisory lock so that only one of them migrates at a time.
const MIGRATION_LOCK_KEY: i64 = 0x7064_6d69_6772;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, BoxError> {
    match conn {
        AnyConnection::Sqlite(c) => applied(c.run_pending_migrations(SQLITE)?),
        AnyConnection::Postgresql(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(c)?;
            let result = c.run_pending_migrations(POSTGRES).map(|v| v.iter().map(|m| m.to_string()).collect());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(c)?;
            result
        }
    }
}

/// Reverts every applied migration (used by the up-and-down test).
pub fn revert_all(conn: &mut AnyConnection) -> Result<Vec<String>, BoxError> {
    match conn {
        AnyConnection::Sqlite(c) => applied(c.revert_all_migrations(SQLITE)?),
        AnyConnection::Postgresql(c) => applied(c.revert_all_migrations(POSTGRES)?),
    }
}

/// True when no migration is waiting: the service is ready to answer.
pub fn is_up_to_date(conn: &mut AnyConnection) -> Result<bool, BoxError> {
    Ok(match conn {
        AnyConnection::Sqlite(c) => !c.has_pending_migration(SQLITE)?,
        AnyConnection::Postgresql(c) => !c.has_pending_migration(POSTGRES)?,
    })
}

fn applied(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Result<Vec<String>, BoxError> {
    Ok(versions.iter().map(|v| v.to_string()).collect())
}
