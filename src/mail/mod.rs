//! Sending the outbox (发信). The workflow writes each email into
//! `email_outbox` in the action's own transaction; a sender claims the due
//! messages with a lease, sends each, and marks it sent, retried later (with
//! exponential backoff and jitter) or set aside after the last allowed
//! attempt. The sender runs inside `serve` (`mail.worker`) and as the
//! command `proposal-desk mail send-pending`; several of them, on several
//! instances, share one outbox: a message is claimed by one at a time, and a
//! lease left by a sender that died expires and is taken over.

pub mod digest;
pub mod message;
pub mod outbox;
pub mod retry;
pub mod templates;
pub mod transport;

use std::sync::Arc;

use crate::clock::SharedClock;
use crate::config::MailSettings;
use crate::db::Db;
use crate::error::AppResult;
use outbox::AfterFailure;
use transport::{SendError, Transport};

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    /// Failed, to be tried again later.
    pub retried: usize,
    /// Failed for the last time, or for good: set aside for the office.
    pub set_aside: usize,
}

/// Sends every message due now, batch by batch, until none is left due. A
/// batch is shared among `mail.senders` connections sending side by side:
/// an SMTP exchange mostly waits on the network, so one connection alone
/// leaves the server idle.
pub fn send_pending(db: &Db, mail: &MailSettings, transport: &Transport, clock: &SharedClock) -> AppResult<SendReport> {
    let mut report = SendReport::default();
    loop {
        let batch = db.write_blocking(|conn| outbox::claim(conn, mail, clock.now()))?;
        if batch.is_empty() {
            return Ok(report);
        }
        let lanes = mail.senders.clamp(1, batch.len());
        let mut shares: Vec<Vec<outbox::EmailRow>> = (0..lanes).map(|_| Vec::new()).collect();
        for (i, row) in batch.into_iter().enumerate() {
            shares[i % lanes].push(row);
        }
        let results: Vec<AppResult<SendReport>> = std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .into_iter()
                .map(|share| scope.spawn(move || send_share(db, mail, transport, clock, share)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(crate::error::AppError::internal("a mail sender panicked"))))
                .collect()
        });
        for r in results {
            let r = r?;
            report.sent += r.sent;
            report.retried += r.retried;
            report.set_aside += r.set_aside;
        }
    }
}

/// One sender's share of a batch, each message sent and then marked as a write of its own.
fn send_share(
    db: &Db,
    mail: &MailSettings,
    transport: &Transport,
    clock: &SharedClock,
    share: Vec<outbox::EmailRow>,
) -> AppResult<SendReport> {
    let mut report = SendReport::default();
    for row in share {
        let result = message::build(&row, mail)
            .map_err(|e| SendError { message: e.0, permanent: true })
            .and_then(|m| transport.send(&row.id, &m));
        let now = clock.now();
        match result {
            // Queued: a batch's marks join the writes committed beside them (SQLite).
            Ok(()) => {
                let id = row.id.clone();
                db.write_queued(move |conn| outbox::mark_sent(conn, &id, now))?;
                report.sent += 1;
            }
            Err(e) => {
                let wait = retry::wait(row.attempts, mail, rand::random::<f64>());
                let (failed, why, settings) = (row.clone(), e.message.clone(), mail.clone());
                let outcome = db.write_queued(move |conn| {
                    outbox::mark_failed(conn, &failed, &why, e.permanent, now + wait, &settings, now)
                })?;
                tracing::warn!(email = %row.id, attempt = row.attempts, error = %e.message, ?outcome, "email not sent");
                match outcome {
                    AfterFailure::RetryAt(_) => report.retried += 1,
                    AfterFailure::SetAside => report.set_aside += 1,
                }
            }
        }
    }
    Ok(report)
}

/// Runs the sender in the background of `serve`: a pass every `mail.poll_seconds`.
pub fn spawn_worker(db: Db, mail: MailSettings, clock: SharedClock) -> anyhow::Result<()> {
    let transport = Arc::new(Transport::from_settings(&mail)?);
    std::thread::Builder::new().name("mail".into()).spawn(move || {
        loop {
            match send_pending(&db, &mail, &transport, &clock) {
                Ok(r) if r != SendReport::default() => {
                    tracing::info!(sent = r.sent, retried = r.retried, set_aside = r.set_aside, "outbox sent")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "outbox pass failed"),
            }
            std::thread::sleep(std::time::Duration::from_secs(mail.poll_seconds));
        }
    })?;
    Ok(())
}
