//! Group commit on SQLite: one writer thread with its own connection runs
//! every write transaction of this process. While one batch commits (the
//! fsync), the writes that arrive queue up; the next batch runs them one
//! after another inside one transaction, each in its own savepoint, and
//! commits them together. Each keeps its own atomicity (a failing one rolls
//! back to its savepoint, the others stay) and each is answered only once
//! the shared commit is durable. SQLite takes one writer at a time anyway:
//! this makes one transaction, one commit and one fsync serve many requests,
//! and keeps the writer's page cache warm (a pooled connection forgets its
//! cache whenever another connection wrote).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, mpsc};

use diesel::RunQueryDsl;
use diesel::connection::TransactionManager;

use super::checkpoint::Checkpointer;
use super::{AnyConnection, DatabaseUrl, DbConn};
use crate::error::AppError;

/// The writer connection's page cache, in KiB.
const WRITER_CACHE_KIB: u32 = 16 * 1024;

/// What a queued write leaves for after the commit: it answers its caller
/// with its own result, or with the commit's failure when there was one.
type Deliver = Box<dyn FnOnce(Option<&str>) + Send>;

/// One queued write: runs in the open transaction, in its own savepoint;
/// given no connection (none could be opened, no transaction begun), it does
/// not run and answers that the database is unavailable.
type Job = Box<dyn FnOnce(Option<&mut DbConn>) -> Deliver + Send>;

/// The handle to the writer thread; the thread ends when the last handle goes.
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer of `url`, committing at most `batch_max` writes
    /// together, each batch in its turn at `turns` (which the process's other
    /// writers, background jobs say, take too).
    pub fn start(
        url: DatabaseUrl,
        busy_timeout_ms: u64,
        batch_max: usize,
        turns: Arc<Mutex<()>>,
    ) -> std::io::Result<Writer> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let checkpointer = Checkpointer::start(url.clone(), busy_timeout_ms, turns.clone())?;
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(&url, busy_timeout_ms, batch_max.max(1), &turns, &queue, &checkpointer))?;
        Ok(Writer { jobs })
    }

    /// Queues `f` and waits for its answer, without blocking an async worker.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let answered = self.queue(f)?;
        answered.await.map_err(|_| AppError::internal("the writer dropped a write"))?
    }

    /// [`Writer::write`] for a thread outside the async runtime (a background
    /// job): blocks that thread until the write is committed.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let answered = self.queue(f)?;
        answered.blocking_recv().map_err(|_| AppError::internal("the writer dropped a write"))?
    }

    /// Queues `f`; its answer arrives once the batch it ran in is committed.
    fn queue<T, F>(&self, f: F) -> Result<tokio::sync::oneshot::Receiver<Result<T, AppError>>, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = match conn {
                Some(conn) => in_savepoint(conn, f),
                None => Err(AppError::unavailable("the database cannot take writes now")),
            };
            Box::new(move |commit_failed: Option<&str>| {
                let _ = answer.send(match commit_failed {
                    // Its work was rolled back with everyone else's.
                    Some(why) if result.is_ok() => Err(AppError::internal(format!("commit failed: {why}"))),
                    _ => result,
                });
            })
        });
        self.jobs.send(job).map_err(|_| AppError::unavailable("the database writer has stopped"))?;
        Ok(answered)
    }
}

/// Runs `f` between a savepoint and its release, or rolls back to it.
fn in_savepoint<T, F>(conn: &mut DbConn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    <AnyConnection as TransactionManager<AnyConnection>>::begin_transaction(conn)?;
    let result = catch_unwind(AssertUnwindSafe(|| f(conn)))
        .unwrap_or_else(|_| Err(AppError::internal("a write panicked; its changes were rolled back")));
    super::pool::finish(conn, result)
}

