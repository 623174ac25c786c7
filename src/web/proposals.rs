//! The proposals a signed-in person may see (their own, their unit's, all
//! for the office, a leader's key proposals) and one proposal with its
//! stages, deadlines, units, replies and ratings: the same reads as
//! GET /api/proposals and GET /api/proposals/{id}.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::directory::{self, DirectoryEntry, DirectoryQuery};
use crate::domain::workflow::ProposalState;
use crate::ids::ProposalId;
use crate::proposals::reads::{self, ProposalQuery};
use crate::proposals::view::ProposalListItem;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::fields::Fields;
use crate::web::forms::{FormErrors, is_for_the_form};
use crate::web::frame::{Frame, render};
use crate::web::session::Visitor;
use crate::workflow::drafting::{self, CreateProposalRequest};
use crate::workflow::perform;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals", web::get().to(list_page))
        .route("/proposals/new", web::get().to(new_page))
        .route("/proposals/new", web::post().to(new_form))
        .route("/proposals/{id}", web::get().to(detail_page));
}

pub use crate::web::proposal_page::{Failure, show};

#[derive(Deserialize)]
struct DetailQuery {
    done: Option<String>,
    /// The co-signer search of a draft's invitation form.
    cosigner_q: Option<String>,
}

async fn detail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<String>,
    query: web::Query<DetailQuery>,
) -> Result<HttpResponse, PageError> {
    let id = ProposalId::parse(&id).ok_or_else(crate::error::AppError::not_found)?;
    let query = query.into_inner();
    crate::web::proposal_page::show_with(&state, &visitor, id, None, query.done, query.cosigner_q).await
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
    may_start: bool,
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
        may_start: visitor
            .user
            .as_ref()
            .is_some_and(|u| crate::domain::may(u.role, crate::domain::Permission::StartProposal)),
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

#[derive(Template)]
#[template(path = "proposal_new.html", config = "src/web/askama.toml")]
struct NewPage {
    frame: Frame,
    office: bool,
    topics: Vec<String>,
    errors: FormErrors,
    kept: std::collections::BTreeMap<String, String>,
    proposer_q: String,
    members: Vec<DirectoryEntry>,
}

impl NewPage {
    fn value(&self, field: &str) -> &str {
        self.kept.get(field).map(String::as_str).unwrap_or("")
    }

    fn attrs(&self, field: &str) -> String {
        match self.errors.get(field) {
            Some(_) => format!(" aria-invalid=\"true\" aria-describedby=\"{field}-error\""),
            None => String::new(),
        }
    }
}

#[derive(Deserialize)]
struct NewQuery {
    proposer_q: Option<String>,
}

/// 撰写提案: a member's own draft; the office enters one for a member or a collective (代录入).
async fn new_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, PageError> {
    let q = query.into_inner().proposer_q.unwrap_or_default();
    new_page_for(&state, &visitor, FormErrors::none(), Default::default(), q).await
}

async fn new_page_for(
    state: &AppState,
    visitor: &Visitor,
    errors: FormErrors,
    kept: std::collections::BTreeMap<String, String>,
    proposer_q: String,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    if !crate::domain::may(user.role, crate::domain::Permission::StartProposal) {
        return Err(crate::error::AppError::not_found().into());
    }
    let office = user.role == crate::domain::Role::Office;
    let q = proposer_q.clone();
    let members = if office {
        state
            .db
            .read(move |conn| {
                let query =
                    DirectoryQuery { q: Some(q), role: Some(crate::domain::Role::Member), ..Default::default() };
                directory::find(conn, &user, &query)
            })
            .await?
    } else {
        Vec::new()
    };
    let page = NewPage {
        frame: Frame::new(visitor, "撰写提案", "/proposals"),
        office,
        topics: state.settings.workflow.topics.clone(),
        errors,
        kept,
        proposer_q,
        members,
    };
    render(visitor, &page)
}

async fn new_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: crate::audit::Origin,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let f = Fields::new(form.into_inner());
    visitor.check_form(&state, &f.text("csrf"))?;
    let office = user.role == crate::domain::Role::Office;
    let body = CreateProposalRequest {
        kind: f.optional("kind"),
        title: f.text("title"),
        reasons: f.text("reasons"),
        suggestions: f.text("suggestions"),
        topic: f.text("topic"),
        submitter_type: if office { f.optional("submitter_type") } else { None },
        submitter_name: if office { f.optional("submitter_name") } else { None },
        proposer_id: if office { f.optional("proposer_id") } else { None },
    };
    match perform(&state, user, origin, move |conn, ctx| drafting::create(conn, ctx, body)).await {
        Ok(view) => Ok(crate::web::frame::see_other(&format!("/proposals/{}?done=edit_draft", view.id))),
        Err(e) if is_for_the_form(&e) => {
            let status = e.kind.status();
            let mut answer = new_page_for(&state, &visitor, FormErrors::of(&e), f.kept(), f.text("proposer_q")).await?;
            *answer.status_mut() = status;
            Ok(answer)
        }
        Err(e) => Err(e.into()),
    }
}
