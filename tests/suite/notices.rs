//! 通知: the proposer is told of every outcome, in the app and, with an
//! address, by an email queued in the same transaction as the action.

use crate::common;

use common::{TestApp, TestUser};
use diesel::prelude::*;
use proposal_desk::db::schema::{email_outbox, notices};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::ProposalState;
use serde_json::{Value, json};

both_backends!(
    every_review_outcome_tells_the_proposer,
    a_merged_proposer_is_told_of_the_merge_and_of_the_shared_reply,
    invitations_tell_the_invited_and_submission_gives_a_receipt,
    an_email_is_queued_only_for_people_with_an_address,
    a_refused_action_tells_nobody,
    notices_are_private_and_can_be_marked_read,
    units_the_office_and_the_leader_are_told_what_concerns_them,
);

fn path(id: &str, tail: &str) -> String {
    format!("/api/proposals/{id}/{tail}")
}

async fn my_notices(app: &TestApp, user: &TestUser) -> Value {
    // Notices are listed newest first; let each action happen at its own time.
    app.clock.advance(chrono::Duration::minutes(1));
    let token = app.token(user).await;
    let reply = app.get("/api/notices", &token).await;
    reply.assert_ok();
    reply.body
}

/// The (subject, body) of each of `user`'s notices, newest first.
async fn told(app: &TestApp, user: &TestUser) -> Vec<(String, String, String)> {
    my_notices(app, user).await["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| {
            let s = |k: &str| n[k].as_str().unwrap_or_default().to_string();
            (s("event"), s("subject"), s("body"))
        })
        .collect()
}

async fn every_review_outcome_tells_the_proposer(app: TestApp) {
    let office = app.user(Role::Office).await;
    let version = |id: &str| app.version_of(id);

    let filed = app.proposal_in(ProposalState::Submitted).await;
    app.post(&path(&filed.id, "file"), &office.token, json!({"version": version(&filed.id)})).await.assert_ok();
    let notes = told(&app, &filed.proposer).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].0, "filed");
    assert_eq!(notes[0].1, "提案已立案：一届一次会议第1号提案");
    assert!(
        notes[0].2.contains("关于加强社区居家养老服务的建议") && notes[0].2.contains("编号为一届一次会议第1号提案")
    );

    let refused = app.proposal_in(ProposalState::Submitted).await;
    app.post(
        &path(&refused.id, "refuse"),
        &office.token,
        json!({"version": version(&refused.id), "reason_code": "individual_case", "reason_text": "建议通过信访渠道反映。"}),
    )
    .await
    .assert_ok();
    let notes = told(&app, &refused.proposer).await;
    assert_eq!(notes[0].0, "refused");
    assert!(notes[0].2.ends_with("原因：涉及个人或具体案件。建议通过信访渠道反映。"), "{}", notes[0].2);

    let converted = app.proposal_in(ProposalState::Submitted).await;
    app.post(
        &path(&converted.id, "convert"),
        &office.token,
        json!({"version": version(&converted.id), "note": "转社情民意"}),
    )
    .await
    .assert_ok();
    assert_eq!(told(&app, &converted.proposer).await[0].0, "converted");

    // 交办 names the units the proposer will hear from.
    let (lead_unit, _, _) = app.unit_with_people().await;
    let lead_name: String = app
        .with_conn(|c| {
            proposal_desk::db::schema::units::table
                .find(&lead_unit)
                .select(proposal_desk::db::schema::units::name)
                .first(c)
        })
        .expect("unit name");
    app.post(
        &path(&filed.id, "assign"),
        &office.token,
        json!({"version": version(&filed.id), "lead_unit_id": lead_unit, "co_unit_ids": [], "separate_unit_ids": []}),
    )
    .await
    .assert_ok();
    let notes = told(&app, &filed.proposer).await;
    assert_eq!(notes[0].0, "assigned");
    assert!(notes[0].2.contains(&format!("已交{lead_name}办理")), "{}", notes[0].2);
}

