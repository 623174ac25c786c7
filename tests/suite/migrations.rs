//! Migrations run up and down on both backends, and both backends end with
//! the same tables and columns.

use crate::common;

use std::collections::BTreeSet;

use common::{Backend, TestDatabase, test_settings};
use diesel::prelude::*;
use diesel::sql_types::Text;
use proposal_desk::db::{AnyConnection, DatabaseUrl, migrations};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// Every (table, column) of the application's schema, as the database reports it.
/// SQLite's FTS5 search index (`search_index` and its shadow tables) is left
/// out: the full-text index differs between backends by design (PostgreSQL
/// keeps a GIN index on `search_documents` instead).
fn columns(conn: &mut AnyConnection) -> BTreeSet<(String, String)> {
    let rows: Vec<Column> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations' \
             AND m.name NOT LIKE 'search_index%'",
        )
        .load(c),
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
        )
        .load(c),
    }
    .expect("schema query");
    rows.into_iter().map(|r| (r.table_name, r.column_name)).collect()
}

fn connect(db: &TestDatabase) -> AnyConnection {
    let settings = test_settings(&db.url);
    DatabaseUrl::parse(&settings.database.url).expect("url").establish(1000).expect("connect")
}

fn up_and_down(backend: Backend) -> Option<BTreeSet<(String, String)>> {
    let db = TestDatabase::create(backend, "migrations_up_and_down")?;
    let mut conn = connect(&db);
    let applied = migrations::run_pending(&mut conn).expect("up");
    assert!(!applied.is_empty());
    assert!(migrations::is_up_to_date(&mut conn).expect("status"));
    let after_up = columns(&mut conn);
    for table in [
        "users",
        "auth_sessions",
        "committee_terms",
        "committee_sessions",
        "sectors",
        "units",
        "proposals",
        "proposal_cosigners",
        "assignments",
        "replies",
        "ratings",
        "deadlines",
        "audit_events",
        "email_outbox",
        "proposal_attachments",
    ] {
        assert!(after_up.iter().any(|(t, _)| t == table), "{backend:?} lacks {table}");
    }

    let reverted = migrations::revert_all(&mut conn).expect("down");
    assert_eq!(reverted.len(), applied.len());
    assert!(columns(&mut conn).is_empty(), "{backend:?}: down left tables behind");
    assert!(!migrations::is_up_to_date(&mut conn).expect("status"));

    migrations::run_pending(&mut conn).expect("up again");
    assert_eq!(columns(&mut conn), after_up, "{backend:?}: up after down differs");
    // Running again is a no-op.
    assert!(migrations::run_pending(&mut conn).expect("idempotent").is_empty());
    Some(after_up)
}

#[test]
fn migrations_run_up_and_down_on_sqlite() {
    up_and_down(Backend::Sqlite).expect("sqlite always runs");
}

#[test]
fn migrations_run_up_and_down_on_postgres() {
    up_and_down(Backend::Postgres);
}

#[test]
fn both_backends_end_with_the_same_schema() {
    let sqlite = up_and_down(Backend::Sqlite).expect("sqlite");
    if let Some(postgres) = up_and_down(Backend::Postgres) {
        let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
        let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
        assert!(
            only_sqlite.is_empty() && only_postgres.is_empty(),
            "sqlite only: {only_sqlite:?}; postgres only: {only_postgres:?}"
        );
    }
}

/// Every column schema.rs names exists on both backends: a SELECT of all of
/// a table's columns runs (it fails on the first missing one).
fn schema_rs_matches(backend: Backend) {
    use proposal_desk::db::schema::*;
    let Some(db) = TestDatabase::create(backend, "schema_rs_matches") else { return };
    let mut conn = connect(&db);
    migrations::run_pending(&mut conn).expect("up");
    macro_rules! reads_whole {
        ($($table:ident),*) => {$(
            $table::table.select($table::all_columns).limit(0).execute(&mut conn)
                .unwrap_or_else(|e| panic!("{backend:?}: {} does not match schema.rs: {e}", stringify!($table)));
        )*};
    }
    reads_whole!(
        sectors,
        units,
        users,
        auth_sessions,
        login_throttle,
        login_addresses,
        committee_terms,
        committee_sessions,
        proposals,
        proposal_cosigners,
        assignments,
        replies,
        ratings,
        deadlines,
        email_outbox,
        audit_events,
        notices,
        search_documents,
        number_sequences,
        contacts,
        co_opinions,
        unit_requests,
        commitments,
        commitment_progress,
        proposal_attachments,
        import_keys,
        import_files
    );
}

#[test]
fn schema_rs_matches_sqlite() {
    schema_rs_matches(Backend::Sqlite);
}

#[test]
fn schema_rs_matches_postgres() {
    schema_rs_matches(Backend::Postgres);
}

#[test]
fn the_migration_folders_hold_the_same_versions() {
    let list = |dir: &str| -> BTreeSet<String> {
        std::fs::read_dir(dir)
            .expect(dir)
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect()
    };
    assert_eq!(list("migrations/sqlite"), list("migrations/postgres"));
}
