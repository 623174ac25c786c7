//! 提案统计 for the office, leaders and the administrator: any scope (a
//! session, a term, a year, a range of days; plenary or between-session),
//! every breakdown as a table, and the downloads of the same figures (the
//! workbook, each table as CSV, the annual report as a Word document).

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::{Permission, may};
use crate::error::{AppError, ErrorKind};
use crate::state::AppState;
use crate::statistics::scope::{Choice, ScopeQuery, choices, resolve};
use crate::statistics::tables::{self, Table};
use crate::statistics::{Report, report};
use crate::web::PageError;
use crate::web::forms::FormErrors;
use crate::web::frame::{Frame, render};
use crate::web::session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/statistics", web::get().to(statistics_page))
        .route("/statistics/workbook.xlsx", web::get().to(workbook))
        .route("/statistics/report.docx", web::get().to(annual_report))
        .route("/statistics/{table}.csv", web::get().to(table_csv));
}

#[derive(Template)]
#[template(path = "office_statistics.html", config = "src/web/askama.toml")]
struct StatisticsPage {
    frame: Frame,
    sessions: Vec<Choice>,
    terms: Vec<Choice>,
    asked: ScopeQuery,
    /// The scope's problems, when it does not say what it counts.
    errors: FormErrors,
    report: Option<Report>,
    tables: Vec<Table>,
    /// The query string of the downloads (the scope asked for).
    download_query: String,
}

impl StatisticsPage {
    fn asked_is(&self, scope: &str) -> bool {
        self.asked.scope.as_deref().unwrap_or("session") == scope
    }
    fn value<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
}

/// `q` as a query string, to ask for the same scope again (downloads, links).
pub fn query_string(q: &ScopeQuery) -> String {
    [
        ("scope", &q.scope),
        ("session_id", &q.session_id),
        ("term_id", &q.term_id),
        ("year", &q.year),
        ("from", &q.from),
        ("to", &q.to),
        ("stage", &q.stage),
        ("kind", &q.kind),
    ]
    .iter()
    .filter_map(|(name, v)| {
        v.as_deref()
            .filter(|v| !v.trim().is_empty())
            .map(|v| format!("{name}={}", crate::web::frame::url_encode(v.trim())))
    })
    .collect::<Vec<_>>()
    .join("&")
}

/// The scope asked for, or the newest session when nothing is asked.
pub fn asked_or_latest(query: ScopeQuery, sessions: &[Choice]) -> ScopeQuery {
    let nothing = query.scope.is_none() && query.session_id.is_none();
    match sessions.first() {
        Some(latest) if nothing => ScopeQuery { session_id: Some(latest.id.clone()), ..query },
        _ => query,
    }
}

async fn statistics_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?;
    if !may(user.role, Permission::ReadStatistics) {
        return Err(AppError::not_found().into());
    }
    let (sessions, terms) = state.db.read(choices).await?;
    let asked = asked_or_latest(query.into_inner(), &sessions);
    let workflow = state.settings.workflow.clone();
    let wanted = asked.clone();
    let resolved = state.db.read(move |conn| resolve(conn, &workflow, wanted)).await;
    let (report, errors) = match resolved {
        Ok(scope) => (Some(report(&state, scope).await?), FormErrors::none()),
        Err(e) if e.kind == ErrorKind::Validation => (None, FormErrors::of(&e)),
        Err(e) => return Err(e.into()),
    };
    let tables = report.as_ref().map(tables::of).unwrap_or_default();
    let page = StatisticsPage {
        frame: Frame::new(&visitor, "提案统计", "/statistics"),
        download_query: query_string(&asked),
        sessions,
        terms,
        asked,
        errors,
        report,
        tables,
    };
    render(&visitor, &page)
}

/// The report of the scope `query` asks for, for a download (the office, leaders, the administrator).
async fn asked_report(
    state: &AppState,
    visitor: &Visitor,
    query: ScopeQuery,
) -> Result<(crate::statistics::Scope, Report), PageError> {
    let user = visitor.require()?;
    if !may(user.role, Permission::ReadStatistics) {
        return Err(AppError::not_found().into());
    }
    let (sessions, _) = state.db.read(choices).await?;
    let asked = asked_or_latest(query, &sessions);
    let workflow = state.settings.workflow.clone();
    let scope = state.db.read(move |conn| resolve(conn, &workflow, asked)).await?;
    let report = report(state, scope.clone()).await?;
    Ok((scope, report))
}

/// The header that makes an answer a file to save, named `name` (Chinese, RFC 5987) with a plain `fallback`.
pub fn attachment(name: &str, fallback: &str) -> (actix_web::http::header::HeaderName, String) {
    let encoded = crate::web::frame::url_encode(name);
    (
        actix_web::http::header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"),
    )
}

/// A file to save.
fn download(bytes: Vec<u8>, content_type: &str, name: &str, fallback: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(attachment(name, fallback))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// 统计工作簿: every table of the page, one sheet each.
async fn workbook(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, PageError> {
    let (_, report) = asked_report(&state, &visitor, query.into_inner()).await?;
    let bytes = crate::exports::workbook::of(&tables::of(&report))?;
    Ok(download(bytes, XLSX, &format!("提案统计-{}.xlsx", report.scope.label), "statistics.xlsx"))
}

/// One table of the page as CSV.
async fn table_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, PageError> {
    let (_, report) = asked_report(&state, &visitor, query.into_inner()).await?;
    let wanted = path.into_inner();
    let all = tables::of(&report);
    let table = all.iter().find(|t| t.id == wanted).ok_or_else(AppError::not_found)?;
    let text = crate::exports::csv::table(table);
    Ok(download(
        text.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("提案统计-{}-{}.csv", report.scope.label, table.title),
        &format!("{}.csv", table.id),
    ))
}

/// 提案工作情况报告 as a Word document.
async fn annual_report(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, PageError> {
    let (scope, report) = asked_report(&state, &visitor, query.into_inner()).await?;
    let (office, workflow) = (state.office.clone(), state.settings.workflow.clone());
    let key = state.db.read(move |conn| crate::statistics::key_list::of(conn, &scope, &office, &workflow)).await?;
    let bytes = crate::exports::annual_report::of(&report, &key)?;
    let noun = if report.kind == "suggestion" { "建议" } else { "提案" };
    Ok(download(bytes, DOCX, &format!("{}{noun}工作情况报告.docx", report.scope.label), "annual-report.docx"))
}
