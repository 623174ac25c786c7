//! 下载汇总表: the proposals list, filtered as on the page (the same form), as CSV or as an
//! Excel workbook, streamed (`stream.rs`): neither the rows nor the file are
//! ever whole in memory.

use std::io::Write;

use actix_web::{HttpResponse, web};

use crate::domain::{Permission, may};
use crate::error::{AppError, AppResult};
use crate::exports::summary;
use crate::proposals::reads::{ProposalQuery, check_filters};
use crate::proposals::summary_table::for_each_chunk;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::proposals::ListForm;
use crate::web::session::Visitor;
use crate::web::stream::{self, ToAnswer, abandoned};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals/export.csv", web::get().to(export_csv))
        .route("/proposals/export.xlsx", web::get().to(export_xlsx));
}

/// Checks who asks and the filters, then streams what `write` writes.
fn streamed(
    state: &AppState,
    visitor: &Visitor,
    query: ProposalQuery,
    content_type: &'static str,
    names: (&str, &str),
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
    Ok(stream::file(state, content_type, names, move |conn, out, state| write(conn, &user, &query, out, state)))
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
