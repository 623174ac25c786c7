//! WAL checkpoints on SQLite, off the writer's thread. A checkpoint copies
//! the pages that commits appended to the WAL back into the database file.
//! SQLite runs one by default in the connection that commits, once the WAL
//! holds 1,000 pages: in the writer thread, which every write waits for, it
//! was an eighth of that thread's time under the submit workload (a perf
//! profile at 100,000 proposals). The writer's connection turns that off and
//! wakes this thread after each commit instead; it checkpoints on a
//! connection of its own while the writer goes on appending (a PASSIVE
//! checkpoint takes no lock a writer or a reader waits for).
//!
//! The WAL starts again from its beginning only when a write begins after
//! a checkpoint copied all of it: one running beside the writer never does,
//! and the WAL grew by 400 MB in ten seconds of submits. So after the copy
//! beside the writer, the checkpointer copies what the writer appended
//! meanwhile at the writers' turn, which the writer waits for: a short tail
//! instead of the whole, and the WAL starts again at every round.

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use diesel::RunQueryDsl;

use super::DatabaseUrl;

/// How long the checkpointer lets commits gather after the first one it
/// hears of: a page that many commits changed (an index's, the audit
/// trail's last) is copied once per checkpoint, however often it was written.
const GATHER: Duration = Duration::from_millis(100);

/// The handle the writer wakes the checkpointer with; the thread ends, after
/// a last checkpoint, when the handle goes.
pub struct Checkpointer {
    wake: mpsc::SyncSender<()>,
}

impl Checkpointer {
    /// Starts the checkpointer of `url`; it copies the tail at `turns`, the writers' turn.
    pub fn start(url: DatabaseUrl, busy_timeout_ms: u64, turns: Arc<Mutex<()>>) -> std::io::Result<Checkpointer> {
        let (wake, woken) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(&url, busy_timeout_ms, &turns, &woken))?;
        Ok(Checkpointer { wake })
    }

    /// Tells the checkpointer that the WAL grew; never waits.
    pub fn after_commit(&self) {
        // Full means it is already woken: this commit's pages go with the next checkpoint.
        let _ = self.wake.try_send(());
    }
}

/// What `PRAGMA wal_checkpoint` answers.
#[derive(diesel::QueryableByName)]
struct Outcome {
    /// 1 when a lock kept it from finishing (never for a PASSIVE one).
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
    /// Pages in the WAL.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
    /// Of those, pages now in the database file.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    checkpointed: i32,
}

fn run(url: &DatabaseUrl, busy_timeout_ms: u64, turns: &Mutex<()>, woken: &mpsc::Receiver<()>) {
    let mut conn = None;
    loop {
        let writer_gone = woken.recv().is_err();
        if !writer_gone {
            std::thread::sleep(GATHER);
            while woken.try_recv().is_ok() {}
        }
        if conn.is_none() {
            match url.establish(busy_timeout_ms) {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot open the checkpointer's connection; the WAL grows until it can")
                }
            }
        }
        if let Some(c) = conn.as_mut() {
            let copied = checkpoint(c).and_then(|_| {
                // A poisoned lock only means a writer panicked; its transaction rolled back.
                let _turn = turns.lock().unwrap_or_else(|p| p.into_inner());
                checkpoint(c)
            });
            match copied {
                Ok(Outcome { busy, log, checkpointed }) => {
                    // Short of the whole when a reader still reads an older
                    // state: the WAL goes on from where it is, and the next round copies the rest.
                    tracing::trace!(busy, log, checkpointed, "checkpoint");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a WAL checkpoint failed; the next commit tries again");
                    conn = None;
                }
            }
        }
        if writer_gone {
            return;
        }
    }
}

fn checkpoint(conn: &mut super::AnyConnection) -> diesel::QueryResult<Outcome> {
    diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result::<Outcome>(conn)
}
