//! The administration API: who may use it, what it does, and that every
//! change leaves exactly one audit event.

use crate::common;

use actix_web::http::Method;
use common::{TestApp, TestUser};
use proposal_desk::domain::Role;
use serde_json::{Value, json};

both_backends!(
    only_the_administrator_may_use_the_admin_api,
    everyone_signed_in_reads_reference_data,
    each_admin_action_leaves_exactly_one_audit_event,
    a_stale_version_is_refused_and_changes_nothing,
    account_names_are_unique_and_roles_need_their_affiliation,
    a_new_role_ends_the_accounts_logins,
    the_administrator_cannot_lock_themselves_out,
    users_are_listed_by_page_and_filtered,
);

/// Every admin endpoint with a body that would succeed for an administrator.
async fn admin_requests(app: &TestApp) -> Vec<(Method, String, Value)> {
    let target = app.account("target-user", Role::Office);
    let unit = app.unit("u-admin");
    let sector = app.sector("s-admin");
    let admin = app.user(Role::Admin).await;
    let term = app
        .post("/api/admin/terms", &admin.token, json!({"number": 9, "name": "第九届", "starts_on": "2026-01-01"}))
        .await;
    term.assert_ok();
    let term_id = term.str("id");
    let session = app
        .post(
            &format!("/api/admin/terms/{term_id}/sessions"),
            &admin.token,
            json!({"number": 1, "name": "九届一次会议", "opens_on": "2026-01-10", "plenary_window_start": "2025-12-01", "plenary_window_end": "2026-01-14"}),
        )
        .await;
    session.assert_ok();
    vec![
        (Method::GET, "/api/admin/users".into(), Value::Null),
        (
            Method::POST,
            "/api/admin/users".into(),
            json!({"username": "new-office", "display_name": "新同事", "role": "office"}),
        ),
        (Method::GET, format!("/api/admin/users/{target}"), Value::Null),
        (Method::PATCH, format!("/api/admin/users/{target}"), json!({"version": 1, "display_name": "改名"})),
        (Method::POST, format!("/api/admin/users/{target}/disable"), json!({})),
        (Method::POST, format!("/api/admin/users/{target}/enable"), json!({})),
        (Method::POST, format!("/api/admin/users/{target}/reset-password"), json!({})),
        (Method::POST, "/api/admin/units".into(), json!({"code": "new-unit", "name": "新单位", "kind": "政府部门"})),
        (Method::PATCH, format!("/api/admin/units/{unit}"), json!({"version": 1, "name": "改名单位"})),
        (Method::POST, "/api/admin/sectors".into(), json!({"code": "new-sector", "name": "新界别"})),
        (Method::PATCH, format!("/api/admin/sectors/{sector}"), json!({"version": 1, "sort_order": 5})),
        (Method::POST, "/api/admin/terms".into(), json!({"number": 10, "name": "第十届", "starts_on": "2031-01-01"})),
        (Method::PATCH, format!("/api/admin/terms/{term_id}"), json!({"version": 1, "ends_on": "2030-12-31"})),
        (
            Method::POST,
            format!("/api/admin/terms/{term_id}/sessions"),
            json!({"number": 2, "name": "九届二次会议", "opens_on": "2027-01-10", "plenary_window_start": "2026-12-01", "plenary_window_end": "2027-01-14"}),
        ),
        (
            Method::PATCH,
            format!("/api/admin/sessions/{}", session.str("id")),
            json!({"version": 1, "name": "九届一次全体会议"}),
        ),
    ]
}

async fn send(app: &TestApp, user: Option<&TestUser>, (method, path, body): &(Method, String, Value)) -> common::Reply {
    let body = if body.is_null() { None } else { Some(body.clone()) };
    app.send(method.clone(), path, user.map(|u| u.token.as_str()), body).await
}

