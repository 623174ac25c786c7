//! 下载汇总表: the proposals list, filtered as on the page (the same form), as CSV or as an
//! Excel workbook, streamed (`stream.rs`): neither the rows nor the file are
//! ever whole in memory.

use actix_web::{HttpResponse, web};

use crate::domain::{Permission, may};
use crate::error::AppError;
use crate::exports::stream::FileWriter;
use crate::exports::summary;
use crate::proposals::reads::{ProposalQuery, check_filters};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::proposals::ListForm;
use crate::web::session::Visitor;
use crate::web::stream;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals/export.csv", web::get().to(export_csv))
        .route("/proposals/export.xlsx", web::get().to(export_xlsx));
}

/// Checks who asks and the filters, then streams the file `writer` writes for that user and query.
fn streamed<W: FileWriter>(
    state: &AppState,
    visitor: &Visitor,
    query: ProposalQuery,
    content_type: &'static str,
    names: (&str, &str),
    writer: impl FnOnce(crate::auth::AuthUser, ProposalQuery) -> W,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    if !may(user.role, Permission::ReadStatistics) {
        return Err(AppError::not_found().into());
    }
    // Checked before the answer starts: a wrong filter is a page, not a broken file.
    check_filters(&query)?;
    Ok(stream::file(state, content_type, names, writer(user, query)))
}

/// 汇总表 as CSV.
async fn export_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ListForm>,
) -> Result<HttpResponse, PageError> {
    let names = ("提案汇总表.csv", "proposals.csv");
    streamed(&state, &visitor, form.query()?, "text/csv; charset=utf-8", names, summary::csv)
}

/// 汇总表 as an Excel workbook.
async fn export_xlsx(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ListForm>,
) -> Result<HttpResponse, PageError> {
    let names = ("提案汇总表.xlsx", "proposals.xlsx");
    streamed(&state, &visitor, form.query()?, crate::web::office_statistics::XLSX, names, summary::xlsx)
}
