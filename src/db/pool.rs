//! The connection pool and the two ways the application uses it: reads, and
//! write transactions (which on SQLite take the write lock up front).

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;

use super::group_commit::Writer;
use super::{AnyConnection, DatabaseUrl};
use crate::error::AppError;

pub type DbConn = AnyConnection;

/// What diesel says when PostgreSQL answered an empty query (its `EmptyQueryResponse`).
const EMPTY_QUERY_ANSWERED: &str = "Received an empty query";

/// Opens connections for r2d2 with the backend fixed by the URL's scheme.
pub struct Manager {
    url: DatabaseUrl,
    busy_timeout_ms: u64,
}

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        self.url.establish(self.busy_timeout_ms).map_err(diesel::r2d2::Error::ConnectionError)
    }

    /// Asked of each connection as it leaves the pool (PostgreSQL only: see
    /// [`Db::connect`]): an empty query, which the server answers without
    /// parsing or planning anything (three of these a submit, and the
    /// server's CPU is what limits the writes), finds a connection the server
    /// dropped as surely as `SELECT 1` did. diesel reports the server's
    /// answer to it, "empty query", as an error of its own making.
    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        use diesel::connection::SimpleConnection;
        match conn.batch_execute("") {
            Ok(()) => Ok(()),
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::Unknown, info))
                if info.message() == EMPTY_QUERY_ANSWERED =>
            {
                Ok(())
            }
            Err(e) => Err(diesel::r2d2::Error::QueryError(e)),
        }
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        <AnyConnection as TransactionManager<AnyConnection>>::is_broken_transaction_manager(conn)
    }
}

/// Creates an empty database file readable by its owner only (it holds
/// password hashes); SQLite gives its -wal and -shm files the same mode.
fn create_private_file(path: &std::path::Path) -> anyhow::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow::anyhow!("cannot create the database file {}: {e}", path.display())),
    }
}

/// A cloneable handle to the database.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    url: DatabaseUrl,
    /// On SQLite, writers take turns here before they take a connection.
    /// SQLite allows one writer at a time anyway; queueing in the process
    /// instead of in SQLite's busy handler (which sleeps in steps of up to
    /// 100 ms) keeps writes fast under contention, and a waiting writer holds
    /// no connection that a reader could use.
    writers: std::sync::Arc<std::sync::Mutex<()>>,
    /// On SQLite, the writer thread that commits the requests' writes
    /// together (group commit); it takes its turns at `writers` too.
    group: Option<std::sync::Arc<Writer>>,
}

impl Db {
    pub fn connect(
        url: &DatabaseUrl,
        pool_size: u32,
        busy_timeout_ms: u64,
        connect_timeout: Duration,
        group_commit_max_writes: usize,
    ) -> anyhow::Result<Db> {
        if let DatabaseUrl::Sqlite { path } = url
            && let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create the database folder {}: {e}", dir.display()))?;
        }
        if let DatabaseUrl::Sqlite { path } = url {
            create_private_file(std::path::Path::new(path))?;
        }
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            // A file the process opened cannot be dropped by a server: checking
            // each SQLite connection as it leaves the pool only cost a statement.
            .test_on_check_out(!url.is_sqlite())
            .connection_timeout(connect_timeout)
            .build(Manager { url: url.clone(), busy_timeout_ms })
            .map_err(|e| anyhow::anyhow!("cannot connect to {}: {e}", url.redacted()))?;
        let writers = std::sync::Arc::new(std::sync::Mutex::new(()));
        let group = match url {
            DatabaseUrl::Sqlite { .. } => Some(std::sync::Arc::new(
                Writer::start(url.clone(), busy_timeout_ms, group_commit_max_writes, writers.clone())
                    .map_err(|e| anyhow::anyhow!("cannot start the database writer: {e}"))?,
            )),
            DatabaseUrl::Postgres { .. } => None,
        };
        Ok(Db { pool, url: url.clone(), writers, group })
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// A connection for blocking code (CLI commands, background threads).
    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>, AppError> {
        self.pool.get().map_err(|e| AppError::unavailable(format!("no database connection: {e}")))
    }

    /// Runs read-only work on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || {
            let mut conn = db.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
    }

    /// Runs one user action as one write transaction: on SQLite by the
    /// writer thread, committed together with the writes queued beside it; on
    /// PostgreSQL (whose server commits concurrent transactions together
    /// itself) on a blocking thread with a pooled connection.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        if let Some(group) = &self.group {
            return group.write(f).await;
        }
        let db = self.clone();
        actix_web::web::block(move || db.write_blocking(f))
            .await
            .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
    }

    /// A write from a thread outside the async runtime (the mail sender's
    /// marks): on SQLite queued to the writer thread and committed with the
    /// writes beside it, one flush for all, instead of a transaction and a
    /// flush of its own that the writer waits for; on PostgreSQL as
    /// [`Db::write_blocking`].
    pub fn write_queued<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        match &self.group {
            Some(group) => group.write_blocking(f),
            None => self.write_blocking(f),
        }
    }

    /// The blocking form of [`Db::write`], for the CLI and background jobs:
    /// one transaction of its own on a pooled connection.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError>,
    {
        let _turn = match self.url {
            // A poisoned lock only means an earlier writer panicked; its transaction rolled back.
            DatabaseUrl::Sqlite { .. } => Some(self.writers.lock().unwrap_or_else(|p| p.into_inner())),
            _ => None,
        };
        let mut conn = self.get()?;
        write_transaction(&mut conn, f)
    }
}

/// Runs `f` in a transaction that holds the write lock from its first
/// statement on SQLite (`BEGIN IMMEDIATE`): a deferred transaction that reads
/// and then writes would meet "database is locked" when another writer went first.
pub fn write_transaction<T, F>(conn: &mut DbConn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    begin_write(conn)?;
    let result = f(conn);
    let value = finish(conn, result)?;
    super::backend_specific::wait_until_durable(conn)?;
    Ok(value)
}

/// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite (see
/// [`write_transaction`]); on PostgreSQL one that commits without waiting
/// for its flush, which [`write_transaction`] then waits for
/// (`backend_specific::commit_without_waiting`).
pub(super) fn begin_write(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    super::backend_specific::commit_without_waiting(conn)
}

/// Ends the innermost transaction or savepoint of `conn` as `result` says:
/// commits (releases) it on success, rolls it back on failure.
pub(super) fn finish<T>(conn: &mut DbConn, result: Result<T, AppError>) -> Result<T, AppError> {
    match result {
        Ok(value) => {
            <AnyConnection as TransactionManager<AnyConnection>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // Inside a savepoint, a failed rollback breaks the whole transaction: its commit then fails.
            if let Err(rollback) = <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}
