//! How notices reach people by email: each chooses per kind of notice (every
//! email, a daily or weekly digest, none); the office reads a daily digest
//! and leaders a weekly one by default, each sent once.

use crate::common;

use chrono::Duration;
use common::TestApp;
use common::life::Life;
use proposal_desk::domain::Role;
use serde_json::json;

both_backends!(
    the_office_reads_one_daily_digest_and_the_leader_a_weekly_one,
    a_member_chooses_how_each_kind_of_notice_reaches_them,
);

fn digests(app: &TestApp) -> usize {
    proposal_desk::mail::digest::send_digests(app.db(), &app.state.settings, &app.state.office, app.clock_now())
        .expect("a digest pass")
}

async fn the_office_reads_one_daily_digest_and_the_leader_a_weekly_one(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let leader = life.person(Role::Leader).await;
    app.give_email(&life.office, "office@example.org");
    app.give_email(&leader, "leader@example.org");
    let id = life.draft(&life.member, "关于加强社区居家养老服务的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.mark_key(&id, &leader, "lead").await;
    life.assign_lead_and_co(&id, &unit, &[]).await;
    let wanted = life.today() + Duration::days(150);
    life.request_extension(&id, &unit, wanted).await;
    life.reply(&id, &unit, "A").await;
    assert_eq!(app.outbox_for("office@example.org"), [], "the office's notices wait for its digest");
    assert_eq!(app.outbox_for("leader@example.org"), [], "the leader's for the weekly one");

    // All this happened at 09:00 on Monday 03-02, after the day's digest hour
    // (8): it goes in Tuesday's daily digest and next Monday's weekly one.
    assert_eq!(digests(&app), 0);
    life.travel(Duration::days(1));
    assert_eq!(digests(&app), 1);
    let office = app.outbox_for("office@example.org");
    assert_eq!(office.len(), 1);
    assert_eq!(office[0].0, "digest.daily");
    assert_eq!(office[0].1, "提案通每日摘要：1条通知");
    assert!(office[0].2.contains("1. 单位申请待处理：一届一次会议第1号提案"), "{}", office[0].2);
    assert_eq!(app.outbox_for("leader@example.org"), [], "the week's digest waits for Monday");
    assert_eq!(digests(&app), 0, "each digest goes once");

    // Tuesday a new request: in Wednesday's daily digest.
    let another = life.draft(&life.member, "关于优化公交线路的提案").await;
    life.submit(&another, &life.member).await;
    life.file(&another).await;
    life.mark_key(&another, &leader, "lead").await;
    life.assign_lead_and_co(&another, &unit, &[]).await;
    life.request_extension(&another, &unit, wanted).await;
    life.reply(&another, &unit, "A").await;
    assert_eq!(digests(&app), 0, "after today's hour: tomorrow's digest");
    life.travel(Duration::days(1));
    assert_eq!(digests(&app), 1);
    assert_eq!(app.outbox_for("office@example.org").len(), 2);
    // Monday 03-09: the leader's weekly digest holds both replies.
    life.travel(Duration::days(5));
    assert_eq!(digests(&app), 1);
    let leader_mail = app.outbox_for("leader@example.org");
    assert_eq!(leader_mail.len(), 1);
    assert_eq!((leader_mail[0].0.as_str(), leader_mail[0].1.as_str()), ("digest.weekly", "提案通每周摘要：2条通知"));
}

async fn a_member_chooses_how_each_kind_of_notice_reaches_them(app: TestApp) {
    let life = Life::new(&app).await;
    app.give_email(&life.member, "member@example.org");
    let token = app.token(&life.member).await;
    let mine = app.get("/api/notices/preferences", &token).await;
    mine.assert_ok();
    let filed = mine.body.as_array().expect("a list").iter().find(|p| p["notice"] == "filed").expect("filed").clone();
    assert_eq!(filed, json!({"notice": "filed", "mode": "every", "chosen": false}));

    let seq = app.last_audit_seq();
    let set = app
        .send(
            actix_web::http::Method::PUT,
            "/api/notices/preferences",
            Some(&token),
            Some(json!({"filed": "none", "submitted": "daily"})),
        )
        .await;
    set.assert_ok();
    let filed = set.body.as_array().expect("a list").iter().find(|p| p["notice"] == "filed").expect("filed").clone();
    assert_eq!(filed, json!({"notice": "filed", "mode": "none", "chosen": true}));
    let actions: Vec<String> = app.audit_actions_after(seq).into_iter().map(|(a, _, _)| a).collect();
    assert_eq!(actions, ["user.mail_preferences"]);
    let unknown = app
        .send(
            actix_web::http::Method::PUT,
            "/api/notices/preferences",
            Some(&token),
            Some(json!({"nonsense": "daily"})),
        )
        .await;
    unknown.assert_problem(422, "validation");
    let bad_mode = app
        .send(actix_web::http::Method::PUT, "/api/notices/preferences", Some(&token), Some(json!({"filed": "hourly"})))
        .await;
    assert_eq!(bad_mode.status.as_u16(), 400, "{}", bad_mode.text);

    let id = life.draft(&life.member, "关于加强社区居家养老服务的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &life.unit().await, &[]).await;
    let templates: Vec<String> = app.outbox_for("member@example.org").into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(templates, ["notice.assigned"], "filed: in the app only; submitted: in the daily digest");
    life.travel(Duration::days(1));
    assert_eq!(digests(&app), 1);
    let mail = app.outbox_for("member@example.org");
    assert_eq!(mail[1].1, "提案通每日摘要：1条通知");
    assert!(mail[1].2.contains("提案已提交"), "{}", mail[1].2);
}