async fn a_merged_proposer_is_told_of_the_merge_and_of_the_shared_reply(app: TestApp) {
    let office = app.user(Role::Office).await;
    let target = app.proposal_in(ProposalState::Handling).await;
    let source = app.proposal_in(ProposalState::Submitted).await;
    app.post(
        &path(&source.id, "merge"),
        &office.token,
        json!({"version": app.version_of(&source.id), "into_id": target.id}),
    )
    .await
    .assert_ok();
    let notes = told(&app, &source.proposer).await;
    assert_eq!(notes[0].0, "merged");
    assert!(notes[0].2.contains("已并入一届一次会议第1号提案《"), "{}", notes[0].2);

    // The target's reply reaches both proposers, each with the day to rate by.
    let lead = target.lead();
    let a = |tail: &str| format!("/api/proposals/{}/assignments/{}/{tail}", target.id, lead.assignment_id);
    let today = app.clock_now().date();
    app.post(&a("contacts"), &lead.staff.token, json!({"kind": "visit", "contacted_on": today, "summary": "上门走访"}))
        .await
        .assert_ok();
    let reply = json!({"grade": "A", "body": "答复正文", "public_body": "公开版本", "person_in_charge": "张主任"});
    app.send(actix_web::http::Method::PUT, &a("reply"), Some(&lead.staff.token), Some(reply)).await.assert_ok();
    app.post(&a("reply/sign-off"), &lead.head.token, json!({})).await.assert_ok();
    // The co-handling unit sends its opinion, which the lead's reply waits for; only lead and separate units reply.
    let co = target.co();
    let opinion = format!("/api/proposals/{}/assignments/{}/opinion", target.id, co.assignment_id);
    app.post(&opinion, &co.staff.token, json!({"body": "同意主办单位意见。"})).await.assert_ok();
    let done = app.post(&a("reply/submit"), &lead.staff.token, json!({})).await;
    done.assert_ok();
    assert_eq!(done.str("state"), "replied");
    let rate_by = done.str("rating_due_at")[..10].to_string();
    for person in [&target.proposer, &source.proposer] {
        let notes = told(&app, person).await;
        assert_eq!(notes[0].0, "replied", "{notes:?}");
        assert!(notes[0].2.contains(&format!("请于{rate_by}前")), "{}", notes[0].2);
    }
}

async fn invitations_tell_the_invited_and_submission_gives_a_receipt(app: TestApp) {
    app.committee_session();
    let member = app.user(Role::Member).await;
    let invited = app.user(Role::Member).await;
    let draft = json!({"title": "关于优化公交线路的建议", "reasons": "部分新建小区距离公交站点较远，居民出行不便。", "suggestions": "增开社区微循环公交。", "topic": "城市建设"});
    let id = app.post("/api/proposals", &member.token, draft).await.str("id");
    app.post(&path(&id, "cosigners"), &member.token, json!({"version": 1, "member_ids": [invited.id]}))
        .await
        .assert_ok();
    let notes = told(&app, &invited).await;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].0, "invited");
    assert_eq!(notes[0].1, "联名邀请：提案《关于优化公交线路的建议》");
    assert!(notes[0].2.starts_with(&format!("测试{}邀请您联名", member.username)), "{}", notes[0].2);
    assert!(told(&app, &member).await.is_empty(), "inviting tells the proposer nothing");

    app.post(&path(&id, "submit"), &member.token, json!({"version": 2})).await.assert_ok();
    let notes = told(&app, &member).await;
    assert_eq!(notes[0].0, "submitted");
    assert_eq!(notes[0].2, "您的提案《关于优化公交线路的建议》已提交，已进入审查。");
}

