//! 开放数据: each session's published proposals and the public versions of
//! their replies as CSV and JSON, described by a Frictionless data package
//! (docs/statistics.md, "Open data"). For everybody, no sign-in; streamed.

use std::io::Write;

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::AppError;
use crate::exports::open_data;
use crate::proposals::open_data::for_each_chunk;
use crate::proposals::public::{Choices, PublicChoice};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::frame::Frame;
use crate::web::stream::{self, abandoned};

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
    let (session_id, file) = path.into_inner();
    let sessions = state.db.read(|conn| crate::proposals::public::choices(conn, Choices::Sessions)).await?;
    let session = sessions.into_iter().find(|s| s.id == session_id).ok_or_else(AppError::not_found)?;
    let workflow = state.settings.workflow.clone();
    let id = session.id.clone();
    let answer = match file.as_str() {
        "proposals.csv" | "replies.csv" => {
            let proposals = file == "proposals.csv";
            let name = format!("{}-{}", session.name, if proposals { "已公开提案.csv" } else { "答复公开稿.csv" });
            stream::file(&state, "text/csv; charset=utf-8", (&name, &file), move |conn, out, _| {
                let head = if proposals { open_data::proposals_head() } else { open_data::replies_head() };
                out.write_all(head.as_bytes()).map_err(abandoned)?;
                for_each_chunk(conn, &id, &workflow, |records| {
                    let lines =
                        if proposals { open_data::proposal_lines(&records) } else { open_data::reply_lines(&records) };
                    out.write_all(lines.as_bytes()).map_err(abandoned)
                })
            })
        }
        "proposals.json" => {
            let name = format!("{}-已公开提案.json", session.name);
            stream::file(&state, "application/json", (&name, &file), move |conn, out, _| {
                out.write_all(b"[").map_err(abandoned)?;
                let mut first = true;
                for_each_chunk(conn, &id, &workflow, |records| {
                    for r in &records {
                        if !first {
                            out.write_all(b",").map_err(abandoned)?;
                        }
                        first = false;
                        serde_json::to_writer(&mut *out, r).map_err(|e| AppError::internal(format!("json: {e}")))?;
                    }
                    Ok(())
                })?;
                out.write_all(b"]").map_err(abandoned)
            })
        }
        _ => return Err(AppError::not_found().into()),
    };
    Ok(answer)
}