/// The writer thread: a batch at a time until every handle is gone.
fn run(
    url: &DatabaseUrl,
    busy_timeout_ms: u64,
    batch_max: usize,
    turns: &Mutex<()>,
    queue: &mpsc::Receiver<Job>,
    checkpointer: &Checkpointer,
) {
    let mut conn: Option<DbConn> = None;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < batch_max
            && let Ok(next) = queue.try_recv()
        {
            batch.push(next);
        }
        if conn.is_none() {
            match url.establish(busy_timeout_ms).and_then(|mut c| {
                // A batch touches the pages of many rows and of every index
                // over the columns they change: with the default 2 MB the
                // pages spilled before the commit and were read back.
                diesel::sql_query(format!("PRAGMA cache_size = -{WRITER_CACHE_KIB}"))
                    .execute(&mut c)
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
                // The checkpointer copies the WAL back instead (`checkpoint.rs`).
                diesel::sql_query("PRAGMA wal_autocheckpoint = 0")
                    .execute(&mut c)
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
                Ok(c)
            }) {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    let why = format!("cannot open the writer's connection: {e}");
                    tracing::error!(error = %why, "database writer");
                    fail_all(batch, &why);
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        // A poisoned lock only means another writer panicked; its transaction rolled back.
        let turn = turns.lock().unwrap_or_else(|p| p.into_inner());
        let committed = commit_batch(c, batch);
        drop(turn);
        checkpointer.after_commit();
        if let Err(why) = committed {
            tracing::error!(error = %why, "a group commit failed");
            // The connection may be the cause (a disk error, say): the next batch opens a new one.
            conn = None;
        }
    }
}

/// Runs `batch` in one transaction and answers every write after the commit.
fn commit_batch(conn: &mut DbConn, batch: Vec<Job>) -> Result<(), String> {
    if let Err(e) = super::pool::begin_write(conn) {
        let why = format!("cannot begin a transaction: {e}");
        fail_all(batch, &why);
        return Err(why);
    }
    let delivers: Vec<Deliver> = batch.into_iter().map(|job| job(Some(&mut *conn))).collect();
    match <AnyConnection as TransactionManager<AnyConnection>>::commit_transaction(conn) {
        Ok(()) => {
            for deliver in delivers {
                deliver(None);
            }
            Ok(())
        }
        Err(e) => {
            let why = e.to_string();
            if let Err(rollback) = <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback after a failed group commit failed");
            }
            for deliver in delivers {
                deliver(Some(&why));
            }
            Err(why)
        }
    }
}

