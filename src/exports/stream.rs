//! Files written while they are sent: a thread of their own reads the
//! database a chunk at a time and hands each piece of the file on as it is
//! written (to the page that answers with it), so that a file of any size is
//! never whole in memory.

use std::io::Write;

use tokio::sync::mpsc;

use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A piece of the file, or the error that broke it off.
pub type Piece = Result<Vec<u8>, std::io::Error>;

/// Hands what is written on in pieces of about 64 KiB.
pub struct ToAnswer {
    tx: mpsc::Sender<Piece>,
    buffer: Vec<u8>,
}

impl ToAnswer {
    const PIECE: usize = 64 * 1024;

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let piece = std::mem::take(&mut self.buffer);
        self.tx.blocking_send(Ok(piece)).map_err(|_| std::io::Error::other("the download was abandoned"))
    }
}

impl Write for ToAnswer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= Self::PIECE {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

pub fn abandoned(_: std::io::Error) -> AppError {
    AppError::internal("the download was abandoned")
}

/// What writes a file: it reads through the connection and writes to `out`.
pub trait FileWriter: FnOnce(&mut DbConn, &mut ToAnswer, &AppState) -> AppResult<()> + Send + 'static {}

impl<F> FileWriter for F where F: FnOnce(&mut DbConn, &mut ToAnswer, &AppState) -> AppResult<()> + Send + 'static {}

/// Starts `write` on a thread of its own; the pieces arrive on the receiver.
pub fn spawn(state: &AppState, write: impl FileWriter) -> mpsc::Receiver<Piece> {
    let (tx, rx) = mpsc::channel::<Piece>(8);
    let state = state.clone();
    std::thread::spawn(move || {
        let mut out = ToAnswer { tx: tx.clone(), buffer: Vec::new() };
        let done = state.db.get().and_then(|mut conn| write(&mut conn, &mut out, &state));
        let done = done.and_then(|()| out.flush().map_err(abandoned));
        if let Err(e) = done {
            tracing::warn!(error = %e, "download stopped");
            // The client sees a broken download rather than a file that looks whole.
            let _ = tx.blocking_send(Err(std::io::Error::other("download failed")));
        }
        drop(out);
        crate::memory::give_back_freed();
    });
    rx
}
