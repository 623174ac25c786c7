//! What everybody may read without signing in: published results by session,
//! filtered and searched, and one published proposal with the public
//! versions of its replies. The same reads as /api/public, kept and served
//! alike (`PublicCache`, with an ETag and 304); the pages are the same for
//! every reader, signed in or not, so they show no one's name in the bar.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::workflow::guards::Grade;
use crate::error::AppError;
use crate::listing::Page;
use crate::proposals::public::{PublicChoice, PublicListItem, PublicProposal, PublicQuery};
use crate::proposals::public_index;
use crate::public_cache::{Fresh, Lookup};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::fields::given;
use crate::web::forms::FormErrors;
use crate::web::frame::{Frame, local_date, url_encode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/public", web::get().to(results_page)).route("/public/proposals/{id}", web::get().to(detail_page));
}

const HTML: &str = "text/html; charset=utf-8";

/// The filters as the form sends them: every field a text, empty when not chosen.
#[derive(Deserialize, Default)]
struct ResultsForm {
    session_id: Option<String>,
    sector_id: Option<String>,
    unit_id: Option<String>,
    grade: Option<String>,
    key: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

fn chosen(value: &Option<String>) -> Option<String> {
    given(value.as_deref().unwrap_or(""))
}

impl ResultsForm {
    fn query(&self) -> Result<PublicQuery, AppError> {
        let grade = match chosen(&self.grade) {
            Some(g) => {
                Some(Grade::parse(&g).ok_or_else(|| AppError::invalid_field("grade", "invalid", "没有这种答复类别"))?)
            }
            None => None,
        };
        let key = match chosen(&self.key).as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return Err(AppError::invalid_field("key", "invalid", "请选择是否重点提案")),
            None => None,
        };
        let page = match chosen(&self.page) {
            Some(p) => Some(p.parse::<i64>().map_err(|_| AppError::invalid_field("page", "invalid", "页码有误"))?),
            None => None,
        };
        Ok(PublicQuery {
            session_id: chosen(&self.session_id),
            sector_id: chosen(&self.sector_id),
            unit_id: chosen(&self.unit_id),
            grade,
            key,
            kind: None,
            q: chosen(&self.q),
            page,
            per_page: Some(20),
        })
    }

    /// The query of this search without its page, for the pager's links.
    fn without_page(&self) -> String {
        let pairs = [
            ("session_id", &self.session_id),
            ("sector_id", &self.sector_id),
            ("unit_id", &self.unit_id),
            ("grade", &self.grade),
            ("key", &self.key),
            ("q", &self.q),
        ];
        pairs.iter().filter_map(|(name, value)| chosen(value).map(|v| format!("{name}={}&", url_encode(&v)))).collect()
    }
}

struct ResultLine {
    item: PublicListItem,
    grades: String,
    units: String,
    published: String,
}

struct GradeChoice {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "public_list.html", config = "src/web/askama.toml")]
struct ResultsPage {
    frame: Frame,
    sessions: Vec<PublicChoice>,
    sectors: Vec<PublicChoice>,
    units: Vec<PublicChoice>,
    grades: Vec<GradeChoice>,
    session_id: String,
    sector_id: String,
    unit_id: String,
    grade: String,
    key: String,
    q: String,
    errors: FormErrors,
    lines: Vec<ResultLine>,
    total: i64,
    page: i64,
    pages: i64,
    pager_query: String,
}

