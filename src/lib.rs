//! 提案通 / Proposal Desk: the library behind the binary, so that tests drive
//! the real router. See docs/ARCHITECTURE.md for the layout.

pub mod accounts;
pub mod acting;
pub mod admin;
pub mod api;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod bench;
pub mod calendar;
pub mod clock;
pub mod compression;
pub mod config;
pub mod db;
pub mod demo;
pub mod directory;
pub mod domain;
pub mod error;
pub mod exports;
pub mod files;
pub mod ids;
pub mod import;
pub mod listing;
pub mod logging;
pub mod mail;
pub mod memory;
pub mod notify;
pub mod proposals;
pub mod public_cache;
pub mod reminders;
pub mod request_origin;
pub mod search;
pub mod server;
pub mod state;
pub mod statistics;
pub mod timestamps;
pub mod validate;
pub mod vocabulary;
pub mod web;
pub mod workflow;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::{self as actix, Data};
use actix_web::{App, HttpMessage, HttpRequest, middleware};
use std::sync::OnceLock;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;

use utoipa_actix_web::{AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{AppError, ErrorKind};
pub use crate::state::AppState;

/// The whole application: pages, API, OpenAPI document, docs page, health checks.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let json_limit = state.settings.server.json_body_limit_bytes;
    let app = App::new()
        .app_data(Data::new(state))
        .app_data(api::json_config(json_limit))
        .app_data(api::path_config())
        .app_data(api::query_config())
        // Before the /api scope, which would otherwise answer 404 for these paths.
        .service(SwaggerUi::new("/api/docs/{_:.*}").config(utoipa_swagger_ui::Config::from(OPENAPI_PATH)))
        .route(OPENAPI_PATH, actix_web::web::get().to(openapi_json));
    mount_routes(app.into_utoipa_app())
        .into_app()
        .configure(web::configure)
        .default_service(actix::to(unknown_route))
        .wrap(middleware::from_fn(compression::compress))
        .wrap(middleware::from_fn(api::query_text::refuse_undecodable_query))
        .wrap(
            middleware::DefaultHeaders::new()
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("X-Frame-Options", "DENY"))
                .add(("Referrer-Policy", "no-referrer")),
        )
        .wrap(middleware::from_fn(echo_request_id))
        .wrap(TracingLogger::<logging::RequestSpan>::new())
}

/// Every route whose handler describes itself for the OpenAPI document.
fn mount_routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(api::health::healthz)
        .service(api::health::ping)
        .service(api::health::readyz)
        .service(utoipa_actix_web::scope("/api").configure(api::configure))
}

/// Where the OpenAPI document is served (and the docs page reads it).
const OPENAPI_PATH: &str = "/api/openapi.json";

/// The OpenAPI document, collected from the same routes the service mounts.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(collect_openapi_document).clone()
}

fn collect_openapi_document() -> utoipa::openapi::OpenApi {
    let mut document =
        mount_routes(App::new().into_utoipa_app().openapi(api::openapi::ApiDoc::openapi())).split_for_parts().1;
    api::openapi::declare_problem_answers(&mut document);
    document
}

/// GET /api/openapi.json: the document as JSON, written once per process.
/// Kept as its text only: the document itself, handed to the docs page, was
/// a copy of some 2 MB for each worker thread.
async fn openapi_json() -> Result<actix_web::HttpResponse, AppError> {
    static TEXT: OnceLock<actix_web::web::Bytes> = OnceLock::new();
    let text = match TEXT.get() {
        Some(text) => text.clone(),
        None => {
            let json = serde_json::to_vec(&collect_openapi_document())
                .map_err(|e| AppError::internal(format!("openapi document: {e}")))?;
            TEXT.get_or_init(|| json.into()).clone()
        }
    };
    Ok(actix_web::HttpResponse::Ok().content_type("application/json").body(text))
}

/// A path nobody serves: a problem for API clients, a page for people.
async fn unknown_route(req: HttpRequest) -> Result<actix_web::HttpResponse, actix_web::Error> {
    let error = AppError::new(ErrorKind::NotFound);
    if req.path() == "/api" || req.path().starts_with("/api/") {
        Err(error.into())
    } else {
        Err(web::PageError::from(error).into())
    }
}

/// Copies the request id the tracing middleware made into X-Request-Id, so a
/// user's report can be matched with the logs and the audit trail.
async fn echo_request_id(
    req: ServiceRequest,
    next: middleware::Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(id) = id
        && let Ok(value) = HeaderValue::from_str(&id)
    {
        res.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}
