//! 开放数据: each session's published proposals and the public versions of
//! their replies as CSV and JSON, described by a Frictionless data package
//! (docs/statistics.md, "Open data"). For everybody, no sign-in; streamed.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::AppError;
use crate::exports::open_data::{self, File};
use crate::proposals::public::{Choices, PublicChoice};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::frame::Frame;
use crate::web::stream;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/public/open-data", web::get().to(open_data_page))
        .route("/public/open-data/datapackage.json", web::get().to(datapackage))
        .route("/public/open-data/{session_id}/{file}", web::get().to(session_file));
}

#[derive(Template)]
#[template(path = "open_data.html", config = "src/web/askama.toml")]
struct OpenDataPage {
    frame: Frame,
    sessions: Vec<PublicChoice>,
}

async fn open_data_page(state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let sessions = state.db.read(|conn| crate::proposals::public::choices(conn, Choices::Sessions)).await?;
    let page = OpenDataPage { frame: Frame::shared("开放数据", "/public"), sessions };
    let html = page.render().map_err(|e| AppError::internal(format!("template: {e}")))?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}

async fn datapackage(state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let sessions = state.db.read(|conn| crate::proposals::public::choices(conn, Choices::Sessions)).await?;
    let pairs: Vec<(String, String)> = sessions.into_iter().map(|s| (s.id, s.name)).collect();
    let base = state.settings.server.public_url.trim_end_matches('/').to_string();
    let package = open_data::datapackage("政协提案办理结果开放数据", &base, &pairs);
    Ok(HttpResponse::Ok().content_type("application/json").body(package.to_string()))
}

async fn session_file(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (session_id, name) = path.into_inner();
    let file = File::named(&name).ok_or_else(AppError::not_found)?;
    let sessions = state.db.read(|conn| crate::proposals::public::choices(conn, Choices::Sessions)).await?;
    let session = sessions.into_iter().find(|s| s.id == session_id).ok_or_else(AppError::not_found)?;
    let saved_as = format!("{}-{}", session.name, file.title());
    let writer = open_data::writer(file, session.id, state.settings.workflow.clone());
    Ok(stream::file(&state, file.content_type(), (&saved_as, &name), writer))
}
