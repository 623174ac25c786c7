//! Database access: one connection type for SQLite and PostgreSQL, chosen by
//! the URL's scheme, behind an r2d2 pool whose calls never block an actix worker.

pub mod backend_specific;
mod checkpoint;
pub mod direct;
mod group_commit;
pub mod migrations;
pub mod models;
pub mod pool;
pub mod prepared;
pub mod schema;
pub mod text_enum;

pub use pool::{Db, DbConn};

use diesel::prelude::*;

/// The one connection type the application talks to. Queries are written once
/// against it; the few statements that differ per backend live in
/// [`backend_specific`].
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Which database a URL names. Chosen by us from the scheme, because diesel's
/// own `establish` would try each backend in turn and SQLite accepts any
/// string as a file name: a mistyped PostgreSQL URL would silently become a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://path/to/file.db` (relative paths are relative to the working directory).
    Sqlite { path: String },
    /// `postgres://...` or `postgresql://...`, passed to libpq unchanged.
    Postgres { url: String },
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err(
                    "database.url: a sqlite:// URL needs a file path, e.g. sqlite://data/proposal-desk.db".into()
                );
            }
            return Ok(DatabaseUrl::Sqlite { path: rest.to_string() });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres { url: url.to_string() });
        }
        let scheme = url.split("://").next().filter(|_| url.contains("://")).unwrap_or("(none)");
        Err(format!(
            "database.url: unsupported scheme `{scheme}`; use sqlite://PATH for the embedded database or postgres://USER@HOST/DB for PostgreSQL"
        ))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite { .. })
    }

    /// The URL without a password, for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{path}"),
            DatabaseUrl::Postgres { url } => redact_password(url),
        }
    }

    pub fn establish(&self, busy_timeout_ms: u64) -> ConnectionResult<AnyConnection> {
        match self {
            DatabaseUrl::Sqlite { path } => {
                sqlite_process_settings();
                let mut conn = diesel::SqliteConnection::establish(path)?;
                configure_sqlite(&mut conn, busy_timeout_ms)
                    .map_err(|e| ConnectionError::BadConnection(format!("sqlite setup failed: {e}")))?;
                Ok(AnyConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres { url } => {
                let mut conn = diesel::PgConnection::establish(url)?;
                // Timestamps are stored as UTC without a zone; make the session agree.
                diesel::sql_query("SET TIME ZONE 'UTC'")
                    .execute(&mut conn)
                    .map_err(|e| ConnectionError::BadConnection(format!("postgres setup failed: {e}")))?;
                Ok(AnyConnection::Postgresql(conn))
            }
        }
    }
}

fn redact_password(url: &str) -> String {
    // postgres://user:secret@host/db -> postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, _)) = userinfo.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

/// Process-wide SQLite settings, made once before the first connection opens.
/// SQLite keeps memory statistics by default, behind one process-wide mutex
/// taken on every allocation; nothing reads them, and with many concurrent
/// readers that mutex showed up in a perf profile of the public search load.
fn sqlite_process_settings() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: a plain configuration call, made before this process opens its
        // first SQLite connection; after initialisation it would only return
        // SQLITE_MISUSE, which changes nothing.
        let _ =
            unsafe { libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) };
    });
}

/// Per-connection SQLite settings, in the order that matters: wait for locks
/// instead of failing, WAL for concurrent readers, FULL sync because an
/// acknowledged reply must survive a power cut, and enforced foreign keys.
/// Temporary data in memory: an UPDATE inside a transaction keeps a statement
/// journal of the pages it changes, and on a temporary file that journal cost
/// a few hundred write system calls per submit (a perf profile at 100,000
/// proposals); it holds a few pages of one statement, never the database.
/// A small page cache: see [`POOLED_CACHE_KIB`].
fn configure_sqlite(conn: &mut diesel::SqliteConnection, busy_timeout_ms: u64) -> QueryResult<()> {
    diesel::sql_query(format!("PRAGMA busy_timeout = {busy_timeout_ms}")).execute(conn)?;
    set_wal(conn, busy_timeout_ms)?;
    diesel::sql_query("PRAGMA synchronous = FULL").execute(conn)?;
    diesel::sql_query("PRAGMA foreign_keys = ON").execute(conn)?;
    diesel::sql_query("PRAGMA temp_store = MEMORY").execute(conn)?;
    diesel::sql_query(format!("PRAGMA cache_size = -{POOLED_CACHE_KIB}")).execute(conn)?;
    Ok(())
}

/// The page cache of each pooled connection, in KiB (SQLite's default is
/// 2,000). The public reads are answered from memory (the public index, the
/// kept answers), so the pooled connections mostly read what they read once:
/// the search's index on a first search, a detail's miss, an export. The
/// system's file cache holds those pages anyway; with the default each of the
/// eight connections filled 2 MB after the search workload, 16 MB of the
/// service's memory. The writer keeps a larger cache of its own (`group_commit.rs`).
const POOLED_CACHE_KIB: u32 = 256;