async fn results_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Query<ResultsForm>,
) -> Result<HttpResponse, PageError> {
    let index = state.public_index.current(&state.db).await?;
    let fresh = Fresh::In(index.generation);
    let key = req.uri().to_string();
    let _turn = match state.public_cache.lookup(&req, &key, fresh).await {
        Lookup::Kept(kept) => return Ok(kept),
        Lookup::Build(turn) => turn,
    };
    let form = form.into_inner();
    let found = match form.query() {
        Ok(query) => public_index::list(&state.db, &index, &query, &state.settings.workflow).await,
        Err(e) => Err(e),
    };
    // A filter at fault is shown on the page; a failure of the database is not the reader's.
    let found = match found {
        Err(e) if !e.kind.status().is_client_error() => return Err(e.into()),
        other => other,
    };
    let (sessions, sectors, units) = (index.sessions.clone(), index.sectors.clone(), index.units.clone());
    let (found, errors) = match found {
        Ok(found) => (found, FormErrors::none()),
        Err(e) => (Page { items: Vec::new(), total: 0, page: 1, per_page: 20 }, FormErrors::of(&e)),
    };
    use strum::VariantArray;
    let refused = !errors.is_empty();
    let lines = found
        .items
        .into_iter()
        .map(|item| ResultLine {
            grades: item.grades.iter().map(|g| g.label_zh()).collect::<Vec<_>>().join("、"),
            units: item.units.join("、"),
            published: item.published_at.map(|at| local_date(&state, at)).unwrap_or_default(),
            item,
        })
        .collect();
    let page = ResultsPage {
        frame: Frame::shared("公开的办理结果", "/public"),
        sessions,
        sectors,
        units,
        grades: Grade::VARIANTS.iter().map(|g| GradeChoice { value: g.as_str(), label: g.label_zh() }).collect(),
        session_id: chosen(&form.session_id).unwrap_or_default(),
        sector_id: chosen(&form.sector_id).unwrap_or_default(),
        unit_id: chosen(&form.unit_id).unwrap_or_default(),
        grade: chosen(&form.grade).unwrap_or_default(),
        key: chosen(&form.key).unwrap_or_default(),
        q: chosen(&form.q).unwrap_or_default(),
        errors,
        lines,
        total: found.total,
        page: found.page,
        pages: (found.total + found.per_page - 1) / found.per_page.max(1),
        pager_query: form.without_page(),
    };
    let html = page.render().map_err(|e| AppError::internal(format!("template: {e}")))?;
    if refused {
        return Ok(HttpResponse::UnprocessableEntity().content_type(HTML).body(html));
    }
    Ok(state.public_cache.put_as(&req, key, html.into(), HTML, fresh))
}

struct PublicReplyLine {
    unit: String,
    grade: Option<&'static str>,
    body: String,
    submitted: Option<String>,
}

#[derive(Template)]
#[template(path = "public_detail.html", config = "src/web/askama.toml")]
struct DetailPage {
    frame: Frame,
    p: PublicProposal,
    published: Option<String>,
    replies: Vec<PublicReplyLine>,
}

async fn detail_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let index = state.public_index.current(&state.db).await?;
    let since = index.since_of(&id).unwrap_or(index.generation);
    let fresh = Fresh::Since { since, now: index.generation };
    let key = detail_key(&id);
    let _turn = match state.public_cache.lookup(&req, &key, fresh).await {
        Lookup::Kept(kept) => return Ok(kept),
        Lookup::Build(turn) => turn,
    };
    let p = public_index::published(&state.db, &index, &id, &state.settings.workflow).await?;
    Ok(state.public_cache.put_as(&req, key, detail_html(&state, p)?.into(), HTML, fresh))
}

/// Keeps `p`'s page as its first reader would (the key is the path
/// [`detail_page`] answers), if the kept answers have room: for the warm-up
/// at start. Whether it was kept.
pub fn keep_detail_page(state: &AppState, p: PublicProposal, fresh: Fresh) -> Result<bool, AppError> {
    let key = detail_key(&p.id);
    Ok(state.public_cache.keep_if_room(key, detail_html(state, p)?.into(), HTML, fresh))
}

/// The key of one published proposal's page: its path.
fn detail_key(id: &str) -> String {
    format!("/public/proposals/{id}")
}

/// One published proposal's page: the same for every reader.
fn detail_html(state: &AppState, p: PublicProposal) -> Result<String, AppError> {
    let replies = p
        .replies
        .iter()
        .map(|r| PublicReplyLine {
            unit: r.unit_name.clone(),
            grade: r.grade.map(|g| g.label_zh()),
            body: r.public_body.clone(),
            submitted: r.submitted_at.map(|at| local_date(state, at)),
        })
        .collect();
    let page = DetailPage {
        frame: Frame::shared(p.title.clone(), "/public"),
        published: p.published_at.map(|at| local_date(state, at)),
        replies,
        p,
    };
    page.render().map_err(|e| AppError::internal(format!("template: {e}")))
}
