//! One rule for every text a person reads: characters that reorder or hide
//! text (bidirectional overrides and isolates, marks, zero-width characters)
//! and control characters are refused in single-line fields, as they are in
//! file names; multi-line texts keep their line breaks but refuse the same
//! reordering and invisible characters.

use crate::common;

use actix_web::http::Method;
use common::TestApp;
use common::life::{Life, PERSON_IN_CHARGE, public_text};
use proposal_desk::domain::Role;
use serde_json::{Value, json};

both_backends!(
    titles_and_topics_refuse_characters_that_reorder_or_hide_text,
    display_names_and_phones_refuse_them_too,
    the_person_in_charge_refuses_them_and_reply_bodies_keep_line_breaks_only,
    multi_line_texts_keep_line_breaks_but_refuse_overrides,
);

/// One of each kind of character that makes text read differently from what it is.
const HIDDEN: [(&str, &str); 12] = [
    ("right-to-left override", "\u{202e}"),
    ("left-to-right embedding", "\u{202a}"),
    ("pop directional formatting", "\u{202c}"),
    ("first strong isolate", "\u{2068}"),
    ("pop directional isolate", "\u{2069}"),
    ("right-to-left mark", "\u{200f}"),
    ("arabic letter mark", "\u{061c}"),
    ("zero-width space", "\u{200b}"),
    ("zero-width joiner", "\u{200d}"),
    ("word joiner", "\u{2060}"),
    ("byte order mark", "\u{feff}"),
    ("line separator", "\u{2028}"),
];

fn assert_field_refused(reply: &common::Reply, field: &str, what: &str) {
    reply.assert_problem(422, "validation");
    let fields: Vec<&str> = reply.body["errors"]
        .as_array()
        .map_or(Vec::new(), |errors| errors.iter().filter_map(|e| e["field"].as_str()).collect());
    assert!(fields.contains(&field), "{what}: {field} must be named in {}", reply.text);
}

fn draft_body(title: &str, topic: &str, reasons: &str) -> Value {
    json!({
        "title": title,
        "reasons": reasons,
        "suggestions": "加大财政投入，建设社区食堂，培养专业护理人员。",
        "topic": topic,
    })
}

const REASONS: &str = "随着人口老龄化加剧，社区养老服务供给明显不足。";

async fn titles_and_topics_refuse_characters_that_reorder_or_hide_text(app: TestApp) {
    let life = Life::new(&app).await;
    let token = &life.member.token;
    // The example from the report: a title that displays as something else.
    let reply =
        app.post("/api/proposals", token, draft_body("关于\u{202e}整改\u{202c}的建议", "社会保障", REASONS)).await;
    assert_field_refused(&reply, "title", "right-to-left override");
    for (what, c) in HIDDEN.iter().chain([("escape", "\u{1b}"), ("line feed", "\n"), ("NEL", "\u{85}")].iter()) {
        let title = format!("关于加强{c}社区养老的建议");
        let reply = app.post("/api/proposals", token, draft_body(&title, "社会保障", REASONS)).await;
        assert_field_refused(&reply, "title", what);
        let reply = app
            .post("/api/proposals", token, draft_body("关于加强社区养老的建议", &format!("社会{c}保障"), REASONS))
            .await;
        assert_field_refused(&reply, "topic", what);
    }
    // Plain Chinese, Latin, digits and punctuation are fine.
    let created = app
        .post("/api/proposals", token, draft_body("关于加强 “一老一小” 服务的建议（2026）", "社会保障", REASONS))
        .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    // Editing a draft follows the same rule.
    let id = created.str("id");
    let version = created.body["version"].clone();
    let edited = app
        .patch(&format!("/api/proposals/{id}"), token, json!({"version": version, "title": "关于\u{2066}整改的建议"}))
        .await;
    assert_field_refused(&edited, "title", "first strong isolate in an edit");
}

async fn display_names_and_phones_refuse_them_too(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let member = app.user(Role::Member).await;
    let path = format!("/api/admin/users/{}", member.id);
    let version = app.get(&path, &admin.token).await.body["version"].clone();
    for (what, c) in HIDDEN {
        let reply =
            app.patch(&path, &admin.token, json!({"version": version, "display_name": format!("王{c}芳")})).await;
        assert_field_refused(&reply, "display_name", what);
        let reply =
            app.patch(&path, &admin.token, json!({"version": version, "phone": format!("138{c}00000000")})).await;
        assert_field_refused(&reply, "phone", what);
    }
    let fine = app
        .patch(&path, &admin.token, json!({"version": version, "display_name": "王芳", "phone": "+86 138-0000-0000"}))
        .await;
    fine.assert_ok();
    // A new account's name is held to the same rule.
    let created = app
        .post(
            "/api/admin/users",
            &admin.token,
            json!({"username": "new-person", "display_name": "李\u{200b}明", "role": "office"}),
        )
        .await;
    assert_field_refused(&created, "display_name", "zero-width space in a new account");
}

fn reply_body(person_in_charge: &str, body: &str) -> Value {
    json!({
        "grade": "A",
        "body": body,
        "public_body": "已将相关工作纳入年度计划，逐步推进。",
        "person_in_charge": person_in_charge,
        "commitments": [],
    })
}

async fn the_person_in_charge_refuses_them_and_reply_bodies_keep_line_breaks_only(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let id = life.draft(&life.member, "关于加强社区养老服务的建议").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &unit, &[]).await;
    life.sign_for(&id, &unit).await;
    life.contact(&id, &unit).await;
    let assignment = life.assignment(&id, &unit).await;
    let path = format!("/api/proposals/{id}/assignments/{}/reply", assignment["id"].as_str().expect("id"));
    let token = life.app.token(&unit.staff).await;
    for (what, c) in HIDDEN {
        let reply =
            app.send(Method::PUT, &path, Some(&token), Some(reply_body(&format!("王{c}科长"), "答复正文。"))).await;
        assert_field_refused(&reply, "person_in_charge", what);
    }
    let reply =
        app.send(Method::PUT, &path, Some(&token), Some(reply_body(PERSON_IN_CHARGE, "答复\u{202e}正文。"))).await;
    assert_field_refused(&reply, "body", "right-to-left override in a reply body");
    let fine = app
        .send(
            Method::PUT,
            &path,
            Some(&token),
            Some(json!({
                "grade": "A",
                "body": "一、已纳入年度计划。\n二、逐步推进。\r\n\t三、年底前完成。",
                "public_body": public_text(&unit),
                "person_in_charge": PERSON_IN_CHARGE,
                "commitments": [],
            })),
        )
        .await;
    fine.assert_ok();
}

async fn multi_line_texts_keep_line_breaks_but_refuse_overrides(app: TestApp) {
    let member = app.user(Role::Member).await;
    app.session_id();
    let with_lines = "一、社区养老服务供给不足。\n二、专业护理人员缺乏。\r\n\t三、资金投入不够。";
    let created =
        app.post("/api/proposals", &member.token, draft_body("关于加强社区养老的建议", "社会保障", with_lines)).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    assert_eq!(created.body["reasons"], with_lines);
    for (what, c) in HIDDEN.iter().filter(|(_, c)| *c != "\u{2028}") {
        let reasons = format!("随着人口老龄化加剧，{c}社区养老服务供给明显不足。");
        let reply =
            app.post("/api/proposals", &member.token, draft_body("关于加强社区养老的建议", "社会保障", &reasons)).await;
        assert_field_refused(&reply, "reasons", what);
    }
}