#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = diesel::sql_types::Text)]
    journal_mode: String,
}

/// WAL is a property of the database file: once set it stays, so a
/// connection only reads it. Switching a new file to WAL does not wait on the
/// busy handler: connections opened side by side on a fresh file (a pool
/// filling up) can meet "database is locked", so the switch is tried again
/// for up to the busy timeout.
fn set_wal(conn: &mut diesel::SqliteConnection, busy_timeout_ms: u64) -> QueryResult<()> {
    let started = std::time::Instant::now();
    loop {
        let mode = diesel::sql_query("PRAGMA journal_mode").get_result::<JournalMode>(conn);
        if mode.as_ref().is_ok_and(|m| m.journal_mode.eq_ignore_ascii_case("wal")) {
            return Ok(());
        }
        match diesel::sql_query("PRAGMA journal_mode = WAL").execute(conn) {
            Ok(_) => return Ok(()),
            Err(e)
                if started.elapsed().as_millis() < u128::from(busy_timeout_ms) && e.to_string().contains("locked") =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Inserts `rows` in batches (one statement per batch) on either backend:
/// the benchmark's archive and the import write thousands of rows at once.
/// The caller has `diesel::prelude::*` in scope.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = &$rows;
        for chunk in rows.chunks(200) {
            match &mut *$conn {
                $crate::db::AnyConnection::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c)?,
                $crate::db::AnyConnection::Postgresql(c) => diesel::insert_into($table).values(chunk).execute(c)?,
            };
        }
        rows.len()
    }};
}
pub(crate) use insert_all;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_opening_while_another_one_writes_waits_for_it() {
        let path = std::env::temp_dir().join(format!("pd-wal-{}.db", crate::ids::new_id()));
        let url = DatabaseUrl::Sqlite { path: path.display().to_string() };
        // A new file is in rollback-journal mode until a connection switches it.
        let mut writer = diesel::SqliteConnection::establish(&path.display().to_string()).expect("first");
        diesel::sql_query("CREATE TABLE t (x INTEGER)").execute(&mut writer).expect("table");
        diesel::sql_query("BEGIN IMMEDIATE").execute(&mut writer).expect("begin");
        diesel::sql_query("INSERT INTO t VALUES (1)").execute(&mut writer).expect("insert");
        let started = std::time::Instant::now();
        let second = std::thread::scope(|s| {
            let opening = s.spawn(|| url.establish(5000).map(|_| ()));
            std::thread::sleep(std::time::Duration::from_millis(100));
            diesel::sql_query("COMMIT").execute(&mut writer).expect("commit");
            opening.join().expect("thread")
        });
        assert!(second.is_ok(), "it waits for the writer, then switches to WAL: {:?}", second.err());
        assert!(started.elapsed().as_millis() < 4000);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[derive(diesel::QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    #[derive(diesel::QueryableByName)]
    struct TempStore {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        temp_store: i32,
    }

    #[test]
    fn sqlite_keeps_each_statement_plan_and_its_temporary_data_in_memory() {
        let path = std::env::temp_dir().join(format!("pd-options-{}.db", crate::ids::new_id()));
        let url = DatabaseUrl::Sqlite { path: path.display().to_string() };
        let Ok(AnyConnection::Sqlite(mut conn)) = url.establish(5000) else { panic!("an SQLite connection") };
        let options: Vec<CompileOption> =
            diesel::sql_query("PRAGMA compile_options").load(&mut conn).expect("compile options");
        assert!(
            options.iter().any(|o| o.compile_options == "ENABLE_QPSG"),
            "the bundled SQLite is built with the planner stability guarantee (.cargo/config.toml)"
        );
        let store: TempStore = diesel::sql_query("PRAGMA temp_store").get_result(&mut conn).expect("temp_store");
        assert_eq!(store.temp_store, 2, "temporary data (statement journals) in memory");
        drop(conn);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[test]
    fn scheme_decides_the_backend() {
        assert_eq!(DatabaseUrl::parse("sqlite://data/x.db").unwrap(), DatabaseUrl::Sqlite { path: "data/x.db".into() });
        assert!(matches!(DatabaseUrl::parse("postgres://u@h/db").unwrap(), DatabaseUrl::Postgres { .. }));
        assert!(matches!(DatabaseUrl::parse("postgresql://u@h/db").unwrap(), DatabaseUrl::Postgres { .. }));
    }

    #[test]
    fn anything_else_is_refused_with_the_scheme_named() {
        let err = DatabaseUrl::parse("postgress://u@h/db").unwrap_err();
        assert!(err.contains("postgress"), "{err}");
        assert!(DatabaseUrl::parse("data/x.db").unwrap_err().contains("(none)"));
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/pd").unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/pd");
    }
}
