//! The JSON API. Handlers are thin: read the request, call one operation
//! (`crate::workflow`, `crate::admin`) in one transaction, or one read, and
//! answer. Where an operation checks the permission and the form before it
//! needs its object, an administration handler runs that check
//! (`check_update`, …) before it reads the path's id, so that a refused or
//! faulty request answers the same whatever the id.

pub mod auth;
pub mod body;
pub mod deadlines;
pub mod health;
pub mod lookups;
pub mod mail;
pub mod notices;
pub mod openapi;
pub mod proposals;
pub mod public;
pub mod query_text;
pub mod sectors;
pub mod statistics;
pub mod terms;
pub mod units;
pub mod users;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppError, ErrorKind, FieldError};
pub use crate::listing::{Page, PageQuery};

/// Mounts every API route under /api.
pub fn configure(cfg: &mut ServiceConfig) {
    // First: the router tries routes in order, matching each dynamic one with a
    // regex, and the public reads are most of all requests (a tenth of a
    // detail read's time went to trying the routes registered before it).
    public::configure(cfg);
    auth::configure(cfg);
    users::configure(cfg);
    units::configure(cfg);
    sectors::configure(cfg);
    terms::configure(cfg);
    proposals::configure(cfg);
    notices::configure(cfg);
    mail::configure(cfg);
    deadlines::configure(cfg);
    lookups::configure(cfg);
    statistics::configure(cfg);
}

/// How bodies, paths and queries that cannot be read are answered: always a
/// 4xx problem, never the framework's plain-text default.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|err, _req: &HttpRequest| json_error(err).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err: PathError, _| AppError::bad_request(format!("路径参数有误: {err}")).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err: QueryPayloadError, _| AppError::bad_request(format!("查询参数有误: {}", err)).into())
}

fn json_error(err: JsonPayloadError) -> AppError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::new(ErrorKind::PayloadTooLarge).with_detail("请求内容超过允许的大小")
        }
        JsonPayloadError::ContentType => {
            AppError::new(ErrorKind::UnsupportedMediaType).with_detail("请求内容必须是 application/json")
        }
        JsonPayloadError::Deserialize(e) => deserialize_error(&e),
        JsonPayloadError::Payload(e) => AppError::bad_request(format!("无法读取请求内容: {e}")),
        other => AppError::bad_request(format!("无法读取请求内容: {other}")),
    }
}

/// serde's message is safe to show (it names fields and positions, nothing
/// of ours); an unknown field also becomes a field error the client can point at.
pub(crate) fn deserialize_error(e: &serde_json::Error) -> AppError {
    let message = e.to_string();
    let mut error = AppError::bad_request(format!("JSON 内容有误: {message}"));
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        error.fields.push(FieldError {
            field: field.to_string(),
            code: "unknown".into(),
            message: "不认识的字段".into(),
        });
    } else if let Some(rest) = message.strip_prefix("missing field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        error.fields.push(FieldError {
            field: field.to_string(),
            code: "required".into(),
            message: "缺少此字段".into(),
        });
    }
    error
}

/// The id in a path, as the id type it names; anything else answers 404 at once.
pub fn path_of<I: crate::ids::Id>(id: web::Path<String>) -> Result<I, AppError> {
    I::parse(&id.into_inner()).ok_or_else(AppError::not_found)
}

/// Two ids in a path (a proposal and one of its parts), as the id types they name.
pub fn path_pair<A: crate::ids::Id, B: crate::ids::Id>(path: web::Path<(String, String)>) -> Result<(A, B), AppError> {
    let (a, b) = path.into_inner();
    match (A::parse(&a), B::parse(&b)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(AppError::not_found()),
    }
}
