//! The office's review (立案, 不立案, 转社情民意, 并案, 重点提案) and assignment (交办).

use crate::common;

use common::fixtures::Fixture;
use common::{Reply, TestApp, TestUser};
use diesel::prelude::*;
use proposal_desk::db::schema::{assignments, deadlines, proposals, units};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::ProposalState;
use serde_json::{Value, json};

both_backends!(
    filing_numbers_each_kind_in_its_session_in_order,
    concurrent_filings_take_each_number_exactly_once,
    refusal_needs_a_configured_reason_and_the_proposer_reads_it,
    conversion_keeps_the_offices_note,
    a_merged_proposer_sees_the_target_and_its_reply,
    a_key_proposal_is_seen_by_its_leader_only,
    assignment_to_a_lead_and_a_co_unit_sets_the_configured_deadlines,
    separate_units_reply_by_a_fixed_date,
    each_unit_may_have_its_own_date,
    every_invalid_assignment_form_is_refused_and_nothing_is_written,
    only_the_office_reviews,
    assigning_before_filing_names_what_may_be_done_instead,
    a_stale_version_is_refused,
);

fn path(id: &str, action: &str) -> String {
    format!("/api/proposals/{id}/{action}")
}

async fn office(app: &TestApp) -> TestUser {
    app.user(Role::Office).await
}

/// Asserts the one audit event the last action left.
fn assert_one_event(app: &TestApp, since: i64, action: &str, id: &str) {
    let events = app.audit_actions_after(since);
    assert_eq!(events, vec![(format!("proposal.{action}"), "office".to_string(), id.to_string())]);
}

/// Asserts a 422 whose only faulty field is `field`.
fn assert_invalid(reply: &Reply, field: &str) {
    reply.assert_problem(422, "validation");
    let fields: Vec<&str> =
        reply.body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, [field], "{}", reply.text);
}

async fn file(app: &TestApp, office: &TestUser, id: &str) -> Reply {
    app.post(&path(id, "file"), &office.token, json!({"version": app.version_of(id)})).await
}

async fn merge(app: &TestApp, office: &TestUser, id: &str, into: Value) -> Reply {
    app.post(&path(id, "merge"), &office.token, json!({"version": 1, "into_id": into})).await
}

async fn mark_key(app: &TestApp, office: &TestUser, id: &str, leader_id: Value, mode: String) -> Reply {
    app.post(&path(id, "key"), &office.token, json!({"version": 1, "leader_id": leader_id, "mode": mode})).await
}

fn set_kind(app: &TestApp, id: &str, kind: &str) {
    app.with_conn(|c| diesel::update(proposals::table.find(id)).set(proposals::kind.eq(kind)).execute(c))
        .expect("kind");
}

async fn filing_numbers_each_kind_in_its_session_in_order(app: TestApp) {
    let office = office(&app).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.proposal_in(ProposalState::Submitted).await.id);
    }
    let suggestion = app.proposal_in(ProposalState::Submitted).await.id;
    set_kind(&app, &suggestion, "suggestion");

    for (i, id) in ids.iter().enumerate() {
        let seq = app.last_audit_seq();
        let filed = file(&app, &office, id).await;
        filed.assert_ok();
        assert_eq!(filed.str("state"), "filed");
        assert_eq!(filed.str("state_label"), "已立案");
        assert_eq!(filed.body["number"], i + 1);
        assert_eq!(filed.str("number_label"), format!("一届一次会议第{}号提案", i + 1));
        assert_eq!(filed.str("filed_at"), "2026-03-02T01:00:00Z");
        assert_one_event(&app, seq, "file", id);
    }
    // Deputy suggestions (建议) are numbered on their own.
    let filed = file(&app, &office, &suggestion).await;
    filed.assert_ok();
    assert_eq!(filed.body["number"], 1);
    assert_eq!(filed.str("number_label"), "一届一次会议第1号建议");

    // The proposer sees the number too.
    let fixture = app.proposal_in(ProposalState::Submitted).await;
    file(&app, &office, &fixture.id).await.assert_ok();
    let seen = app.get(&format!("/api/proposals/{}", fixture.id), &fixture.proposer.token).await;
    assert_eq!(seen.str("number_label"), "一届一次会议第4号提案");
}

