//! The OpenAPI document, the offline docs page, and the headers every answer carries.

use crate::common;

use std::collections::BTreeSet;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use common::TestApp;

both_backends!(
    every_documented_operation_is_served,
    the_docs_page_and_its_assets_are_served_by_the_binary,
    answers_carry_a_request_id_and_safe_headers,
    health_and_readiness_answer
);

/// (METHOD, /path) of every route macro in src/api, with /api prefixed where the scope adds it.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from("src/api")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/api") {
            let path = entry.expect("entry").path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    for path in files {
        let source = std::fs::read_to_string(&path).expect("read");
        for line in source.lines().map(str::trim) {
            for method in ["get", "post", "patch", "put", "delete"] {
                if let Some(rest) = line.strip_prefix(&format!("#[{method}(\"")) {
                    let route = rest.split('"').next().expect("route").to_string();
                    let full = if route == "/healthz" || route == "/readyz" || route == "/ping" {
                        route
                    } else {
                        format!("/api{route}")
                    };
                    routes.insert((method.to_string(), full));
                }
            }
        }
    }
    routes
}

fn documented() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(proposal_desk::openapi_document()).expect("json");
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            out.insert((method.clone(), path.clone()));
        }
    }
    out
}

#[test]
fn the_document_lists_every_route_in_the_source() {
    let source = routes_in_source();
    assert!(source.len() >= 20, "{source:?}");
    assert_eq!(documented(), source);
}

#[test]
fn every_operation_documents_its_answers() {
    let doc = serde_json::to_value(proposal_desk::openapi_document()).expect("json");
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has no tag");
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

async fn every_documented_operation_is_served(app: TestApp) {
    for (method, path) in documented() {
        let concrete = path.replace("{id}", "00000000-0000-0000-0000-000000000000");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let reply = app.send(method.clone(), &concrete, None, None).await;
        // Unauthenticated and bodiless: a 401, 400 or 415 says the route exists; a 404 would not,
        // except a public read's own 404 for an unpublished object, which says why (the
        // fallback for unknown paths has no detail).
        let handler_404 = path.starts_with("/api/public/") && reply.body["detail"].is_string();
        if !handler_404 {
            assert_ne!(reply.status.as_u16(), 404, "{method} {concrete}: {}", reply.text);
        }
        assert_ne!(reply.status.as_u16(), 405, "{method} {concrete}");
        assert!(reply.status.as_u16() < 500, "{method} {concrete}: {}", reply.text);
    }
    let json = app.call(TestRequest::get().uri("/api/openapi.json")).await;
    json.assert_ok();
    assert!(json.body["paths"]["/api/auth/login"]["post"].is_object());
}

async fn the_docs_page_and_its_assets_are_served_by_the_binary(app: TestApp) {
    let page = app.call(TestRequest::get().uri("/api/docs/")).await;
    page.assert_ok();
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    assert!(
        !page.text.contains("http://") && !page.text.contains("https://"),
        "the page must not load anything from elsewhere"
    );
    for asset in ["swagger-ui-bundle.js", "swagger-ui.css", "swagger-initializer.js"] {
        let reply = app.call(TestRequest::get().uri(&format!("/api/docs/{asset}"))).await;
        assert!(reply.status.is_success(), "{asset}: {}", reply.status);
    }
    let init = app.call(TestRequest::get().uri("/api/docs/swagger-initializer.js")).await;
    assert!(init.text.contains("/api/openapi.json"), "{}", init.text);
}

async fn answers_carry_a_request_id_and_safe_headers(app: TestApp) {
    for uri in ["/healthz", "/api/auth/me", "/no/such/page"] {
        let reply = app.call(TestRequest::get().uri(uri)).await;
        let id = reply.headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(id.len(), 36, "{uri}");
        assert_eq!(reply.headers.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
    }
    let unknown = app.call(TestRequest::get().uri("/api/no/such/route")).await;
    unknown.assert_problem(404, "not-found");
}

async fn health_and_readiness_answer(app: TestApp) {
    let health = app.call(TestRequest::get().uri("/healthz")).await;
    health.assert_ok();
    assert_eq!(health.body["status"], "ok");
    let ready = app.call(TestRequest::get().uri("/readyz")).await;
    ready.assert_ok();
    assert_eq!(ready.body["status"], "ready");
}

/// The document states what the server checks, so that a generated client
/// refuses what the server would refuse: lengths, ranges, counts and the
/// names an enumerated field accepts.
#[test]
fn the_document_declares_the_limits_and_enums_the_server_checks() {
    let doc = serde_json::to_value(proposal_desk::openapi_document()).expect("json");
    let schema = |name: &str| doc["components"]["schemas"][name].clone();
    let refuse = schema("RefuseRequest");
    assert_eq!(refuse["properties"]["reason_text"]["minLength"], 1, "{refuse}");
    assert_eq!(refuse["properties"]["reason_text"]["maxLength"], 500, "{refuse}");
    let create = schema("CreateProposalRequest");
    assert_eq!(create["properties"]["title"]["minLength"], 4, "{create}");
    assert_eq!(create["properties"]["reasons"]["minLength"], 10, "{create}");
    let invite = schema("InviteRequest");
    assert_eq!(invite["properties"]["member_ids"]["maxItems"], 50, "{invite}");
    // Enumerated fields name their schema, and the schema lists the values.
    let contact = schema("ContactRequest");
    assert_eq!(contact["properties"]["kind"]["$ref"], "#/components/schemas/ContactKind", "{contact}");
    assert_eq!(schema("ContactKind")["enum"], serde_json::json!(["visit", "meeting", "phone", "other"]));
    let reply = schema("ReplyRequest");
    assert_eq!(reply["properties"]["grade"]["$ref"], "#/components/schemas/Grade", "{reply}");
    assert_eq!(schema("Grade")["enum"], serde_json::json!(["A", "B", "C"]));
    // Query parameters: a page of a list holds 1 to 100 items.
    let list = &doc["paths"]["/api/proposals"]["get"]["parameters"];
    let per_page = list.as_array().expect("parameters").iter().find(|p| p["name"] == "per_page").expect("per_page");
    assert_eq!(per_page["schema"]["minimum"], 1, "{per_page}");
    assert_eq!(per_page["schema"]["maximum"], 100, "{per_page}");
    // Moments are written with their offset.
    let view = schema("ProposalView");
    assert_eq!(view["properties"]["updated_at"]["format"], "date-time", "{view}");
}
