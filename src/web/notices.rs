//! 通知: one's notices, newest first, each marked read when followed.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::acting::act;
use crate::audit::Origin;
use crate::ids::NoticeId;
use crate::notify::inbox::{self, NoticeQuery};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::frame::{Frame, local_time, render, see_other};
use crate::web::session::Visitor;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/notices", web::get().to(notices_page)).route("/notices/{id}/read", web::post().to(read_notice));
}

struct NoticeLine {
    id: String,
    proposal_id: String,
    subject: String,
    body: String,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notices.html", config = "src/web/askama.toml")]
struct NoticesPage {
    frame: Frame,
    notices: Vec<NoticeLine>,
    unread: i64,
    only_unread: bool,
    page: i64,
    pages: i64,
}

#[derive(Deserialize)]
struct NoticesQuery {
    unread: Option<bool>,
    page: Option<i64>,
}

async fn notices_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<NoticesQuery>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    let only_unread = query.unread.unwrap_or(false);
    let query = NoticeQuery { unread: Some(only_unread), page: query.page, per_page: Some(20) };
    let found = state.db.read(move |conn| inbox::list(conn, &user, &query)).await?;
    let notices = found
        .items
        .into_iter()
        .map(|n| NoticeLine {
            at: local_time(&state, n.created_at),
            unread: n.read_at.is_none(),
            id: n.id,
            proposal_id: n.proposal_id,
            subject: n.subject,
            body: n.body,
        })
        .collect();
    let page = NoticesPage {
        frame: Frame::new(&visitor, "我的通知", "/notices"),
        notices,
        unread: found.unread,
        only_unread,
        page: found.page,
        pages: (found.total + found.per_page - 1) / found.per_page.max(1),
    };
    render(&visitor, &page)
}

#[derive(Deserialize)]
struct ReadForm {
    #[serde(default)]
    csrf: String,
}

/// Marks the notice read and opens its proposal.
async fn read_notice(
    state: web::Data<AppState>,
    visitor: Visitor,
    origin: Origin,
    id: web::Path<String>,
    form: web::Form<ReadForm>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.require()?.clone();
    visitor.check_form(&state, &form.csrf)?;
    let id = NoticeId::parse(&id).ok_or_else(crate::error::AppError::not_found)?;
    let notice =
        act(&state, user, origin, move |conn, ctx| inbox::mark_read(conn, ctx.user, ctx.origin, &id, ctx.now)).await?;
    Ok(see_other(&format!("/proposals/{}", notice.proposal_id)))
}