async fn an_email_is_queued_only_for_people_with_an_address(app: TestApp) {
    let office = app.user(Role::Office).await;
    let with = app.proposal_in(ProposalState::Submitted).await;
    let without = app.proposal_in(ProposalState::Submitted).await;
    app.give_email(&with.proposer, "weiyuan@example.org");
    let before: i64 = app.with_conn(|c| email_outbox::table.count().get_result(c)).expect("count");
    for f in [&with, &without] {
        app.post(&path(&f.id, "file"), &office.token, json!({"version": app.version_of(&f.id)})).await.assert_ok();
    }
    let mails = app.outbox_for("weiyuan@example.org");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].0, "notice.filed");
    assert_eq!(mails[0].1, "提案已立案：一届一次会议第1号提案");
    let after: i64 = app.with_conn(|c| email_outbox::table.count().get_result(c)).expect("count");
    assert_eq!(after - before, 1, "no email for the proposer without an address");
    // Both are told in the app.
    assert_eq!(told(&app, &without.proposer).await[0].0, "filed");
}

async fn a_refused_action_tells_nobody(app: TestApp) {
    let office = app.user(Role::Office).await;
    let f = app.proposal_in(ProposalState::Submitted).await;
    app.give_email(&f.proposer, "refused@example.org");
    let count = |app: &TestApp| -> i64 { app.with_conn(|c| notices::table.count().get_result(c)).expect("count") };
    let before = count(&app);
    // A stale version and a wrong reason code are refused: no notice, no email.
    app.post(&path(&f.id, "file"), &office.token, json!({"version": 99})).await.assert_problem(409, "stale-version");
    app.post(
        &path(&f.id, "refuse"),
        &office.token,
        json!({"version": app.version_of(&f.id), "reason_code": "nope", "reason_text": "x"}),
    )
    .await
    .assert_problem(422, "validation");
    assert_eq!(count(&app), before);
    assert!(app.outbox_for("refused@example.org").is_empty());
}

async fn notices_are_private_and_can_be_marked_read(app: TestApp) {
    let office = app.user(Role::Office).await;
    let f = app.proposal_in(ProposalState::Submitted).await;
    app.post(&path(&f.id, "file"), &office.token, json!({"version": app.version_of(&f.id)})).await.assert_ok();
    let mine = my_notices(&app, &f.proposer).await;
    assert_eq!((mine["total"].as_i64(), mine["unread"].as_i64()), (Some(1), Some(1)));
    let notice_id = mine["items"][0]["id"].as_str().expect("id").to_string();

    // Somebody else neither sees nor marks it.
    let other = app.user(Role::Member).await;
    assert_eq!(my_notices(&app, &other).await["total"], 0);
    app.post(&format!("/api/notices/{notice_id}/read"), &other.token, json!({})).await.assert_problem(404, "not-found");
    app.post("/api/notices/not-an-id/read", &other.token, json!({})).await.assert_problem(404, "not-found");
    app.post(&format!("/api/notices/{notice_id}/read"), &office.token, json!({}))
        .await
        .assert_problem(404, "not-found");

    let token = app.token(&f.proposer).await;
    let read = app.post(&format!("/api/notices/{notice_id}/read"), &token, json!({})).await;
    read.assert_ok();
    assert!(read.body["read_at"].is_string());
    let seq = app.last_audit_seq();
    app.post(&format!("/api/notices/{notice_id}/read"), &token, json!({})).await.assert_ok();
    assert_eq!(app.last_audit_seq(), seq, "reading twice records nothing new");
    let mine = my_notices(&app, &f.proposer).await;
    assert_eq!((mine["total"].as_i64(), mine["unread"].as_i64()), (Some(1), Some(0)));
    let unread = app.get("/api/notices?unread=true", &token).await;
    assert_eq!(unread.body["total"], 0);
    // Signed-out callers get 401.
    app.send(actix_web::http::Method::GET, "/api/notices", None, None).await.assert_problem(401, "unauthorized");
}

/// The events `user` was told of, newest first.
async fn events(app: &TestApp, user: &TestUser) -> Vec<String> {
    told(app, user).await.into_iter().map(|(event, _, _)| event).collect()
}