async fn concurrent_filings_take_each_number_exactly_once(app: TestApp) {
    let office = office(&app).await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(app.proposal_in(ProposalState::Submitted).await.id);
    }
    let paths: Vec<String> = ids.iter().map(|id| path(id, "file")).collect();
    let calls = paths.iter().map(|p| app.post(p, &office.token, json!({"version": 1})));
    let replies = futures_util::future::join_all(calls).await;
    let mut numbers: Vec<i64> = replies
        .iter()
        .map(|r| {
            r.assert_ok();
            r.body["number"].as_i64().expect("number")
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=10).collect::<Vec<i64>>());
    let stored: Vec<Option<i32>> = app
        .with_conn(|c| proposals::table.filter(proposals::id.eq_any(&ids)).select(proposals::number).load(c))
        .expect("numbers");
    let mut stored: Vec<i32> = stored.into_iter().flatten().collect();
    stored.sort_unstable();
    assert_eq!(stored, (1..=10).collect::<Vec<i32>>());
}

async fn refusal_needs_a_configured_reason_and_the_proposer_reads_it(app: TestApp) {
    let office = office(&app).await;
    let f = app.proposal_in(ProposalState::Submitted).await;
    let seq = app.last_audit_seq();

    let bad_code = app
        .post(
            &path(&f.id, "refuse"),
            &office.token,
            json!({"version": 1, "reason_code": "no_such_reason", "reason_text": "不属于受理范围"}),
        )
        .await;
    assert_invalid(&bad_code, "reason_code");
    let empty = app
        .post(&path(&f.id, "refuse"), &office.token, json!({"version": 1, "reason_code": "other", "reason_text": "  "}))
        .await;
    assert_invalid(&empty, "reason_text");
    let long = app
        .post(
            &path(&f.id, "refuse"),
            &office.token,
            json!({"version": 1, "reason_code": "other", "reason_text": "长".repeat(501)}),
        )
        .await;
    assert_invalid(&long, "reason_text");
    assert!(app.audit_actions_after(seq).is_empty());
    assert_eq!(app.state_of(&f.id), "submitted");

    let text = "所提问题属于个人诉求，建议通过信访渠道反映。";
    let refused = app
        .post(
            &path(&f.id, "refuse"),
            &office.token,
            json!({"version": 1, "reason_code": "individual_case", "reason_text": text}),
        )
        .await;
    refused.assert_ok();
    assert_eq!(refused.str("state"), "not_filed");
    assert_eq!(refused.body["number"], Value::Null);
    assert_one_event(&app, seq, "refuse_filing", &f.id);

    let seen = app.get(&format!("/api/proposals/{}", f.id), &f.proposer.token).await;
    seen.assert_ok();
    assert_eq!(seen.str("state_label"), "不予立案");
    assert_eq!(seen.str("refusal_code"), "individual_case");
    assert_eq!(seen.str("refusal_text"), text);
    assert_eq!(seen.body["allowed_actions"], json!([]));
}

async fn conversion_keeps_the_offices_note(app: TestApp) {
    let office = office(&app).await;
    let f = app.proposal_in(ProposalState::Submitted).await;
    let seq = app.last_audit_seq();
    let empty = app.post(&path(&f.id, "convert"), &office.token, json!({"version": 1, "note": ""})).await;
    assert_invalid(&empty, "note");

    let note = "反映的情况较为具体，转为社情民意信息报送。";
    let converted = app.post(&path(&f.id, "convert"), &office.token, json!({"version": 1, "note": note})).await;
    converted.assert_ok();
    assert_eq!(converted.str("state"), "converted");
    assert_eq!(converted.str("refusal_code"), "converted");
    assert_eq!(converted.str("refusal_text"), note);
    assert_one_event(&app, seq, "convert", &f.id);

    let seen = app.get(&format!("/api/proposals/{}", f.id), &f.proposer.token).await;
    assert_eq!(seen.str("state_label"), "转社情民意");
    assert_eq!(seen.str("refusal_text"), note);
}

