//! Downloads answered while they are written (`exports::stream`): the
//! pieces go out as the thread that writes them hands them on.

use actix_web::HttpResponse;

use crate::exports::stream::{FileWriter, spawn};
use crate::state::AppState;

/// Answers with what `write` writes, as it writes it, as a file to save
/// named `name` (`fallback` for old clients).
pub fn file(
    state: &AppState,
    content_type: &'static str,
    (name, fallback): (&str, &str),
    write: impl FileWriter,
) -> HttpResponse {
    let rx = spawn(state, write);
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|piece| (piece.map(actix_web::web::Bytes::from), rx))
    });
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(crate::web::office_statistics::attachment(name, fallback))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}
