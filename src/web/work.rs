//! The pages that chase work: open deadlines (a unit its own, the office
//! and leaders every unit's), a proposal's audit trail as a timeline, and
//! the mail set aside after failing, to send again (the office).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::acting::act;
use crate::audit::Origin;
use crate::domain::workflow::Action;
use crate::domain::{Permission, Role, may};
use crate::error::AppError;
use crate::ids::{EmailId, ProposalId};
use crate::mail::outbox;
use crate::proposals::due::{self, DueItem, DueQuery};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::frame::{Frame, local_time, render, see_other};
use crate::web::session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/deadlines", web::get().to(deadlines_page))
        .route("/proposals/{id}/timeline", web::get().to(timeline_page))
        .route("/mail", web::get().to(mail_page))
        .route("/mail/{id}/send-again", web::post().to(send_again));
}

#[derive(Template)]
#[template(path = "deadlines.html", config = "src/web/askama.toml")]
struct DeadlinesPage {
    frame: Frame,
    items: Vec<DueItem>,
    total: i64,
    overdue_only: bool,
    within: u32,
}

#[derive(Deserialize)]
struct DeadlinesQuery {
    overdue: Option<bool>,
    within: Option<u32>,
}

/// 办理期限: what falls due within the next working days, and what is overdue.
async fn deadlines_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DeadlinesQuery>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    if !(may(user.role, Permission::ChaseDeadlines) || may(user.role, Permission::SeeOwnUnitDeadlines)) {
        return Err(AppError::not_found().into());
    }
    let overdue_only = query.overdue.unwrap_or(false);
    let within = query.within.unwrap_or(10).min(250);
    let q = DueQuery {
        within_working_days: Some(within),
        overdue_only: Some(overdue_only),
        unit_id: None,
        page: Some(1),
        per_page: Some(100),
    };
    let (office, workflow, now) = (state.office.clone(), state.settings.workflow.clone(), state.clock.now());
    let found = state.db.read(move |conn| due::list(conn, &user, &office, &workflow, now, &q)).await?;
    let page = DeadlinesPage {
        frame: Frame::new(&visitor, "办理期限", "/deadlines"),
        items: found.items,
        total: found.total,
        overdue_only,
        within,
    };
    render(&visitor, &page)
}

struct TimelineLine {
    seq: i64,
    at: String,
    who: String,
    what: String,
    from: String,
}

#[derive(Template)]
#[template(path = "timeline.html", config = "src/web/askama.toml")]
struct TimelinePage {
    frame: Frame,
    id: String,
    title: String,
    lines: Vec<TimelineLine>,
}

/// What an audited action is called on the timeline.
fn action_label(action: &str) -> String {
    let named = action.strip_prefix("proposal.").and_then(Action::parse).map(|a| a.label_zh().to_string());
    named.unwrap_or_else(|| match action {
        "proposal.create" => "创建草稿".into(),
        "proposal.close_rating_window" | "proposal.rating_window_closed" => "评价期满".into(),
        other => other.to_string(),
    })
}

/// 留痕: the proposal's audit trail, for the office.
async fn timeline_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    if !may(user.role, Permission::ReadAuditTrail) {
        return Err(AppError::not_found().into());
    }
    let id = ProposalId::parse(&id).ok_or_else(AppError::not_found)?;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let (p, entries) = state
        .db
        .read(move |conn| {
            let p = crate::proposals::reads::get_visible(conn, &user, &id, now, &workflow)?;
            let entries = crate::proposals::timeline::of(conn, &p.id)?;
            Ok((p, entries))
        })
        .await?;
    let lines = entries
        .into_iter()
        .map(|e| TimelineLine {
            seq: e.seq,
            at: local_time(&state, e.at),
            who: format!(
                "{}（{}）",
                e.actor_name,
                Role::parse(&e.actor_role).map(|r| r.label_zh()).unwrap_or(e.actor_role.as_str())
            ),
            what: action_label(&e.action),
            from: e.client_addr.unwrap_or_default(),
        })
        .collect();
    let page = TimelinePage {
        frame: Frame::new(&visitor, format!("{} · 办理留痕", p.title), "/proposals"),
        id: p.id,
        title: p.title,
        lines,
    };
    render(&visitor, &page)
}

struct MailLine {
    id: String,
    to: String,
    subject: String,
    error: String,
    attempts: i32,
    at: String,
}

#[derive(Template)]
#[template(path = "mail_set_aside.html", config = "src/web/askama.toml")]
struct MailPage {
    frame: Frame,
    lines: Vec<MailLine>,
    sent_again: bool,
}

#[derive(Deserialize)]
struct MailQuery {
    done: Option<bool>,
}

/// 邮件: the messages given up after their last attempt, for the office to send again.
async fn mail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<MailQuery>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    if !may(user.role, Permission::ManageMail) {
        return Err(AppError::not_found().into());
    }
    let rows = state.db.read(move |conn| outbox::set_aside(conn, &user, 200)).await?;
    let lines = rows
        .into_iter()
        .map(|r| MailLine {
            at: local_time(&state, r.created_at),
            id: r.id,
            to: r.to_address,
            subject: r.subject,
            error: r.last_error.unwrap_or_default(),
            attempts: r.attempts,
        })
        .collect();
    let page = MailPage {
        frame: Frame::new(&visitor, "发送失败的邮件", "/mail"),
        lines,
        sent_again: query.done.unwrap_or(false),
    };
    render(&visitor, &page)
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn send_again(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    id: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    visitor.check_form(&state, &form.csrf)?;
    let id = EmailId::parse(&id).ok_or_else(AppError::not_found)?;
    act(&state, user, origin, move |conn, ctx| outbox::send_again(conn, ctx, &id)).await?;
    Ok(see_other("/mail?done=true"))
}