async fn a_merged_proposer_sees_the_target_and_its_reply(app: TestApp) {
    let office = office(&app).await;
    let target = app.proposal_in(ProposalState::Replied).await;
    let source = app.proposal_in(ProposalState::Submitted).await;
    let target_path = format!("/api/proposals/{}", target.id);
    // Before merging, the target is someone else's.
    app.get(&target_path, &source.proposer.token).await.assert_problem(404, "not-found");

    let merge_into = |into: Value| merge(&app, &office, &source.id, into);
    assert_invalid(&merge_into(json!(uuid::Uuid::new_v4().to_string())).await, "into_id");
    assert_invalid(&merge_into(json!("not-an-id")).await, "into_id");
    assert_invalid(&merge_into(json!(source.id)).await, "into_id");
    let unfiled = app.proposal_in(ProposalState::Submitted).await;
    assert_invalid(&merge_into(json!(unfiled.id)).await, "into_id");
    let closed = app.proposal_in(ProposalState::Closed).await;
    assert_invalid(&merge_into(json!(closed.id)).await, "into_id");
    let suggestion = app.proposal_in(ProposalState::Filed).await;
    set_kind(&app, &suggestion.id, "suggestion");
    assert_invalid(&merge_into(json!(suggestion.id)).await, "into_id");

    let seq = app.last_audit_seq();
    let merged = merge_into(json!(target.id)).await;
    merged.assert_ok();
    assert_eq!(merged.str("state"), "merged");
    assert_eq!(merged.str("merged_into_id"), target.id);
    assert_one_event(&app, seq, "merge", &source.id);

    // Each merged proposer receives the reply: the target is now theirs to see, and to rate.
    let seen = app.get(&target_path, &source.proposer.token).await;
    seen.assert_ok();
    assert_eq!(seen.str("state"), "replied");
    let replies = seen.body["replies"].as_array().expect("replies");
    assert_eq!(replies.len(), 1);
    assert!(replies[0]["body"].as_str().is_some_and(|b| b.contains("社区养老")));
    assert_eq!(seen.body["allowed_actions"], json!(["rate"]));
    let own = app.get(&format!("/api/proposals/{}", source.id), &source.proposer.token).await;
    assert_eq!(own.str("merged_into_id"), target.id);
    // ...and in their list, beside their own.
    let list = app.get("/api/proposals", &source.proposer.token).await;
    let ids: Vec<&str> =
        list.body["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_str()).collect();
    assert!(ids.contains(&target.id.as_str()) && ids.contains(&source.id.as_str()), "{}", list.text);
    // Another member still does not see it.
    let stranger = app.user(Role::Member).await;
    app.get(&target_path, &stranger.token).await.assert_problem(404, "not-found");
}

async fn a_key_proposal_is_seen_by_its_leader_only(app: TestApp) {
    let office = office(&app).await;
    let leader = app.user(Role::Leader).await;
    let other = app.user(Role::Leader).await;
    let member = app.user(Role::Member).await;
    let f = app.proposal_in(ProposalState::Filed).await;
    let key = |leader_id: &str, mode: &str| mark_key(&app, &office, &f.id, json!(leader_id), mode.to_string());
    assert_invalid(&key(&member.id, "lead").await, "leader_id");
    assert_invalid(&key("nobody", "lead").await, "leader_id");
    assert_invalid(&key(&leader.id, "chair").await, "mode");
    let disabled = app.user(Role::Leader).await;
    app.with_conn(|c| {
        use proposal_desk::db::schema::users;
        diesel::update(users::table.find(&disabled.id)).set(users::disabled.eq(true)).execute(c)
    })
    .expect("disable");
    assert_invalid(&key(&disabled.id, "supervise").await, "leader_id");
    let view = format!("/api/proposals/{}", f.id);
    app.get(&view, &leader.token).await.assert_problem(404, "not-found");

    let seq = app.last_audit_seq();
    let marked = key(&leader.id, "lead").await;
    marked.assert_ok();
    assert_eq!(marked.body["is_key"], true);
    assert_eq!(marked.str("key_leader_id"), leader.id);
    assert_eq!(marked.str("key_mode"), "lead");
    assert_eq!(marked.str("state"), "filed");
    assert_eq!(marked.body["version"], 2);
    assert_one_event(&app, seq, "mark_key", &f.id);

    let seen = app.get(&view, &leader.token).await;
    seen.assert_ok();
    assert_eq!(seen.body["is_key"], true);
    let list = app.get("/api/proposals", &leader.token).await;
    assert_eq!(list.body["total"], 1, "{}", list.text);
    assert_eq!(list.body["items"][0]["id"], f.id);
    assert_eq!(list.body["items"][0]["is_key"], true);

    app.get(&view, &other.token).await.assert_problem(404, "not-found");
    assert_eq!(app.get("/api/proposals", &other.token).await.body["total"], 0);
}

fn unit_deadlines(app: &TestApp, assignment_id: &str) -> Vec<(String, String)> {
    let mut rows: Vec<(String, chrono::NaiveDateTime)> = app
        .with_conn(|c| {
            deadlines::table
                .filter(deadlines::object_type.eq("assignment"))
                .filter(deadlines::object_id.eq(assignment_id))
                .select((deadlines::kind, deadlines::due_at))
                .load(c)
        })
        .expect("deadlines");
    rows.sort();
    rows.into_iter().map(|(k, d)| (k, d.format("%Y-%m-%dT%H:%M:%S").to_string())).collect()
}

fn assignment_of<'a>(view: &'a Reply, unit_id: &str) -> &'a Value {
    view.body["assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .find(|a| a["unit_id"] == unit_id)
        .unwrap_or_else(|| panic!("no assignment for {unit_id} in {}", view.text))
}

