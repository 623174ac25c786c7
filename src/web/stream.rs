//! Downloads written while they are sent: a thread of their own reads the
//! database a chunk at a time and hands each piece of the file to the answer
//! as it is written, so that a file of any size is never whole in memory.

use std::io::Write;

use actix_web::HttpResponse;
use actix_web::web::Bytes;
use tokio::sync::mpsc;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

type Piece = Result<Bytes, std::io::Error>;

/// Hands what is written to the answer in pieces of about 64 KiB.
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
        let piece = Bytes::from(std::mem::take(&mut self.buffer));
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

/// Starts `write` on a thread of its own and answers with what it writes,
/// as it writes it, as a file to save named `name` (`fallback` for old clients).
pub fn file(
    state: &AppState,
    content_type: &'static str,
    (name, fallback): (&str, &str),
    write: impl FnOnce(&mut crate::db::DbConn, &mut ToAnswer, &AppState) -> AppResult<()> + Send + 'static,
) -> HttpResponse {
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
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|piece| (piece, rx)) });
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(crate::web::office_statistics::attachment(name, fallback))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}
