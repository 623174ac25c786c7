//! The JSON API. Handlers are thin: read the request, check who may act, run
//! the change and its audit event in one transaction, answer.

pub mod auth;
pub mod body;
pub mod health;
pub mod notices;
pub mod openapi;
pub mod proposals;
pub mod public;
pub mod public_cache;
pub mod query_text;
pub mod sectors;
pub mod serde_util;
pub mod statistics;
pub mod terms;
pub mod units;
pub mod users;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppError, ErrorKind, FieldError};

/// Mounts every API route under /api.
pub fn configure(cfg: &mut ServiceConfig) {
    auth::configure(cfg);
    users::configure(cfg);
    units::configure(cfg);
    sectors::configure(cfg);
    terms::configure(cfg);
    proposals::configure(cfg);
    public::configure(cfg);
    notices::configure(cfg);
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

/// Pagination asked for in a query string.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1-based page number.
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    pub per_page: Option<i64>,
}

impl PageQuery {
    pub fn resolve(&self) -> Result<(i64, i64), AppError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(20);
        let mut check = crate::validate::Check::new();
        check.range("page", page, 1, 1_000_000).range("per_page", per_page, 1, 100);
        check.finish()?;
        Ok((page, per_page))
    }
}

/// A page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// The id in a path; anything that cannot be an id answers 404 at once.
pub fn path_id(id: web::Path<String>) -> Result<String, AppError> {
    let id = id.into_inner();
    if crate::ids::is_id(&id) { Ok(id) } else { Err(AppError::not_found()) }
}

/// The version a client last saw, sent back with a change so that a stale
/// edit is refused instead of overwriting someone else's.
pub fn check_version(sent: i32, current: i32) -> Result<(), AppError> {
    if sent == current { Ok(()) } else { Err(AppError::stale(current)) }
}
