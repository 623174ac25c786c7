//! The OpenAPI document's frame; paths and schemas are collected from the
//! handlers as they are mounted (utoipa-actix-web), so none can be forgotten.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "提案通 Proposal Desk API",
        description = "The life of CPPCC proposals, from draft to published result. Errors are application/problem+json. Moments (`date-time`, names ending in `_at`) are RFC 3339 in UTC, e.g. 2026-12-01T19:21:10.446528Z. Calendar days (`date`, e.g. `contacted_on`, `due_on`, `target_date`) are the office's local dates, written YYYY-MM-DD.",
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "登录与令牌 Signing in"),
        (name = "admin", description = "系统管理 Administration"),
        (name = "reference", description = "基础数据 Reference data"),
        (name = "proposals", description = "提案办理 The life of a proposal"),
        (name = "notices", description = "通知 What happened to my proposals"),
        (name = "deadlines", description = "期限 What is due and what is overdue, by unit"),
        (name = "mail", description = "邮件 The outbox's messages set aside after failing (the office)"),
        (name = "statistics", description = "提案统计 The office's statistics"),
        (name = "lookups", description = "查找 People by name and the configured vocabularies, for forms"),
        (name = "public", description = "公开 Published results, no sign-in"),
        (name = "operations", description = "运维 Operations"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The problems the framework answers before a handler runs, which no handler
/// lists itself: declared here in one pass over the finished document, so no
/// operation can forget them.
///
/// - a request body can be unreadable (400), too large (413, every body is
///   limited) or of a type not accepted (415);
/// - a query string can be unreadable (400: wrong types, unknown names, bytes
///   that are not UTF-8);
/// - an operation that needs a sign-in answers 401 without a valid token.
///
/// Problems are sent as `application/problem+json`; answers a handler
/// declared with the Problem body (utoipa files them under
/// `application/json`) are moved to that content type too.
pub fn declare_problem_answers(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.options.as_mut(),
            item.head.as_mut(),
            item.patch.as_mut(),
            item.trace.as_mut(),
        ];
        for operation in operations.into_iter().flatten() {
            declare_for(operation);
        }
    }
}

const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

fn declare_for(operation: &mut Operation) {
    let has_body = operation.request_body.is_some();
    let has_query =
        operation.parameters.as_ref().is_some_and(|ps| ps.iter().any(|p| matches!(p.parameter_in, ParameterIn::Query)));
    let signed_in = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    if has_body || has_query {
        wanted.push(("400", "The request could not be read: malformed JSON, wrong types, unknown fields, or a query string that is not UTF-8"));
    }
    if has_body {
        wanted.push(("413", "The body is larger than allowed"));
        wanted.push(("415", "The body's Content-Type is not accepted"));
    }
    if signed_in {
        wanted.push(("401", "Not signed in, or the token is no longer valid"));
    }
    let responses = &mut operation.responses.responses;
    for (status, description) in wanted {
        responses.entry(status.to_string()).or_insert_with(|| problem_response(description).into());
    }
    for response in responses.values_mut() {
        if let RefOr::T(response) = response {
            as_problem_content(response);
        }
    }
}

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_CONTENT_TYPE, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
}

/// Files a Problem body under the content type it is really sent with.
fn as_problem_content(response: &mut Response) {
    let is_problem =
        |c: &utoipa::openapi::Content| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
    let Some(json) = response.content.get("application/json") else { return };
    if !is_problem(json) || response.content.contains_key(PROBLEM_CONTENT_TYPE) {
        return;
    }
    if let Some(content) = response.content.shift_remove("application/json") {
        response.content.insert(PROBLEM_CONTENT_TYPE.to_string(), content);
    }
}
