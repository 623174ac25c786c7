//! The one error type of the service.
//!
//! Layers: `domain` returns its own small error enums (pure, no HTTP);
//! everything at the edges (API handlers, database helpers, auth) returns
//! [`AppError`], which answers as `application/problem+json` (RFC 9457) with a
//! stable `type`, a Chinese `title` and an English `title_en`. The cause of an
//! internal error is logged with the request and never sent to the client.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value};

/// What went wrong, in a form clients can rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum ErrorKind {
    /// The request could not be read: malformed JSON, wrong types, unknown fields.
    BadRequest,
    /// The request was read but some fields are not acceptable.
    Validation,
    Unauthorized,
    Forbidden,
    NotFound,
    /// The object already exists (a unique name or code is taken).
    AlreadyExists,
    /// Someone else changed the object first (optimistic version check).
    StaleVersion,
    /// The action is not allowed in the object's current state (the workflow's 409).
    InvalidTransition,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [ErrorKind] = <ErrorKind as strum::VariantArray>::VARIANTS;

    /// The stable, machine-readable identifier (the last part of `type`).
    pub fn slug(self) -> &'static str {
        self.into()
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::AlreadyExists | ErrorKind::StaleVersion | ErrorKind::InvalidTransition => StatusCode::CONFLICT,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// (Chinese title, English title).
    pub fn titles(self) -> (&'static str, &'static str) {
        match self {
            ErrorKind::BadRequest => ("请求格式有误", "Malformed request"),
            ErrorKind::Validation => ("输入内容有误", "Invalid input"),
            ErrorKind::Unauthorized => ("请先登录", "Authentication required"),
            ErrorKind::Forbidden => ("无权进行此操作", "Not permitted"),
            ErrorKind::NotFound => ("未找到", "Not found"),
            ErrorKind::AlreadyExists => ("已存在", "Already exists"),
            ErrorKind::StaleVersion => ("内容已被他人修改，请刷新后重试", "Changed by someone else"),
            ErrorKind::InvalidTransition => ("当前状态下不能进行此操作", "Not allowed in the current state"),
            ErrorKind::PayloadTooLarge => ("请求内容过大", "Payload too large"),
            ErrorKind::UnsupportedMediaType => ("不支持的内容类型", "Unsupported media type"),
            ErrorKind::TooManyRequests => ("尝试次数过多，请稍后再试", "Too many requests"),
            ErrorKind::Unavailable => ("服务暂不可用", "Service unavailable"),
            ErrorKind::Internal => ("系统内部错误", "Internal error"),
        }
    }
}

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name as sent by the client (JSON path for nested fields).
    pub field: String,
    /// A stable code: `required`, `too_short`, `too_long`, `invalid`, `unknown`...
    pub code: String,
    /// What is wrong, for people (Chinese).
    pub message: String,
}

/// The problem document every error answers with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub title_en: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extra members that depend on the kind (e.g. the current state and the
    /// allowed actions of a refused transition).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
}

#[derive(Debug)]
pub struct AppError {
    pub kind: ErrorKind,
    /// Safe to show to the client.
    pub detail: Option<String>,
    pub fields: Vec<FieldError>,
    pub extra: Map<String, Value>,
    /// Logged, never sent.
    pub cause: Option<String>,
    pub retry_after_seconds: Option<u64>,
}

