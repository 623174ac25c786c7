//! 提案统计 for the office, leaders and the administrator: any scope (a
//! session, a term, a year, a range of days; plenary or between-session),
//! every breakdown as a table, and the downloads of the same figures (the
//! workbook, each table as CSV, the annual report as a Word document).

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::{Permission, may};
use crate::error::{AppError, ErrorKind};
use crate::state::AppState;
use crate::statistics::scope::{ScopeQuery, resolve};
use crate::statistics::tables::{self, Table};
use crate::statistics::{Report, report};
use crate::web::PageError;
use crate::web::forms::FormErrors;
use crate::web::frame::{Frame, render};
use crate::web::session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/statistics", web::get().to(statistics_page));
}

/// A session or term to choose.
pub struct Choice {
    pub id: String,
    pub name: String,
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

/// The sessions (newest first) and terms to choose from.
pub fn choices(conn: &mut crate::db::DbConn) -> crate::error::AppResult<(Vec<Choice>, Vec<Choice>)> {
    use crate::db::schema::{committee_sessions, committee_terms};
    use diesel::prelude::*;
    let sessions: Vec<(String, String)> = committee_sessions::table
        .inner_join(committee_terms::table)
        .order((committee_terms::number.desc(), committee_sessions::number.desc()))
        .select((committee_sessions::id, committee_sessions::name))
        .load(conn)?;
    let terms: Vec<(String, String)> = committee_terms::table
        .order(committee_terms::number.desc())
        .select((committee_terms::id, committee_terms::name))
        .load(conn)?;
    let choice = |(id, name)| Choice { id, name };
    Ok((sessions.into_iter().map(choice).collect(), terms.into_iter().map(choice).collect()))
}

/// `q` as a query string, to ask for the same scope again (downloads, links).
pub fn query_string(q: &ScopeQuery) -> String {
    let encode = |v: &str| {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
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
        v.as_deref().filter(|v| !v.trim().is_empty()).map(|v| format!("{name}={}", encode(v.trim())))
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