async fn only_the_administrator_may_use_the_admin_api(app: TestApp) {
    let requests = admin_requests(&app).await;
    for role in [Role::Member, Role::UnitStaff, Role::UnitHead, Role::Office, Role::Leader] {
        let user = app.user(role).await;
        for request in &requests {
            let reply = send(&app, Some(&user), request).await;
            assert_eq!(reply.status.as_u16(), 403, "{role:?} {} {}: {}", request.0, request.1, reply.text);
            reply.assert_problem(403, "forbidden");
        }
    }
    for request in &requests {
        send(&app, None, request).await.assert_problem(401, "unauthorized");
    }
    let admin = app.user(Role::Admin).await;
    for request in &requests {
        let reply = send(&app, Some(&admin), request).await;
        assert!(reply.status.is_success(), "admin {} {}: {}", request.0, request.1, reply.text);
    }
}

async fn everyone_signed_in_reads_reference_data(app: TestApp) {
    app.unit("u-ref");
    for role in Role::ALL.iter().copied() {
        let user = app.user(role).await;
        for path in ["/api/units", "/api/sectors", "/api/terms"] {
            let reply = app.get(path, &user.token).await;
            reply.assert_ok();
            assert!(reply.body.is_array(), "{path}: {}", reply.text);
        }
    }
    let units = app.get("/api/units", &app.user(Role::Member).await.token).await;
    assert!(units.body.as_array().is_some_and(|a| a.iter().any(|u| u["code"] == "u-ref")));
    app.send(Method::GET, "/api/units", None, None).await.assert_problem(401, "unauthorized");
}

async fn each_admin_action_leaves_exactly_one_audit_event(app: TestApp) {
    let requests = admin_requests(&app).await;
    let admin = app.user(Role::Admin).await;
    let expected = [
        None,
        Some("user.create"),
        None,
        Some("user.update"),
        Some("user.disable"),
        Some("user.enable"),
        Some("user.reset_password"),
        Some("unit.create"),
        Some("unit.update"),
        Some("sector.create"),
        Some("sector.update"),
        Some("term.create"),
        Some("term.update"),
        Some("session.create"),
        Some("session.update"),
    ];
    assert_eq!(requests.len(), expected.len());
    for (request, action) in requests.iter().zip(expected) {
        let before = app.last_audit_seq();
        let reply = send(&app, Some(&admin), request).await;
        assert!(reply.status.is_success(), "{} {}: {}", request.0, request.1, reply.text);
        let events = app.audit_actions_after(before);
        match action {
            None => assert!(events.is_empty(), "a read wrote {events:?}"),
            Some(action) => {
                assert_eq!(events.len(), 1, "{action}: {events:?}");
                assert_eq!(events[0].0, action);
                assert_eq!(events[0].1, "admin");
            }
        }
    }
    // The event says who, from where, with values before and after, and no password hash.
    type Columns = (Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);
    let (before_json, after_json, actor, addr, request_id): Columns = app
        .with_conn(|c| {
            use diesel::prelude::*;
            use proposal_desk::db::schema::audit_events::dsl::*;
            audit_events
                .filter(action.eq("user.update"))
                .select((before_json, after_json, actor_id, client_addr, request_id))
                .first(c)
        })
        .expect("event");
    assert_eq!(actor.as_deref(), Some(admin.id.as_str()));
    assert_eq!(addr.as_deref(), Some("192.0.2.10"));
    assert!(request_id.is_some_and(|r| r.len() == 36));
    let (before_json, after_json) = (before_json.expect("before"), after_json.expect("after"));
    assert!(before_json.contains("测试target-user") && after_json.contains("改名"), "{before_json} / {after_json}");
    assert!(!after_json.contains("argon2"), "{after_json}");
}

async fn a_stale_version_is_refused_and_changes_nothing(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let unit = app.unit("u-stale");
    app.patch(&format!("/api/admin/units/{unit}"), &admin.token, json!({"version": 1, "name": "第一次改名"}))
        .await
        .assert_ok();
    let before = app.audit_count();
    let stale =
        app.patch(&format!("/api/admin/units/{unit}"), &admin.token, json!({"version": 1, "name": "第二次改名"})).await;
    stale.assert_problem(409, "stale-version");
    assert_eq!(stale.body["current_version"], 2);
    assert_eq!(app.audit_count(), before);
    let units = app.get("/api/units", &admin.token).await;
    let names: Vec<&str> = units.body.as_array().expect("list").iter().filter_map(|u| u["name"].as_str()).collect();
    assert!(names.contains(&"第一次改名") && !names.contains(&"第二次改名"), "{names:?}");
}