async fn assignment_to_a_lead_and_a_co_unit_sets_the_configured_deadlines(app: TestApp) {
    let office = office(&app).await;
    let f = app.proposal_in(ProposalState::Filed).await;
    let (lead, staff, _head) = app.unit_with_people().await;
    let co = app.unit("co-unit");
    let proposal_view = format!("/api/proposals/{}", f.id);
    app.get(&proposal_view, &staff.token).await.assert_problem(404, "not-found");

    let seq = app.last_audit_seq();
    let assigned = app
        .post(
            &path(&f.id, "assign"),
            &office.token,
            json!({"version": 1, "lead_unit_id": lead, "co_unit_ids": [co], "separate_unit_ids": []}),
        )
        .await;
    assigned.assert_ok();
    assert_eq!(assigned.str("state"), "handling");
    assert_eq!(assigned.body["assignments"].as_array().map(Vec::len), Some(2));
    assert_one_event(&app, seq, "assign", &f.id);

    // The clock stands at Monday 2026-03-02 01:00 UTC (09:00 in Beijing): the
    // reply is due three months later, the co unit's opinion 30 days before
    // that, and a return may be asked for within 5 working days; each falls
    // due at the end of its day in Beijing, 23:59:59 there, 15:59:59 UTC.
    let l = assignment_of(&assigned, &lead);
    assert_eq!(l["unit_role"], "lead");
    assert_eq!(l["state"], "assigned");
    assert_eq!(l["assigned_at"], "2026-03-02T01:00:00Z");
    assert_eq!(l["due_at"], "2026-06-02T15:59:59Z");
    assert_eq!(l["opinion_due_at"], Value::Null);
    assert_eq!(l["return_window_ends_at"], "2026-03-09T15:59:59Z");
    assert_eq!(l["handling_round"], 1);
    let c = assignment_of(&assigned, &co);
    assert_eq!(c["unit_role"], "co");
    assert_eq!(c["due_at"], "2026-06-02T15:59:59Z");
    assert_eq!(c["opinion_due_at"], "2026-05-03T15:59:59Z");
    assert_eq!(c["return_window_ends_at"], "2026-03-09T15:59:59Z");

    let lead_assignment = l["id"].as_str().expect("id");
    let co_assignment = c["id"].as_str().expect("id");
    assert_eq!(
        unit_deadlines(&app, lead_assignment),
        [
            ("reply".to_string(), "2026-06-02T15:59:59".to_string()),
            ("return_window".into(), "2026-03-09T15:59:59".into())
        ]
    );
    assert_eq!(
        unit_deadlines(&app, co_assignment),
        [
            ("opinion".to_string(), "2026-05-03T15:59:59".to_string()),
            ("return_window".into(), "2026-03-09T15:59:59".into())
        ]
    );

    // The lead unit now sees its work, and may sign for it.
    let seen = app.get(&proposal_view, &staff.token).await;
    seen.assert_ok();
    assert!(seen.body["allowed_actions"].as_array().expect("actions").contains(&json!("sign_for")), "{}", seen.text);
}

