//! Looking people up by name, as each role may, and the vocabularies the
//! forms choose among.

use crate::common;

use common::TestApp;
use diesel::prelude::*;
use proposal_desk::db::schema::users;
use proposal_desk::domain::Role;
use serde_json::Value;

both_backends!(
    a_member_finds_other_members_by_name_and_sector_without_their_contact_details,
    the_office_finds_members_and_leaders_and_units_find_no_one,
    the_vocabularies_list_what_the_forms_choose_among,
);

fn rename(app: &TestApp, id: &str, name: &str, email: &str) {
    app.with_conn(|c| {
        diesel::update(users::table.find(id))
            .set((users::display_name.eq(name), users::email.eq(email), users::phone.eq("13800000000")))
            .execute(c)
    })
    .expect("rename");
}

fn names(reply: &common::Reply) -> Vec<String> {
    reply
        .body
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", reply.text))
        .iter()
        .map(|e| e["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn a_member_finds_other_members_by_name_and_sector_without_their_contact_details(app: TestApp) {
    let me = app.user(Role::Member).await;
    let wang = app.user(Role::Member).await;
    let li = app.user(Role::Member).await;
    let leader = app.user(Role::Leader).await;
    rename(&app, &wang.id, "王芳", "wang@example.org");
    rename(&app, &li.id, "李建国", "li@example.org");
    rename(&app, &leader.id, "王局长", "boss@example.org");
    rename(&app, &me.id, "王小明", "me@example.org");

    let found = app.get("/api/directory?q=%E7%8E%8B", &me.token).await; // 王
    found.assert_ok();
    assert_eq!(names(&found), vec!["王芳"], "members only, not myself: {}", found.text);
    assert!(!found.text.contains("example.org") && !found.text.contains("13800000000"), "{}", found.text);
    let entry = &found.body[0];
    assert_eq!(entry["role"], "member");
    assert!(entry["sector"].as_str().is_some_and(|s| !s.is_empty()), "{entry}");

    let sector: String = app
        .with_conn(|c| users::table.find(&li.id).select(users::sector_id).first::<Option<String>>(c))
        .expect("sector")
        .expect("a member's sector");
    let by_sector = app.get(&format!("/api/directory?sector_id={sector}"), &me.token).await;
    assert_eq!(names(&by_sector), vec!["李建国"]);

    let leaders = app.get("/api/directory?role=leader", &me.token).await;
    leaders.assert_problem(422, "validation");
    let literal = app.get("/api/directory?q=%25", &me.token).await; // %
    assert_eq!(names(&literal), Vec::<String>::new(), "a wildcard is taken as written");
}

async fn the_office_finds_members_and_leaders_and_units_find_no_one(app: TestApp) {
    let office = app.user(Role::Office).await;
    let member = app.user(Role::Member).await;
    let leader = app.user(Role::Leader).await;
    let staff = app.user(Role::UnitStaff).await;
    let found = app.get("/api/directory", &office.token).await;
    found.assert_ok();
    let ids: Vec<&str> = found.body.as_array().expect("list").iter().filter_map(|e| e["id"].as_str()).collect();
    assert!(ids.contains(&member.id.as_str()) && ids.contains(&leader.id.as_str()), "{}", found.text);
    assert!(!ids.contains(&staff.id.as_str()), "unit accounts are not in the office's directory");
    let leaders = app.get("/api/directory?role=leader", &office.token).await;
    assert!(leaders.body.as_array().expect("list").iter().all(|e| e["role"] == "leader"));
    app.get("/api/directory", &staff.token).await.assert_problem(403, "forbidden");
    app.get("/api/directory", &leader.token).await.assert_problem(403, "forbidden");
}

async fn the_vocabularies_list_what_the_forms_choose_among(app: TestApp) {
    let reply = app.send(actix_web::http::Method::GET, "/api/vocabularies", None, None).await;
    reply.assert_ok();
    let codes = |name: &str| -> Vec<String> {
        reply.body[name]
            .as_array()
            .unwrap_or_else(|| panic!("{name}"))
            .iter()
            .map(|t| t["code"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(codes("refusal_reasons").contains(&"outside_scope".to_string()));
    assert_eq!(codes("grades"), ["A", "B", "C"]);
    assert!(codes("contact_kinds").contains(&"meeting".to_string()));
    assert_eq!(codes("satisfaction").len(), 3);
    assert!(codes("kinds").contains(&"proposal".to_string()));
    assert!(reply.body["topics"].as_array().is_some_and(|t| t.contains(&Value::from("社会保障"))));
    assert!(reply.body["refusal_reasons"][0]["label"].as_str().is_some_and(|l| !l.is_empty()));
}