async fn account_names_are_unique_and_roles_need_their_affiliation(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let sector = app.sector("s-aff");
    let unit = app.unit("u-aff");
    let create = |body: Value| app.post("/api/admin/users", &admin.token, body);
    let member = create(json!({"username": "zhang.san", "display_name": "张三", "role": "member", "sector_id": sector, "password": "plum blossoms in snow"})).await;
    assert_eq!(member.status.as_u16(), 201, "{}", member.text);
    assert!(member.body["temporary_password"].is_null());
    create(json!({"username": "zhang.san", "display_name": "张三", "role": "office"}))
        .await
        .assert_problem(409, "already-exists");

    let no_sector = create(json!({"username": "li.si", "display_name": "李四", "role": "member"})).await;
    no_sector.assert_problem(422, "validation");
    assert_eq!(no_sector.body["errors"][0]["field"], "sector_id");
    let no_unit = create(json!({"username": "li.si", "display_name": "李四", "role": "unit_staff"})).await;
    assert_eq!(no_unit.body["errors"][0]["field"], "unit_id");
    let wrong_unit =
        create(json!({"username": "li.si", "display_name": "李四", "role": "unit_head", "unit_id": "no-such-unit"}))
            .await;
    assert_eq!(wrong_unit.body["errors"][0]["code"], "not_found");
    let office_with_unit =
        create(json!({"username": "li.si", "display_name": "李四", "role": "office", "unit_id": unit})).await;
    office_with_unit.assert_problem(422, "validation");

    let staff =
        create(json!({"username": "li.si", "display_name": "李四", "role": "unit_staff", "unit_id": unit})).await;
    assert_eq!(staff.status.as_u16(), 201, "{}", staff.text);
    let temporary = staff.str("temporary_password");
    assert_eq!(staff.body["user"]["must_change_password"], true);
    let login = app.login("li.si", &temporary).await;
    login.assert_ok();
    assert_eq!(login.body["must_change_password"], true);
    assert!(!staff.text.contains("password_hash") && !staff.text.contains("argon2"));
}

async fn a_new_role_ends_the_accounts_logins(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    let office = app.user(Role::Office).await;
    let changed = app
        .patch(&format!("/api/admin/users/{}", office.id), &admin.token, json!({"version": 1, "role": "leader"}))
        .await;
    changed.assert_ok();
    assert_eq!(changed.str("role"), "leader");
    app.get("/api/auth/me", &office.token).await.assert_problem(401, "unauthorized");
    // A display-name change alone does not.
    let leader = app.login(&office.username, common::PASSWORD).await.str("access_token");
    app.patch(
        &format!("/api/admin/users/{}", office.id),
        &admin.token,
        json!({"version": 2, "display_name": "新名字"}),
    )
    .await
    .assert_ok();
    app.get("/api/auth/me", &leader).await.assert_ok();
}

async fn the_administrator_cannot_lock_themselves_out(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    app.post(&format!("/api/admin/users/{}/disable", admin.id), &admin.token, json!({}))
        .await
        .assert_problem(422, "validation");
    app.patch(&format!("/api/admin/users/{}", admin.id), &admin.token, json!({"version": 1, "role": "office"}))
        .await
        .assert_problem(422, "validation");
    app.get("/api/admin/users", &admin.token).await.assert_ok();
}

async fn users_are_listed_by_page_and_filtered(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    for i in 0..5 {
        app.account(&format!("office-{i}"), Role::Office);
    }
    let page = app.get("/api/admin/users?role=office&per_page=2&page=2", &admin.token).await;
    page.assert_ok();
    assert_eq!(page.body["total"], 5);
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(page.body["items"][0]["username"], "office-2");
    let search = app.get("/api/admin/users?q=office-4", &admin.token).await;
    assert_eq!(search.body["total"], 1);
    // LIKE wildcards typed by the user match themselves only.
    let wildcard = app.get("/api/admin/users?q=%25", &admin.token).await;
    assert_eq!(wildcard.body["total"], 0, "{}", wildcard.text);
}
