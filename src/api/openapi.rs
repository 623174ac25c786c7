//! The OpenAPI document's frame; paths and schemas are collected from the
//! handlers as they are mounted (utoipa-actix-web), so none can be forgotten.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "提案通 Proposal Desk API",
        description = "The life of CPPCC proposals, from draft to published result. Errors are application/problem+json.",
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "登录与令牌 Signing in"),
        (name = "admin", description = "系统管理 Administration"),
        (name = "reference", description = "基础数据 Reference data"),
        (name = "proposals", description = "提案办理 The life of a proposal"),
        (name = "notices", description = "通知 What happened to my proposals"),
        (name = "statistics", description = "提案统计 The office's statistics"),
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