impl AppError {
    pub fn new(kind: ErrorKind) -> Self {
        AppError { kind, detail: None, fields: Vec::new(), extra: Map::new(), cause: None, retry_after_seconds: None }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest).with_detail(detail)
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized).with_detail(detail)
    }
    pub fn forbidden() -> Self {
        Self::new(ErrorKind::Forbidden)
    }
    pub fn not_found() -> Self {
        Self::new(ErrorKind::NotFound)
    }
    pub fn already_exists(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::AlreadyExists).with_detail(detail)
    }
    pub fn stale(current_version: i32) -> Self {
        Self::new(ErrorKind::StaleVersion).with_extra("current_version", Value::from(current_version))
    }
    pub fn too_many_requests(retry_after_seconds: u64) -> Self {
        let mut e = Self::new(ErrorKind::TooManyRequests);
        e.retry_after_seconds = Some(retry_after_seconds);
        e
    }
    pub fn validation(fields: Vec<FieldError>) -> Self {
        let mut e = Self::new(ErrorKind::Validation);
        e.fields = fields;
        e
    }
    /// A single-field validation error.
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError { field: field.into(), code: code.into(), message: message.into() }])
    }
    pub fn unavailable(cause: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Unavailable);
        e.cause = Some(cause.into());
        e
    }
    pub fn internal(cause: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Internal);
        e.cause = Some(cause.into());
        e
    }

    pub fn problem(&self) -> Problem {
        let (title, title_en) = self.kind.titles();
        Problem {
            type_: format!("/problems/{}", self.kind.slug()),
            title: title.to_string(),
            title_en: title_en.to_string(),
            status: self.kind.status().as_u16(),
            detail: self.detail.clone(),
            errors: self.fields.clone(),
            extra: self.extra.clone(),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.slug())?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        if let Some(c) = &self.cause {
            write!(f, " (cause: {c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.kind.status().is_server_error() {
            tracing::error!(kind = self.kind.slug(), cause = self.cause.as_deref().unwrap_or(""), "request failed");
        }
        let mut response = HttpResponse::build(self.kind.status());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.kind == ErrorKind::Unauthorized {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_else(|_| "{}".to_string()))
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::not_found(),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                let mut err = AppError::new(ErrorKind::AlreadyExists);
                err.cause = Some(e.to_string());
                err
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                // Two writers met; the client may simply retry.
                let mut err = AppError::new(ErrorKind::StaleVersion);
                err.cause = Some(e.to_string());
                err
            }
            // Text the database cannot store (e.g. a NUL byte on PostgreSQL)
            // is the client's input at fault: a safety net behind the field checks.
            Error::DatabaseError(_, ref info) if info.message().contains("invalid byte sequence") => {
                let mut err = AppError::bad_request("请求内容包含无法保存的字符");
                err.cause = Some(e.to_string());
                err
            }
            other => AppError::internal(format!("database: {other}")),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::unavailable(format!("pool: {e}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::internal(format!("json: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_distinct_type_and_both_titles() {
        let mut slugs = std::collections::HashSet::new();
        for kind in ErrorKind::ALL.iter().copied() {
            assert!(slugs.insert(kind.slug()), "duplicate slug {}", kind.slug());
            let (zh, en) = kind.titles();
            assert!(!zh.is_empty() && !en.is_empty());
            assert!(kind.status().is_client_error() || kind.status().is_server_error());
        }
    }

    #[test]
    fn internal_errors_never_carry_the_cause_to_the_client() {
        let e = AppError::internal("SELECT * FROM users at /src/db.rs:12");
        let body = serde_json::to_string(&e.problem()).unwrap();
        assert!(!body.contains("SELECT") && !body.contains("src/"), "{body}");
    }

    /// Every kind is produced somewhere: an unused kind is a promise to
    /// clients (a documented `type`) that nothing keeps. A kind counts as
    /// produced where the code outside this file names it (`ErrorKind::X`) or
    /// calls a constructor of this file that makes it (`AppError::not_found()`),
    /// or where a conversion of another error here makes it (reached by `?`).
    #[test]
    fn every_kind_is_produced_somewhere() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let own = std::fs::read_to_string(root.join("error.rs")).expect("error.rs");
        let own = own.split("#[cfg(test)]").next().unwrap_or(&own);
        // Constructors: `pub fn name(..) -> Self {` up to the closing brace of its body.
        let mut constructors: Vec<(String, String)> = Vec::new();
        for part in own.split("    pub fn ").skip(1) {
            let Some((name, rest)) = part.split_once('(') else { continue };
            let body = rest.split("\n    }\n").next().unwrap_or(rest);
            if !body.contains("-> Self") {
                continue;
            }
            if let Some(kind) = body.split("ErrorKind::").nth(1) {
                let kind: String = kind.chars().take_while(|c| c.is_alphanumeric()).collect();
                constructors.push((name.to_string(), kind));
            } else if let Some(other) = body.split("Self::").nth(1) {
                let other: String = other.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                constructors.push((name.to_string(), format!("via:{other}")));
            }
        }
        let resolve = |kind: &str| -> String {
            let mut kind = kind.to_string();
            while let Some(other) = kind.strip_prefix("via:") {
                kind = constructors.iter().find(|(n, _)| n == other).map(|(_, k)| k.clone()).unwrap_or_default();
            }
            kind
        };
        let conversions: String = own.split("impl From<").skip(1).collect::<Vec<_>>().join("\n");
        let mut elsewhere = String::new();
        let mut pending = vec![root.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).expect("src/ is readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") && path != root.join("error.rs") {
                    elsewhere.push_str(&std::fs::read_to_string(&path).expect("a source file"));
                }
            }
        }
        for kind in ErrorKind::ALL {
            let name = format!("{kind:?}");
            let named = format!("ErrorKind::{name}");
            let produced = elsewhere.contains(&named)
                || conversions.contains(&named)
                || constructors
                    .iter()
                    .filter(|(_, k)| resolve(k) == name)
                    .any(|(n, _)| elsewhere.contains(&format!("AppError::{n}(")));
            assert!(produced, "ErrorKind::{name} is produced nowhere: remove it or use it");
        }
    }
}