async fn separate_units_reply_by_a_fixed_date(app: TestApp) {
    let office = office(&app).await;
    let f = app.proposal_in(ProposalState::Filed).await;
    let units = [app.unit("sep-a"), app.unit("sep-b"), app.unit("sep-c")];
    let assigned = app
        .post(
            &path(&f.id, "assign"),
            &office.token,
            json!({"version": 1, "separate_unit_ids": units, "due_on": "2026-04-30"}),
        )
        .await;
    assigned.assert_ok();
    assert_eq!(assigned.str("state"), "handling");
    for unit in &units {
        let a = assignment_of(&assigned, unit);
        assert_eq!(a["unit_role"], "separate");
        assert_eq!(a["due_at"], "2026-04-30T15:59:59Z");
        assert_eq!(a["opinion_due_at"], Value::Null);
        assert_eq!(
            unit_deadlines(&app, a["id"].as_str().expect("id")),
            [
                ("reply".to_string(), "2026-04-30T15:59:59".to_string()),
                ("return_window".into(), "2026-03-09T15:59:59".into())
            ]
        );
    }
}

async fn every_invalid_assignment_form_is_refused_and_nothing_is_written(app: TestApp) {
    let office = office(&app).await;
    let f: Fixture = app.proposal_in(ProposalState::Filed).await;
    let (a, b, c) = (app.unit("inv-a"), app.unit("inv-b"), app.unit("inv-c"));
    let closed = app.unit("inv-closed");
    app.with_conn(|conn| diesel::update(units::table.find(&closed)).set(units::active.eq(false)).execute(conn))
        .expect("deactivate");
    let unknown = uuid::Uuid::new_v4().to_string();
    let cases: Vec<(Value, &str)> = vec![
        // Neither form.
        (json!({"version": 1}), "lead_unit_id"),
        // Both forms at once.
        (json!({"version": 1, "lead_unit_id": a, "separate_unit_ids": [b, c]}), "separate_unit_ids"),
        // Co-handling units without a lead.
        (json!({"version": 1, "co_unit_ids": [a]}), "co_unit_ids"),
        (json!({"version": 1, "co_unit_ids": [a], "separate_unit_ids": [b, c]}), "co_unit_ids"),
        // 分办 needs at least two units.
        (json!({"version": 1, "separate_unit_ids": [a]}), "separate_unit_ids"),
        // The same unit twice.
        (json!({"version": 1, "lead_unit_id": a, "co_unit_ids": [a]}), "co_unit_ids"),
        (json!({"version": 1, "lead_unit_id": a, "co_unit_ids": [b, b]}), "co_unit_ids"),
        (json!({"version": 1, "separate_unit_ids": [a, b, a]}), "separate_unit_ids"),
        // Units that do not exist or are no longer active.
        (json!({"version": 1, "lead_unit_id": unknown}), "lead_unit_id"),
        (json!({"version": 1, "lead_unit_id": "not-an-id"}), "lead_unit_id"),
        (json!({"version": 1, "lead_unit_id": a, "co_unit_ids": [closed]}), "co_unit_ids"),
        (json!({"version": 1, "separate_unit_ids": [a, unknown]}), "separate_unit_ids"),
        // A fixed date must be after today and within a year.
        (json!({"version": 1, "lead_unit_id": a, "due_on": "2026-03-02"}), "due_on"),
        (json!({"version": 1, "lead_unit_id": a, "due_on": "2026-03-01"}), "due_on"),
        (json!({"version": 1, "lead_unit_id": a, "due_on": "2027-03-03"}), "due_on"),
        // A unit's own date: for a unit of this assignment, within the same limits.
        (json!({"version": 1, "lead_unit_id": a, "unit_due_on": {b.clone(): "2026-05-01"}}), "unit_due_on"),
        (json!({"version": 1, "lead_unit_id": a, "unit_due_on": {a.clone(): "2026-03-02"}}), "unit_due_on"),
        (json!({"version": 1, "lead_unit_id": a, "unit_due_on": {a.clone(): "2027-03-03"}}), "unit_due_on"),
    ];
    let seq = app.last_audit_seq();
    for (body, field) in cases {
        let reply = app.post(&path(&f.id, "assign"), &office.token, body.clone()).await;
        assert_eq!(reply.status.as_u16(), 422, "{body}: {}", reply.text);
        assert_invalid(&reply, field);
    }
    assert!(app.audit_actions_after(seq).is_empty());
    assert_eq!(app.state_of(&f.id), "filed");
    assert_eq!(app.version_of(&f.id), 1);
    let written: i64 = app
        .with_conn(|conn| assignments::table.filter(assignments::proposal_id.eq(&f.id)).count().get_result(conn))
        .expect("count");
    assert_eq!(written, 0);
    let chased: i64 = app.with_conn(|conn| deadlines::table.count().get_result(conn)).expect("count");
    assert_eq!(chased, 0);

    // A year ahead exactly is still allowed.
    let fine = app
        .post(&path(&f.id, "assign"), &office.token, json!({"version": 1, "lead_unit_id": a, "due_on": "2027-03-02"}))
        .await;
    fine.assert_ok();
    assert_eq!(fine.body["assignments"][0]["due_at"], "2027-03-02T15:59:59Z");
}