/// The body of `user`'s newest notice of `event`.
async fn body_of(app: &TestApp, user: &TestUser, event: &str) -> String {
    let all = told(app, user).await;
    all.into_iter().find(|(e, _, _)| e == event).map(|(_, _, b)| b).unwrap_or_else(|| panic!("no {event} notice"))
}

async fn units_the_office_and_the_leader_are_told_what_concerns_them(app: TestApp) {
    use crate::common::life::Life;
    let life = Life::new(&app).await;
    let (lead, co) = (life.unit().await, life.unit().await);
    let leader = life.person(Role::Leader).await;
    let second_office = life.person(Role::Office).await;
    let id = life.draft(&life.member, "关于加强社区居家养老服务的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.mark_key(&id, &leader, "lead").await;

    // 交办: each unit's staff and head hear of their own part and its date.
    life.assign_lead_and_co(&id, &lead, &[&co]).await;
    let told = "一届一次会议第1号提案《关于加强社区居家养老服务的提案》已交贵单位办理，";
    for person in [&lead.staff, &lead.head] {
        assert_eq!(body_of(&app, person, "unit_assigned").await, format!("{told}请于2026-06-02前答复。"));
    }
    for person in [&co.staff, &co.head] {
        assert_eq!(body_of(&app, person, "unit_assigned").await, format!("{told}请于2026-05-03前提出会办意见。"));
    }
    assert!(!events(&app, &life.office).await.contains(&"unit_assigned".to_string()));

    // A unit's request goes to every office account; the decision back to that unit only.
    let wanted = life.today() + chrono::Duration::days(150);
    let request = life.request_extension(&id, &lead, wanted).await;
    for office in [&life.office, &second_office] {
        let body = body_of(&app, office, "request_received").await;
        assert!(body.starts_with(&format!("{}就一届一次会议第1号提案", lead.name)), "{body}");
        assert!(body.contains("延期申请："), "{body}");
    }
    life.decide(&id, &request, json!({"approve": true, "note": "同意延期"}), "decide_extension").await;
    let decided = body_of(&app, &lead.staff, "request_decided").await;
    assert_eq!(
        decided,
        "贵单位关于一届一次会议第1号提案《关于加强社区居家养老服务的提案》的延期申请，办公室同意。同意延期。"
    );
    assert!(!events(&app, &co.staff).await.contains(&"request_decided".to_string()));

    // The reply reaches the leader of the key proposal; an unsatisfied rating
    // reaches the office, which chooses who handles it again, and the leader.
    life.opinion(&id, &co).await;
    life.reply(&id, &lead, "A").await;
    assert_eq!(events(&app, &leader).await.first().map(String::as_str), Some("key_replied"));
    life.rate(&id, &life.member, "unsatisfied", "satisfied").await;
    assert_eq!(events(&app, &leader).await.first().map(String::as_str), Some("key_rated"));
    assert_eq!(events(&app, &life.office).await.first().map(String::as_str), Some("unsatisfied"));
    let choose = body_of(&app, &life.office, "unsatisfied").await;
    assert!(choose.contains("请确定重新办理的承办单位并重新交办"), "{choose}");
    assert!(!events(&app, &lead.staff).await.contains(&"unit_rehandling".to_string()), "nobody is chosen yet");

    // The office chooses the co-handling unit to lead this time: it, and the
    // proposer, hear of the re-handling with its date; the first lead does not.
    life.assign_lead_and_co(&id, &co, &[]).await;
    let again = body_of(&app, &co.staff, "unit_rehandling").await;
    assert!(again.starts_with("提案人对一届一次会议第1号提案") && again.contains("请贵单位重新办理"), "{again}");
    assert!(again.contains("前答复"), "{again}");
    assert!(!events(&app, &lead.staff).await.contains(&"unit_rehandling".to_string()));
    let told = body_of(&app, &life.member, "rehandling").await;
    assert!(told.contains(&format!("已交{}重新办理，期限至", co.name)), "{told}");
}
