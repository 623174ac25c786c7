//! The scope a report is asked for, read from a query string (the API, the
//! pages and the exports take the same fields) and checked against the
//! sessions and terms there are.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::schema::{committee_sessions, committee_terms};
use crate::domain::statistics::scope::{ScopeKind, Span, Stage, year_days};
use crate::error::{AppError, AppResult};
use crate::validate::Check;

/// Which proposals to count. `scope` says how they are chosen; without it, a
/// `session_id` alone asks for that session.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ScopeQuery {
    /// session (one session), term (all its sessions), year (a calendar
    /// year) or range (from .. to): the last two by the day proposals were handed in.
    pub scope: Option<String>,
    /// 会议: for scope=session.
    pub session_id: Option<String>,
    /// 届: for scope=term.
    pub term_id: Option<String>,
    /// For scope=year, e.g. 2026.
    pub year: Option<String>,
    /// For scope=range: the first day, YYYY-MM-DD.
    pub from: Option<String>,
    /// For scope=range: the last day, included.
    pub to: Option<String>,
    /// plenary (大会提案) or between (平时提案); both when absent.
    pub stage: Option<String>,
    /// "proposal" (提案, the default) or "suggestion" (建议): each kind is counted on its own.
    pub kind: Option<String>,
}

/// The scope as a report states it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScopeView {
    /// session, term, year or range.
    pub kind: String,
    /// How the office reads it: 一届一次会议, 第一届, 2026年, 2026-01-01至2026-06-30, with
    /// （大会提案） or （平时提案） when one stage is asked for.
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// plenary or between; absent for both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// A checked scope.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The kind of proposal counted (proposal or suggestion).
    pub kind: String,
    pub span: Span,
    pub stage: Option<Stage>,
    pub view: ScopeView,
    /// The session, when the scope is one session.
    pub session: Option<super::SessionRef>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The scope `q` asks for: 422 with each field's problem, 404 for an unknown session or term.
pub fn resolve(conn: &mut DbConn, workflow: &WorkflowSettings, q: ScopeQuery) -> AppResult<Scope> {
    let mut check = Check::new();
    let kind = blank(&q.kind).unwrap_or("proposal").to_string();
    if workflow.kind(&kind).is_none() {
        check.fail("kind", "invalid", "未知的类别");
    }
    let scope_kind = match blank(&q.scope) {
        None if blank(&q.session_id).is_some() => Some(ScopeKind::Session),
        None => {
            check.fail("scope", "required", "请选择统计范围");
            None
        }
        Some(s) => {
            let parsed = ScopeKind::parse(s);
            if parsed.is_none() {
                check.fail("scope", "invalid", "统计范围应为 session、term、year 或 range");
            }
            parsed
        }
    };
    let stage = match blank(&q.stage) {
        None | Some("all") => None,
        Some(s) => {
            let parsed = Stage::parse(s);
            if parsed.is_none() {
                check.fail("stage", "invalid", "应为 plenary（大会提案）或 between（平时提案）");
            }
            parsed
        }
    };
    let day = |check: &mut Check, field: &str, v: &Option<String>| match blank(v) {
        None => {
            check.fail(field, "required", "请填写日期");
            None
        }
        Some(text) => {
            let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
            if parsed.is_none() {
                check.fail(field, "invalid", "日期格式应为 YYYY-MM-DD");
            }
            parsed
        }
    };
    let mut view = ScopeView {
        kind: scope_kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        label: String::new(),
        session_id: None,
        term_id: None,
        from: None,
        to: None,
        stage: stage.map(|s| s.as_str().to_string()),
    };
    /// What the query names, before it is looked up.
    enum Wanted {
        Session(String),
        Term(String),
        Days(NaiveDate, NaiveDate, String),
    }
    let wanted = match scope_kind {
        Some(ScopeKind::Session) => {
            let id = blank(&q.session_id).map(str::to_string);
            if id.is_none() {
                check.fail("session_id", "required", "请选择会议");
            }
            id.map(Wanted::Session)
        }
        Some(ScopeKind::Term) => {
            let id = blank(&q.term_id).map(str::to_string);
            if id.is_none() {
                check.fail("term_id", "required", "请选择届次");
            }
            id.map(Wanted::Term)
        }
        Some(ScopeKind::Year) => {
            let year = blank(&q.year).and_then(|y| y.parse::<i32>().ok()).filter(|y| (1949..=9999).contains(y));
            let days = year.and_then(year_days);
            if days.is_none() {
                check.fail("year", "invalid", "请填写年份，如 2026");
            }
            days.map(|(from, to)| Wanted::Days(from, to, format!("{}年", from.format("%Y"))))
        }
        Some(ScopeKind::Range) => match (day(&mut check, "from", &q.from), day(&mut check, "to", &q.to)) {
            (Some(from), Some(to)) if from > to => {
                check.fail("to", "before_start", "结束日期不能早于开始日期");
                None
            }
            (Some(from), Some(to)) => Some(Wanted::Days(from, to, format!("{from}至{to}"))),
            _ => None,
        },
        None => None,
    };
    check.finish()?;
    let wanted = wanted.ok_or_else(|| AppError::internal("a scope without a span passed its checks"))?;
    let mut session = None;
    let span = match wanted {
        Wanted::Session(id) => {
            let name: Option<String> = if crate::ids::is_id(&id) {
                committee_sessions::table.find(&id).select(committee_sessions::name).first(conn).optional()?
            } else {
                None
            };
            let name = name.ok_or_else(|| AppError::not_found().with_detail("该会议不存在"))?;
            view.label = name.clone();
            view.session_id = Some(id.clone());
            session = Some(super::SessionRef { id: id.clone(), name });
            Span::Sessions(vec![id])
        }
        Wanted::Term(id) => {
            let name: Option<String> = if crate::ids::is_id(&id) {
                committee_terms::table.find(&id).select(committee_terms::name).first(conn).optional()?
            } else {
                None
            };
            view.label = name.ok_or_else(|| AppError::not_found().with_detail("该届次不存在"))?;
            let sessions: Vec<String> = committee_sessions::table
                .filter(committee_sessions::term_id.eq(&id))
                .select(committee_sessions::id)
                .load(conn)?;
            view.term_id = Some(id);
            Span::Sessions(sessions)
        }
        Wanted::Days(from, to, label) => {
            view.label = label;
            (view.from, view.to) = (Some(from), Some(to));
            Span::Days { from, to }
        }
    };
    if let Some(stage) = stage {
        view.label = format!("{}（{}）", view.label, stage.label());
    }
    Ok(Scope { kind, span, stage, view, session })
}

/// A session or term to choose.
pub struct Choice {
    pub id: String,
    pub name: String,
}

/// The sessions (newest first) and terms to choose from.
pub fn choices(conn: &mut DbConn) -> AppResult<(Vec<Choice>, Vec<Choice>)> {
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