async fn only_the_office_reviews(app: TestApp) {
    let f = app.proposal_in(ProposalState::Submitted).await;
    let stranger = app.user(Role::Member).await;
    let staff = app.user(Role::UnitStaff).await;
    let head = app.user(Role::UnitHead).await;
    let leader = app.user(Role::Leader).await;
    let admin = app.user(Role::Admin).await;
    let filed = app.proposal_in(ProposalState::Handling).await;
    let seq = app.last_audit_seq();
    let bodies = [
        ("file", json!({"version": 1})),
        ("refuse", json!({"version": 1, "reason_code": "other", "reason_text": "其他原因"})),
        ("convert", json!({"version": 1, "note": "转为社情民意"})),
        ("merge", json!({"version": 1, "into_id": uuid::Uuid::new_v4().to_string()})),
    ];
    for (action, body) in &bodies {
        // The proposer sees it but review is not theirs (403); everyone else may not even see it (404).
        app.post(&path(&f.id, action), &f.proposer.token, body.clone()).await.assert_problem(403, "forbidden");
        for who in [&stranger, &staff, &head, &leader, &admin] {
            let reply = app.post(&path(&f.id, action), &who.token, body.clone()).await;
            assert_eq!(reply.status.as_u16(), 404, "{action} by {:?}: {}", who.role, reply.text);
            reply.assert_problem(404, "not-found");
        }
    }
    // Key marking and assignment, once filed: the assigned units see it but may not assign.
    let lead = filed.lead();
    let key = json!({"version": 1, "leader_id": leader.id, "mode": "lead"});
    app.post(&path(&filed.id, "key"), &lead.head.token, key.clone()).await.assert_problem(403, "forbidden");
    app.post(&path(&filed.id, "key"), &leader.token, key).await.assert_problem(404, "not-found");
    let assign = json!({"version": 1, "lead_unit_id": lead.unit_id});
    app.post(&path(&filed.id, "assign"), &lead.staff.token, assign.clone()).await.assert_problem(403, "forbidden");
    app.post(&path(&filed.id, "assign"), &filed.proposer.token, assign).await.assert_problem(403, "forbidden");
    assert!(app.audit_actions_after(seq).is_empty());
    assert_eq!(app.state_of(&f.id), "submitted");
}