/// Answers every write of `batch`, unrun, that the database is unavailable.
fn fail_all(batch: Vec<Job>, why: &str) {
    tracing::warn!(reason = why, writes = batch.len(), "writes refused");
    for job in batch {
        job(None)(Some(why));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_url() -> (DatabaseUrl, String) {
        let path = std::env::temp_dir().join(format!("pd-group-{}.db", crate::ids::new_id())).display().to_string();
        (DatabaseUrl::Sqlite { path: path.clone() }, path)
    }

    /// The test's database file and the WAL and shared-memory files beside it.
    fn remove_database(path: &str) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }

    fn count(url: &DatabaseUrl) -> i64 {
        let mut conn = url.establish(5000).expect("a connection");
        diesel::sql_query("SELECT count(*) AS n FROM t").get_result::<Count>(&mut conn).expect("count").n
    }

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    async fn create_table(writer: &Writer) {
        writer
            .write(|conn| {
                diesel::sql_query("CREATE TABLE t (x INTEGER NOT NULL)").execute(conn).map_err(AppError::from)
            })
            .await
            .expect("a table");
    }

    fn insert(conn: &mut DbConn, x: i32) -> Result<i32, AppError> {
        diesel::sql_query(format!("INSERT INTO t (x) VALUES ({x})")).execute(conn)?;
        Ok(x)
    }

    #[actix_web::test]
    async fn writes_queued_together_each_keep_their_own_outcome() {
        let (url, path) = temp_url();
        let writer = Arc::new(Writer::start(url.clone(), 5000, 16, Arc::default()).expect("a writer"));
        create_table(&writer).await;
        // Sixty writes at once: every third fails after its insert, one panics.
        let writes = (0..60).map(|i| {
            let writer = writer.clone();
            async move {
                writer
                    .write(move |conn| {
                        let x = insert(conn, i)?;
                        if i == 31 {
                            panic!("a bug in one write");
                        }
                        if i % 3 == 0 { Err(AppError::bad_request("refused")) } else { Ok(x) }
                    })
                    .await
            }
        });
        let answers = futures_util::future::join_all(writes).await;
        for (i, answer) in answers.iter().enumerate() {
            let i = i32::try_from(i).expect("small");
            match answer {
                Ok(x) => assert_eq!(*x, i, "each hears its own result"),
                Err(_) => assert!(i % 3 == 0 || i == 31, "write {i} failed"),
            }
        }
        let kept = answers.iter().filter(|a| a.is_ok()).count();
        assert_eq!(kept, 39, "60 writes, 20 refused, 1 panicked");
        assert_eq!(count(&url), 39, "the refused and the panicking writes left nothing; the others are committed");
        drop(writer);
        remove_database(&path);
    }

    async fn create_text_table(writer: &Writer) {
        writer
            .write(|conn| diesel::sql_query("CREATE TABLE t (x TEXT NOT NULL)").execute(conn).map_err(AppError::from))
            .await
            .expect("a table");
    }

    /// One commit of a 10,000-byte row into the table of [`create_text_table`].
    async fn insert_10_kb(writer: &Writer) {
        writer
            .write(|conn| {
                diesel::sql_query("INSERT INTO t (x) VALUES (printf('%.10000c', 'x'))")
                    .execute(conn)
                    .map_err(AppError::from)
            })
            .await
            .expect("a write");
    }

    #[actix_web::test]
    async fn committed_pages_reach_the_database_file_while_the_writer_goes_on() {
        let (url, path) = temp_url();
        let writer = Writer::start(url.clone(), 5000, 64, Arc::default()).expect("a writer");
        create_text_table(&writer).await;
        // About 1 MB in 100 commits: far below the 1,000 pages (4 MB) at
        // which a committing connection would checkpoint by itself.
        for _ in 0..100 {
            insert_10_kb(&writer).await;
        }
        let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let started = std::time::Instant::now();
        while size() < 1_000_000 && started.elapsed() < std::time::Duration::from_secs(5) {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(size() >= 1_000_000, "the checkpointer copied the WAL into the file: {} bytes", size());
        drop(writer);
        remove_database(&path);
    }

    #[actix_web::test]
    async fn the_wal_starts_again_while_writes_go_on() {
        let (url, path) = temp_url();
        let writer = Writer::start(url.clone(), 5000, 64, Arc::default()).expect("a writer");
        create_text_table(&writer).await;
        // 3 MB in rounds of 250 KB, with pauses in which the checkpointer runs.
        for _ in 0..12 {
            for _ in 0..25 {
                insert_10_kb(&writer).await;
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        let wal = std::fs::metadata(format!("{path}-wal")).map(|m| m.len()).unwrap_or(0);
        assert!(wal < 1_500_000, "the WAL was overwritten from its start, not appended to: {wal} bytes");
        drop(writer);
        remove_database(&path);
    }

    #[actix_web::test]
    async fn a_write_is_answered_only_once_it_is_committed() {
        let (url, path) = temp_url();
        let writer = Writer::start(url.clone(), 5000, 64, Arc::default()).expect("a writer");
        create_table(&writer).await;
        writer.write(|conn| insert(conn, 1)).await.expect("a write");
        // Another connection sees it the moment the caller is answered.
        assert_eq!(count(&url), 1);
        drop(writer);
        remove_database(&path);
    }

    #[actix_web::test]
    async fn threads_outside_the_runtime_queue_their_writes_and_each_hears_its_own_outcome() {
        let (url, path) = temp_url();
        let writer = Writer::start(url.clone(), 5000, 64, Arc::default()).expect("a writer");
        create_table(&writer).await;
        // Eight plain threads, as the mail sender's lanes: each blocks until its write is committed.
        let answers: Vec<Result<i32, AppError>> = std::thread::scope(|scope| {
            let lanes: Vec<_> = (0..8)
                .map(|i| {
                    let (writer, url) = (&writer, &url);
                    scope.spawn(move || {
                        let answer = writer.write_blocking(move |conn| {
                            if i == 5 { Err(AppError::bad_request("refused")) } else { insert(conn, i) }
                        });
                        // Answered means committed: another connection sees this thread's row.
                        if answer.is_ok() {
                            assert_eq!(rows_with(url, i), 1, "write {i} is committed when answered");
                        }
                        answer
                    })
                })
                .collect();
            lanes.into_iter().map(|lane| lane.join().expect("a lane")).collect()
        });
        for (i, answer) in answers.iter().enumerate() {
            let i = i32::try_from(i).expect("small");
            match answer {
                Ok(x) => assert_eq!(*x, i, "each hears its own result"),
                Err(_) => assert_eq!(i, 5, "only the refused write fails"),
            }
        }
        assert_eq!(count(&url), 7, "the refused write left nothing");
        drop(writer);
        remove_database(&path);
    }

    fn rows_with(url: &DatabaseUrl, x: i32) -> i64 {
        let mut conn = url.establish(5000).expect("a connection");
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM t WHERE x = {x}"))
            .get_result::<Count>(&mut conn)
            .expect("a count")
            .n
    }
}
