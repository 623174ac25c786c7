//! The proposals a signed-in person may see (their own, their unit's, all
//! for the office, a leader's key proposals) and one proposal with its
//! stages, deadlines, units, replies and ratings: the same reads as
//! GET /api/proposals and GET /api/proposals/{id}.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::workflow::{AssignmentState, ProposalState};
use crate::ids::ProposalId;
use crate::proposals::reads::{self, ProposalQuery};
use crate::proposals::view::{ProposalListItem, ProposalView};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::frame::{Frame, local_date, local_time, render};
use crate::web::session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals", web::get().to(list_page)).route("/proposals/{id}", web::get().to(detail_page));
}

struct StateChoice {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "proposals.html", config = "src/web/askama.toml")]
struct ListPage {
    frame: Frame,
    items: Vec<ProposalListItem>,
    total: i64,
    page: i64,
    pages: i64,
    states: Vec<StateChoice>,
    chosen: String,
}

#[derive(Deserialize)]
struct ListQuery {
    state: Option<String>,
    page: Option<i64>,
}

async fn list_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    use strum::VariantArray;
    let user = visitor.require()?.clone();
    let chosen = query.state.clone().filter(|s| !s.is_empty()).unwrap_or_default();
    let wanted = if chosen.is_empty() {
        None
    } else {
        Some(ProposalState::parse(&chosen).ok_or_else(|| crate::error::AppError::bad_request("没有这种状态"))?)
    };
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let query = ProposalQuery { state: wanted, kind: None, page: query.page, per_page: Some(20) };
    let found = state.db.read(move |conn| reads::list_visible(conn, &user, query, now, &workflow)).await?;
    let states =
        ProposalState::VARIANTS.iter().map(|s| StateChoice { value: s.as_str(), label: s.label_zh() }).collect();
    let title = visitor.user.as_ref().map(|u| list_title(u.role)).unwrap_or("提案");
    let page = ListPage {
        frame: Frame::new(&visitor, title, "/proposals"),
        pages: (found.total + found.per_page - 1) / found.per_page.max(1),
        items: found.items,
        total: found.total,
        page: found.page,
        states,
        chosen,
    };
    render(&visitor, &page)
}

fn list_title(role: crate::domain::Role) -> &'static str {
    use crate::domain::Role;
    match role {
        Role::Member => "我的提案",
        Role::UnitStaff | Role::UnitHead => "承办提案",
        Role::Leader => "重点提案",
        Role::Office | Role::Admin => "全部提案",
    }
}

struct UnitLine {
    name: String,
    part: &'static str,
    state: &'static str,
    due: String,
    overdue: bool,
    provisional: bool,
}

struct ReplyLine {
    unit: String,
    grade: Option<&'static str>,
    body: String,
    submitted: Option<String>,
}

struct RatingLine {
    process: &'static str,
    result: &'static str,
    comment: Option<String>,
    at: String,
}

struct CommitmentLine {
    description: String,
    target: String,
    fulfilled: bool,
}

struct Stage {
    label: &'static str,
    at: String,
}

#[derive(Template)]
#[template(path = "proposal.html", config = "src/web/askama.toml")]
struct DetailPage {
    frame: Frame,
    p: ProposalView,
    key_mode: Option<&'static str>,
    stages: Vec<Stage>,
    units: Vec<UnitLine>,
    replies: Vec<ReplyLine>,
    ratings: Vec<RatingLine>,
    commitments: Vec<CommitmentLine>,
    cosigners_confirmed: usize,
    rating_due: Option<String>,
}

async fn detail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let id = ProposalId::parse(&id).ok_or_else(crate::error::AppError::not_found)?;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let p = state.db.read(move |conn| reads::get_visible(conn, &user, &id, now, &workflow)).await?;
    let moments = [
        ("提交", p.submitted_at),
        ("立案", p.filed_at),
        ("答复", p.replied_at),
        ("办结", p.closed_at),
        ("公开", p.published_at),
    ];
    let stages = moments
        .into_iter()
        .filter_map(|(label, at)| at.map(|at| Stage { label, at: local_time(&state, at) }))
        .collect();
    let unit_of: HashMap<&str, &str> =
        p.assignments.iter().map(|a| (a.assignment.id.as_str(), a.unit_name.as_str())).collect();
    let units = p
        .assignments
        .iter()
        .map(|a| {
            let open = matches!(a.assignment.state, AssignmentState::Assigned | AssignmentState::Received);
            UnitLine {
                name: a.unit_name.clone(),
                part: a.assignment.unit_role.label_zh(),
                state: a.assignment.state.label_zh(),
                due: local_date(&state, a.assignment.due_at),
                overdue: open && a.assignment.due_at < now,
                provisional: a.provisional,
            }
        })
        .collect();
    let replies = p
        .replies
        .iter()
        .map(|r| ReplyLine {
            unit: unit_of.get(r.assignment_id.as_str()).copied().unwrap_or_default().to_string(),
            grade: r.grade.map(|g| g.label_zh()),
            body: r.body.clone(),
            submitted: r.submitted_at.map(|at| local_date(&state, at)),
        })
        .collect();
    let ratings = p
        .ratings
        .iter()
        .map(|r| RatingLine {
            process: r.process_rating.label_zh(),
            result: r.result_rating.label_zh(),
            comment: r.comment.clone(),
            at: local_date(&state, r.rated_at),
        })
        .collect();
    let commitments = p
        .commitments
        .iter()
        .map(|c| CommitmentLine {
            description: c.description.clone(),
            target: c.target_date.to_string(),
            fulfilled: c.fulfilled_at.is_some(),
        })
        .collect();
    let cosigners_confirmed =
        p.cosigners.iter().filter(|c| c.status == crate::domain::workflow::CosignerStatus::Confirmed).count();
    let rating_due = p.rating_due_at.filter(|_| p.state == ProposalState::Replied).map(|at| local_date(&state, at));
    let page = DetailPage {
        frame: Frame::new(&visitor, p.title.clone(), "/proposals"),
        key_mode: p.key_mode.map(|m| m.label_zh()),
        stages,
        units,
        replies,
        ratings,
        commitments,
        cosigners_confirmed,
        rating_due,
        p,
    };
    render(&visitor, &page)
}
