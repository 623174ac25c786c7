//! What is due: the office's list of open deadlines by unit, and no deadline
//! left open once its stage has ended.

use crate::common;

use chrono::Duration;
use common::TestApp;
use common::life::Life;
use diesel::prelude::*;
use proposal_desk::db::schema::{assignments, deadlines};
use serde_json::Value;

both_backends!(
    the_office_sees_what_is_due_and_overdue_by_unit_and_a_unit_its_own,
    no_deadline_stays_open_once_the_proposal_is_published,
    the_office_waives_a_missing_co_handling_opinion_with_a_reason_and_the_lead_replies_at_once,
    a_b_reply_s_commitments_are_deadlines_reminded_and_chased_until_fulfilled,
    a_session_s_reply_date_fixes_every_first_reply_of_its_proposals,
);

fn items(v: &Value) -> Vec<(String, String, bool, i64)> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let s = |k: &str| i[k].as_str().unwrap_or_default().to_string();
            (
                s("kind"),
                s("unit_name"),
                i["overdue"].as_bool().unwrap_or_default(),
                i["working_days_left"].as_i64().unwrap_or(999),
            )
        })
        .collect()
}

async fn the_office_sees_what_is_due_and_overdue_by_unit_and_a_unit_its_own(app: TestApp) {
    let life = Life::new(&app).await;
    let (a, b) = (life.unit().await, life.unit().await);
    let first = life.draft(&life.member, "关于加强社区居家养老服务的提案").await;
    let second = life.draft(&life.member, "关于优化公交线路的提案").await;
    for id in [&first, &second] {
        life.submit(id, &life.member).await;
        life.file(id).await;
    }
    // Monday 2026-03-02: replies due 2026-06-02, b's opinion on the first 30 days earlier.
    life.assign_lead_and_co(&first, &a, &[&b]).await;
    life.assign_lead_and_co(&second, &b, &[]).await;

    // Monday 2026-05-25: ten working days run to 06-08; the opinion (05-03) is overdue.
    life.travel(Duration::days(84));
    let office = app.token(&life.office).await;
    let all = app.get("/api/deadlines", &office).await;
    all.assert_ok();
    assert_eq!(all.body["total"], 3);
    assert_eq!(
        items(&all.body),
        [
            ("opinion".to_string(), b.name.clone(), true, -15),
            ("reply".to_string(), a.name.clone(), false, 6),
            ("reply".to_string(), b.name.clone(), false, 6),
        ]
    );
    assert_eq!(all.body["items"][1]["due_on"], "2026-06-02");
    assert_eq!(all.body["items"][1]["number_label"], "一届一次会议第1号提案");
    assert_eq!(all.body["items"][1]["provisional"], false);
    let overdue = app.get("/api/deadlines?overdue_only=true", &office).await;
    assert_eq!(items(&overdue.body), [("opinion".to_string(), b.name.clone(), true, -15)]);
    let soon = app.get("/api/deadlines?within_working_days=3", &office).await;
    assert_eq!(soon.body["total"], 1, "06-02 is six working days away: {}", soon.text);
    let of_a = app.get(&format!("/api/deadlines?unit_id={}", a.id), &office).await;
    assert_eq!(items(&of_a.body), [("reply".to_string(), a.name.clone(), false, 6)]);

    // A unit sees its own, whatever it asks for.
    let a_staff = app.token(&a.staff).await;
    let own = app.get(&format!("/api/deadlines?unit_id={}", b.id), &a_staff).await;
    assert_eq!(items(&own.body), [("reply".to_string(), a.name.clone(), false, 6)]);
    let member = app.token(&life.member).await;
    app.get("/api/deadlines", &member).await.assert_problem(403, "forbidden");
    app.get("/api/deadlines?within_working_days=251", &office).await.assert_problem(422, "validation");

    // The opinion sent, it is no longer due.
    life.opinion(&first, &b).await;
    let after = app.get("/api/deadlines", &office).await;
    assert_eq!(after.body["total"], 2);
}

