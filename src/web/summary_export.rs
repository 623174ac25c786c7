//! 下载汇总表: the proposals list, filtered as on the page (the same form), as CSV or as an
//! Excel workbook. Both stream: a thread of their own reads the proposals a
//! chunk at a time and hands each piece of the file to the answer as it is
//! written, so that neither the rows nor the file are ever whole in memory.

use std::io::Write;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use tokio::sync::mpsc;

use crate::domain::{Permission, may};
use crate::error::{AppError, AppResult};
use crate::exports::summary;
use crate::proposals::reads::{ProposalQuery, check_filters};
use crate::proposals::summary_table::for_each_chunk;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::proposals::ListForm;
use crate::web::session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals/export.csv", web::get().to(export_csv))
        .route("/proposals/export.xlsx", web::get().to(export_xlsx));
}

type Piece = Result<Bytes, std::io::Error>;

/// Hands what is written to the answer in pieces of about 64 KiB.
struct ToAnswer {
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

fn abandoned(_: std::io::Error) -> AppError {
    AppError::internal("the download was abandoned")
}

/// Starts `write` on a thread of its own and answers with what it writes, as it writes it.
fn streamed(
    state: &AppState,
    visitor: &Visitor,
    query: ProposalQuery,
    content_type: &str,
    (name, fallback): (&str, &str),
    write: impl FnOnce(
        &mut crate::db::DbConn,
        &crate::auth::AuthUser,
        &ProposalQuery,
        &mut ToAnswer,
        &AppState,
    ) -> AppResult<()>
    + Send
    + 'static,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    if !may(user.role, Permission::ReadStatistics) {
        return Err(AppError::not_found().into());
    }
    // Checked before the answer starts: a wrong filter is a page, not a broken file.
    check_filters(&query)?;
    let (tx, rx) = mpsc::channel::<Piece>(8);
    let state = state.clone();
    std::thread::spawn(move || {
        let mut out = ToAnswer { tx: tx.clone(), buffer: Vec::new() };
        let done = state.db.get().and_then(|mut conn| write(&mut conn, &user, &query, &mut out, &state));
        let done = done.and_then(|()| out.flush().map_err(abandoned));
        if let Err(e) = done {
            tracing::warn!(error = %e, "export stopped");
            // The client sees a broken download rather than a file that looks whole.
            let _ = tx.blocking_send(Err(std::io::Error::other("export failed")));
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|piece| (piece, rx)) });
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(crate::web::office_statistics::attachment(name, fallback))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// 汇总表 as CSV.
async fn export_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ListForm>,
) -> Result<HttpResponse, PageError> {
    let name = ("提案汇总表.csv", "proposals.csv");
    streamed(&state, &visitor, form.query()?, "text/csv; charset=utf-8", name, |conn, user, query, out, state| {
        out.write_all(summary::csv_head().as_bytes()).map_err(abandoned)?;
        for_each_chunk(conn, user, query, state.clock.now(), &state.settings.workflow, |lines| {
            out.write_all(summary::csv_lines(&lines).as_bytes()).map_err(abandoned)
        })
    })
}

/// 汇总表 as an Excel workbook.
async fn export_xlsx(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ListForm>,
) -> Result<HttpResponse, PageError> {
    streamed(
        &state,
        &visitor,
        form.query()?,
        crate::web::office_statistics::XLSX,
        ("提案汇总表.xlsx", "proposals.xlsx"),
        |conn, user, query, out, state| {
            let mut sheet = summary::Sheet::new()?;
            for_each_chunk(conn, user, query, state.clock.now(), &state.settings.workflow, |lines| sheet.add(&lines))?;
            sheet.finish(out)
        },
    )
}