async fn assigning_before_filing_names_what_may_be_done_instead(app: TestApp) {
    let office = office(&app).await;
    let f = app.proposal_in(ProposalState::Submitted).await;
    let unit = app.unit("early");
    let early = app.post(&path(&f.id, "assign"), &office.token, json!({"version": 1, "lead_unit_id": unit})).await;
    early.assert_problem(409, "invalid-transition");
    assert_eq!(early.body["current_state"], "submitted");
    assert_eq!(early.body["allowed_actions"], json!(["file", "refuse_filing", "convert", "merge"]));

    // Once filed it cannot be filed again, only marked key or assigned.
    file(&app, &office, &f.id).await.assert_ok();
    let again = file(&app, &office, &f.id).await;
    again.assert_problem(409, "invalid-transition");
    assert_eq!(again.body["allowed_actions"], json!(["mark_key", "assign"]));
    // A final state allows nothing.
    let refused = app.proposal_in(ProposalState::NotFiled).await;
    let late = file(&app, &office, &refused.id).await;
    late.assert_problem(409, "invalid-transition");
    assert_eq!(late.body["allowed_actions"], json!([]));
}

async fn a_stale_version_is_refused(app: TestApp) {
    let office = office(&app).await;
    let leader = app.user(Role::Leader).await;
    let unit = app.unit("stale");
    let f = app.proposal_in(ProposalState::Submitted).await;
    let seq = app.last_audit_seq();
    for (action, body) in [
        ("file", json!({"version": 7})),
        ("refuse", json!({"version": 7, "reason_code": "other", "reason_text": "其他原因"})),
        ("convert", json!({"version": 7, "note": "转为社情民意"})),
    ] {
        let stale = app.post(&path(&f.id, action), &office.token, body).await;
        stale.assert_problem(409, "stale-version");
        assert_eq!(stale.body["current_version"], 1);
    }
    file(&app, &office, &f.id).await.assert_ok();
    let stale = app.post(&path(&f.id, "assign"), &office.token, json!({"version": 1, "lead_unit_id": unit})).await;
    stale.assert_problem(409, "stale-version");
    assert_eq!(stale.body["current_version"], 2);
    let stale = app
        .post(&path(&f.id, "key"), &office.token, json!({"version": 1, "leader_id": leader.id, "mode": "supervise"}))
        .await;
    stale.assert_problem(409, "stale-version");
    // Only the filing left a trace.
    assert_one_event(&app, seq, "file", &f.id);
    assert_eq!(app.state_of(&f.id), "filed");
}

/// The office gives one separate unit its own date; the others keep the
/// common one, or the configured three months when none is given.
async fn each_unit_may_have_its_own_date(app: TestApp) {
    let office = office(&app).await;
    let f = app.proposal_in(ProposalState::Filed).await;
    let (a, b, c) = (app.unit("own-a"), app.unit("own-b"), app.unit("own-c"));
    let body = json!({"version": 1, "separate_unit_ids": [a, b, c], "due_on": "2026-04-30", "unit_due_on": {b.clone(): "2026-05-29"}});
    let assigned = app.post(&path(&f.id, "assign"), &office.token, body).await;
    assigned.assert_ok();
    assert_eq!(assignment_of(&assigned, &a)["due_at"], "2026-04-30T15:59:59Z");
    assert_eq!(assignment_of(&assigned, &b)["due_at"], "2026-05-29T15:59:59Z");
    assert_eq!(assignment_of(&assigned, &c)["due_at"], "2026-04-30T15:59:59Z");

    let g = app.proposal_in(ProposalState::Filed).await;
    let body = json!({"version": 1, "lead_unit_id": a, "co_unit_ids": [b], "unit_due_on": {a.clone(): "2026-05-15"}});
    let assigned = app.post(&path(&g.id, "assign"), &office.token, body).await;
    assigned.assert_ok();
    assert_eq!(assignment_of(&assigned, &a)["due_at"], "2026-05-15T15:59:59Z");
    assert_eq!(assignment_of(&assigned, &b)["due_at"], "2026-06-02T15:59:59Z", "the configured three months");

    // A reply due in two weeks leaves no 30 days for a co-handling opinion:
    // it is due the next working day (Tuesday 03-03), not in the past.
    let h = app.proposal_in(ProposalState::Filed).await;
    let body = json!({"version": 1, "lead_unit_id": a, "co_unit_ids": [b], "due_on": "2026-03-16"});
    let assigned = app.post(&path(&h.id, "assign"), &office.token, body).await;
    assigned.assert_ok();
    assert_eq!(assignment_of(&assigned, &b)["opinion_due_at"], "2026-03-03T15:59:59Z");
}