async fn no_deadline_stays_open_once_the_proposal_is_published(app: TestApp) {
    let life = Life::new(&app).await;
    let (a, b) = (life.unit().await, life.unit().await);
    let id = life.draft(&life.member, "关于加强社区居家养老服务的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &a, &[&b]).await;
    // b never sends its opinion: the lead waits until its date (2026-05-03) has
    // passed, then replies; b's opinion and the return windows are still open.
    life.contact(&id, &a).await;
    life.draft_reply(&id, &a, "A", serde_json::json!([])).await;
    life.sign_off(&id, &a).await;
    let aid = life.assignment(&id, &a).await["id"].as_str().expect("id").to_string();
    let submit = format!("/api/proposals/{id}/assignments/{aid}/reply/submit");
    let early = life.refused(&a.staff, actix_web::http::Method::POST, &submit, serde_json::json!({})).await;
    early.assert_problem(409, "invalid-transition");
    assert_eq!(early.body["rule"], "awaiting_opinions");
    life.travel(Duration::days(64));
    life.submit_reply(&id, &a).await;
    life.rate(&id, &life.member, "satisfied", "satisfied").await;
    life.close(&id).await;
    life.publish(&id).await;
    let open: i64 = app
        .with_conn(|c| {
            let ids = assignments::table.filter(assignments::proposal_id.eq(&id)).select(assignments::id);
            deadlines::table
                .filter(deadlines::object_id.eq_any(ids))
                .filter(deadlines::met_at.is_null())
                .count()
                .get_result(c)
        })
        .expect("count");
    assert_eq!(open, 0, "every deadline of a published proposal is closed");
}

async fn the_office_waives_a_missing_co_handling_opinion_with_a_reason_and_the_lead_replies_at_once(app: TestApp) {
    use actix_web::http::Method;
    use serde_json::json;
    let life = Life::new(&app).await;
    let (lead, co) = (life.unit().await, life.unit().await);
    let id = life.draft(&life.member, "关于加强社区居家养老服务的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &lead, &[&co]).await;
    life.contact(&id, &lead).await;
    life.draft_reply(&id, &lead, "A", json!([])).await;
    life.sign_off(&id, &lead).await;
    let (lead_aid, co_aid) = (
        life.assignment(&id, &lead).await["id"].as_str().expect("id").to_string(),
        life.assignment(&id, &co).await["id"].as_str().expect("id").to_string(),
    );
    let submit = format!("/api/proposals/{id}/assignments/{lead_aid}/reply/submit");
    let early = life.refused(&lead.staff, Method::POST, &submit, json!({})).await;
    assert_eq!(early.body["rule"], "awaiting_opinions");

    let waive = |aid: &str| format!("/api/proposals/{id}/assignments/{aid}/opinion-waiver");
    let reason = json!({"reason": "会办单位机构改革，职能已划转主办单位"});
    life.refused(&life.office, Method::POST, &waive(&co_aid), json!({"reason": " "}))
        .await
        .assert_problem(422, "validation");
    life.refused(&lead.staff, Method::POST, &waive(&co_aid), reason.clone()).await.assert_problem(403, "forbidden");
    let not_co = life.refused(&life.office, Method::POST, &waive(&lead_aid), reason.clone()).await;
    not_co.assert_problem(409, "invalid-transition");
    assert_eq!(not_co.body["rule"], "not_co_handling");

    life.act(&life.office, Method::POST, &waive(&co_aid), reason.clone(), "waive_opinion").await;
    let again = life.refused(&life.office, Method::POST, &waive(&co_aid), reason).await;
    assert_eq!(again.body["rule"], "opinion_waived");
    let opinion = life.deadlines(&co_aid).into_iter().find(|(kind, _, _)| kind == "opinion").expect("opinion row");
    assert_eq!(opinion.2, Some(life.now()), "the waived opinion's deadline is closed");
    assert_eq!(life.assignment(&id, &co).await["opinion_waiver"], "会办单位机构改革，职能已划转主办单位");

    life.submit_reply(&id, &lead).await;
    assert_eq!(life.view(&id, &life.member).await["state"], "replied");
}

/// B 类跟踪: each commitment of a B reply is a deadline of the unit that made
/// it, on its target day; it outlives the proposal's publication, is reminded
/// like any other, and closes when the office marks it fulfilled.
async fn a_b_reply_s_commitments_are_deadlines_reminded_and_chased_until_fulfilled(app: TestApp) {
    use serde_json::json;
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let id = life.draft(&life.member, "关于老旧小区加装电梯的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &unit, &[]).await;
    let promised = json!([{"description": "完成首批20个小区加装电梯", "target_date": "2026-04-16"}]);
    let replied = life.reply_with(&id, &unit, "B", promised).await;
    let commitment_id = replied["commitments"][0]["id"].as_str().expect("commitment id").to_string();
    life.rate(&id, &life.member, "satisfied", "satisfied").await;
    life.close(&id).await;
    life.publish(&id).await;

    let office = app.token(&life.office).await;
    let due = app.get("/api/deadlines?within_working_days=250", &office).await;
    due.assert_ok();
    assert_eq!(due.body["total"], 1, "only the commitment is still open: {}", due.text);
    let item = &due.body["items"][0];
    assert_eq!((item["kind"].as_str(), item["unit_name"].as_str()), (Some("commitment"), Some(unit.name.as_str())));
    assert_eq!(item["commitment"], "完成首批20个小区加装电梯");
    assert_eq!(item["commitment_id"], commitment_id.as_str());
    assert_eq!((item["due_on"].as_str(), item["due_at"].as_str()), (Some("2026-04-16"), Some("2026-04-16T15:59:59Z")));
    assert_eq!(item["provisional"], false);

    // Monday 2026-04-13, three working days before: the unit is reminded of what it promised.
    life.travel(Duration::days(42));
    let sent = proposal_desk::reminders::send_due(app.db(), &app.state.settings, &app.state.office, app.clock_now())
        .expect("reminders");
    assert_eq!(sent, 1);
    let token = app.token(&unit.staff).await;
    let notices = app.get("/api/notices", &token).await;
    let reminder = notices.body["items"]
        .as_array()
        .expect("notices")
        .iter()
        .find(|n| n["event"] == "reminder_soon")
        .unwrap_or_else(|| panic!("no reminder: {}", notices.text))
        .clone();
    assert!(
        reminder["body"]
            .as_str()
            .is_some_and(|b| b.contains("的承诺事项“完成首批20个小区加装电梯”须于2026-04-16前完成，还有3个工作日")),
        "{reminder}"
    );

    life.fulfil(&id, &commitment_id).await;
    let office = app.token(&life.office).await;
    let after = app.get("/api/deadlines?within_working_days=250", &office).await;
    assert_eq!(after.body["total"], 0, "{}", after.text);
}

/// 答复截止日: an office that fixes "all replies by 30 June" sets the day on
/// the session; every first reply of its proposals falls due then, unless the
/// office gives an assignment its own day; cleared, the configured rule is back.
async fn a_session_s_reply_date_fixes_every_first_reply_of_its_proposals(app: TestApp) {
    use proposal_desk::domain::Role;
    use serde_json::json;
    let life = Life::new(&app).await;
    let (a, b) = (life.unit().await, life.unit().await);
    let admin = app.user(Role::Admin).await;
    let session = format!("/api/admin/sessions/{}", app.session_id());
    let early = app
        .send(
            actix_web::http::Method::PATCH,
            &session,
            Some(&admin.token),
            Some(json!({"version": 1, "replies_due_on": "2026-03-01"})),
        )
        .await;
    early.assert_problem(422, "validation");
    assert_eq!(early.body["errors"][0]["field"], "replies_due_on");
    let set = app
        .send(
            actix_web::http::Method::PATCH,
            &session,
            Some(&admin.token),
            Some(json!({"version": 1, "replies_due_on": "2026-06-30"})),
        )
        .await;
    set.assert_ok();
    assert_eq!(set.body["replies_due_on"], "2026-06-30");

    let filed = |title: &'static str| {
        let life = &life;
        async move {
            let id = life.draft(&life.member, title).await;
            life.submit(&id, &life.member).await;
            life.file(&id).await;
            id
        }
    };
    let first = filed("关于加强社区居家养老服务的提案").await;
    let view = life.assign_lead_and_co(&first, &a, &[&b]).await;
    let lead = &common::life::assignments_of(&view, &a)[0];
    assert_eq!(lead["due_at"], "2026-06-30T15:59:59Z");
    let rule: Vec<Option<String>> = app
        .with_conn(|c| {
            deadlines::table
                .filter(deadlines::object_id.eq(lead["id"].as_str().unwrap_or_default()))
                .filter(deadlines::kind.eq("reply"))
                .select(deadlines::rule)
                .load(c)
        })
        .expect("rule");
    assert_eq!(rule, [Some("fixed:2026-06-30".to_string())]);
    let co = &common::life::assignments_of(&view, &b)[0];
    assert!(co["opinion_due_at"].as_str().is_some_and(|d| d < "2026-06-30"), "{co}");

    // The office's own day for one unit wins over the session's.
    let second = filed("关于优化公交线路的提案").await;
    let own = json!({"lead_unit_id": a.id, "unit_due_on": {a.id.clone(): "2026-05-29"}});
    let view = life.office_act(&second, "/assign", own, "assign").await;
    assert_eq!(common::life::assignments_of(&view, &a)[0]["due_at"], "2026-05-29T15:59:59Z");

    // Cleared: the configured three months again.
    let cleared = app
        .send(
            actix_web::http::Method::PATCH,
            &session,
            Some(&admin.token),
            Some(json!({"version": 2, "replies_due_on": null})),
        )
        .await;
    cleared.assert_ok();
    assert!(cleared.body["replies_due_on"].is_null());
    let third = filed("关于增设便民停车位的提案").await;
    let view = life.assign_lead_and_co(&third, &a, &[]).await;
    assert_eq!(common::life::assignments_of(&view, &a)[0]["due_at"], "2026-06-02T15:59:59Z");
}
