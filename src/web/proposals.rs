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
use crate::proposals::public::PublicChoice;
use crate::proposals::reads::{self, ProposalQuery};
use crate::proposals::view::ProposalListItem;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::fields::{Fields, given};
use crate::web::forms::{FormErrors, is_for_the_form};
use crate::web::frame::{Frame, render};
use crate::web::session::Visitor;
use crate::workflow::drafting::{self, CreateProposalRequest};
use crate::workflow::perform;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals", web::get().to(list_page))
        .route("/proposals/new", web::get().to(new_page))
        .route("/proposals/new", web::post().to(new_form))
        .route("/proposals/saved", web::post().to(save_search))
        .route("/proposals/saved/{id}/remove", web::post().to(remove_search))
        .route("/proposals/{id}", web::get().to(detail_page));
}

pub use crate::web::proposal_page::{Failure, show};

#[derive(Deserialize)]
struct DetailQuery {
    done: Option<String>,
    /// The co-signer search of a draft's invitation form.
    #[serde(flatten)]
    cosigner: crate::web::proposal_page::CosignerSearch,
}

async fn detail_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<String>,
    query: web::Query<DetailQuery>,
) -> Result<HttpResponse, PageError> {
    let id = ProposalId::parse(&id).ok_or_else(crate::error::AppError::not_found)?;
    let query = query.into_inner();
    crate::web::proposal_page::show_with(&state, &visitor, id, None, query.done, query.cosigner).await
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
    may_start: bool,
    /// The office searches by every filter; others by words and state.
    office: bool,
    form: ListForm,
    sessions: Vec<PublicChoice>,
    sectors: Vec<PublicChoice>,
    units: Vec<PublicChoice>,
    leaders: Vec<DirectoryEntry>,
    kinds: Vec<crate::config::KindWording>,
    errors: FormErrors,
    pager_query: String,
    saved: Vec<crate::proposals::saved::SavedSearch>,
    saved_now: bool,
}

/// The search form as sent: every field a text, blank when not chosen.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct ListForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    session_id: String,
    #[serde(default)]
    sector_id: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    leader_id: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    pending_request: String,
    #[serde(default)]
    unsatisfied: String,
    page: Option<String>,
    /// Just saved this search (the page says so).
    saved: Option<String>,
}

impl ListForm {
    pub(crate) fn query(&self) -> Result<ProposalQuery, crate::error::AppError> {
        use crate::error::AppError;
        let state = match given(&self.state) {
            Some(s) => Some(
                ProposalState::parse(&s).ok_or_else(|| AppError::invalid_field("state", "invalid", "没有这种状态"))?,
            ),
            None => None,
        };
        let key = match self.key.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        let page = match self.page.as_deref().and_then(given) {
            Some(p) => Some(p.parse().map_err(|_| AppError::invalid_field("page", "invalid", "页码有误"))?),
            None => None,
        };
        Ok(ProposalQuery {
            state,
            kind: given(&self.kind),
            q: given(&self.q),
            session_id: given(&self.session_id),
            sector_id: given(&self.sector_id),
            unit_id: given(&self.unit_id),
            key,
            leader_id: given(&self.leader_id),
            overdue: (self.overdue == "true").then_some(true),
            pending_request: (self.pending_request == "true").then_some(true),
            unsatisfied: (self.unsatisfied == "true").then_some(true),
            page,
            per_page: Some(20),
        })
    }

    fn without_page(&self) -> String {
        let pairs = [
            ("q", &self.q),
            ("state", &self.state),
            ("kind", &self.kind),
            ("session_id", &self.session_id),
            ("sector_id", &self.sector_id),
            ("unit_id", &self.unit_id),
            ("key", &self.key),
            ("leader_id", &self.leader_id),
            ("overdue", &self.overdue),
            ("pending_request", &self.pending_request),
            ("unsatisfied", &self.unsatisfied),
        ];
        pairs
            .iter()
            .filter_map(|(name, value)| given(value).map(|v| format!("{name}={}&", crate::web::frame::url_encode(&v))))
            .collect()
    }
}

async fn list_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Query<ListForm>,
) -> Result<HttpResponse, PageError> {
    use strum::VariantArray;
    let user = visitor.require()?.clone();
    let form = form.into_inner();
    let office = user.role == crate::domain::Role::Office;
    let (now, workflow) = (state.clock.now(), state.settings.workflow.clone());
    let query = form.query();
    let reader = user.clone();
    let (found, lists, saved) = state
        .db
        .read(move |conn| {
            let saved = crate::proposals::saved::list(conn, &reader)?;
            // A filter at fault is shown on the page; a failure of the database is not the reader's.
            let found = match query.and_then(|q| reads::list_visible(conn, &reader, q, now, &workflow)) {
                Err(e) if !e.kind.status().is_client_error() => return Err(e),
                other => other,
            };
            let lists = if office {
                let leaders = DirectoryQuery { role: Some(crate::domain::Role::Leader), ..Default::default() };
                Some((
                    crate::proposals::public::sessions(conn)?,
                    crate::proposals::public::sectors(conn)?,
                    crate::proposals::public::units(conn)?,
                    directory::find(conn, &reader, &leaders)?,
                ))
            } else {
                None
            };
            Ok((found, lists, saved))
        })
        .await?;
    let (found, errors) = match found {
        Ok(found) => (found, FormErrors::none()),
        Err(e) => (crate::listing::Page { items: Vec::new(), total: 0, page: 1, per_page: 20 }, FormErrors::of(&e)),
    };
    let refused = !errors.is_empty();
    let (sessions, sectors, units, leaders) = lists.unwrap_or_default();
    let states =
        ProposalState::VARIANTS.iter().map(|s| StateChoice { value: s.as_str(), label: s.label_zh() }).collect();
    let page = ListPage {
        frame: Frame::new(&visitor, list_title(user.role), "/proposals"),
        pages: (found.total + found.per_page - 1) / found.per_page.max(1),
        items: found.items,
        total: found.total,
        page: found.page,
        states,
        may_start: crate::domain::may(user.role, crate::domain::Permission::StartProposal),
        office,
        pager_query: form.without_page(),
        saved_now: form.saved.is_some(),
        saved,
        form,
        sessions,
        sectors,
        units,
        leaders,
        kinds: state.settings.workflow.kinds.clone(),
        errors,
    };
    let mut answer = render(&visitor, &page)?;
    if refused {
        *answer.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(answer)
}

/// What the proposals list is called for a role (the bar's link says the same).
pub fn list_title(role: crate::domain::Role) -> &'static str {
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

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

/// 保存查询: keeps the list's current query under a name.
async fn save_search(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: crate::audit::Origin,
    form: web::Form<SaveForm>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let form = form.into_inner();
    visitor.check_form(&state, &form.csrf)?;
    let name = if form.name.trim().is_empty() { "未命名查询".to_string() } else { form.name };
    let query = form.query;
    let kept = query.clone();
    crate::acting::act(&state, user, origin, move |conn, ctx| crate::proposals::saved::save(conn, ctx, &name, &query))
        .await?;
    Ok(crate::web::frame::see_other(&format!("/proposals?{kept}saved=true")))
}

async fn remove_search(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: crate::audit::Origin,
    id: web::Path<String>,
    form: web::Form<SaveForm>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    visitor.check_form(&state, &form.csrf)?;
    let id = id.into_inner();
    crate::acting::act(&state, user, origin, move |conn, ctx| crate::proposals::saved::remove(conn, ctx, &id)).await?;
    Ok(crate::web::frame::see_other("/proposals"))
}
