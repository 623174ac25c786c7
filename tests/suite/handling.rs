//! Handling: units sign for their part, talk with the proposer, send opinions,
//! draft, sign off and submit replies; they ask for a return or more time, and
//! the office decides.

use crate::common;

use crate::common::due::{add_months, add_working_days};
use actix_web::http::Method;
use chrono::Duration;
use common::TestApp;
use common::fixtures::{Fixture, UnitFixture};
use diesel::prelude::*;
use proposal_desk::db::models::proposal::AssignmentRow;
use proposal_desk::db::schema::{assignments, deadlines, proposals};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::{AssignmentState, ProposalState, UnitRole};
use serde_json::{Value, json};

both_backends!(
    a_contact_made_early_in_the_morning_in_beijing_is_of_that_day,
    the_lead_and_co_units_handle_a_proposal_to_its_reply,
    a_reply_needs_a_contact_unless_the_office_waives_it,
    units_reach_only_their_own_assignment,
    a_return_within_the_window_is_approved_and_handed_to_another_unit,
    a_return_after_the_window_is_refused,
    approving_the_only_replying_units_return_sends_it_back_to_be_assigned,
    an_approved_extension_moves_the_due_date,
    separate_units_each_reply_for_their_part,
    when_the_unit_still_working_is_released_the_replied_part_stands,
);

fn at(f: &Fixture, unit: &UnitFixture, tail: &str) -> String {
    format!("/api/proposals/{}/assignments/{}/{tail}", f.id, unit.assignment_id)
}

/// A successful action: it answers 2xx and leaves exactly one audit event, its own.
async fn act(app: &TestApp, method: Method, path: &str, token: &str, body: Value, action: &str) -> common::Reply {
    let seq = app.last_audit_seq();
    let reply = app.send(method, path, Some(token), Some(body)).await;
    reply.assert_ok();
    let events = app.audit_actions_after(seq);
    assert_eq!(events.len(), 1, "{path}: {events:?}");
    assert_eq!(events[0].0, format!("proposal.{action}"), "{path}");
    reply
}

/// A refused action: it leaves nothing in the audit trail.
async fn refused(app: &TestApp, method: Method, path: &str, token: &str, body: Value) -> common::Reply {
    let seq = app.last_audit_seq();
    let reply = app.send(method, path, Some(token), Some(body)).await;
    assert!(reply.status.is_client_error(), "{path}: {} {}", reply.status, reply.text);
    assert!(app.audit_actions_after(seq).is_empty(), "{path}");
    reply
}

fn assignment<'a>(view: &'a Value, id: &str) -> &'a Value {
    view["assignments"].as_array().and_then(|a| a.iter().find(|x| x["id"] == id)).expect("assignment in view")
}

fn reply_of<'a>(view: &'a Value, assignment_id: &str) -> &'a Value {
    view["replies"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["assignment_id"] == assignment_id))
        .expect("reply in view")
}

fn today(app: &TestApp) -> String {
    app.clock_now().date().to_string()
}

fn contact(app: &TestApp) -> Value {
    json!({"kind": "meeting", "contacted_on": today(app), "summary": "到委员单位当面听取意见，交换了办理思路。"})
}

fn a_reply() -> Value {
    json!({
        "grade": "A",
        "body": "经研究，已将社区养老服务纳入年度重点工作。联系人：张三，电话 12345678。",
        "public_body": "经研究，已将社区养老服务纳入年度重点工作。",
        "person_in_charge": "李四"
    })
}

fn b_reply() -> Value {
    json!({
        "grade": "B",
        "body": "部分建议已采纳，其余列入明年计划。联系人：张三，电话 12345678。",
        "public_body": "部分建议已采纳，其余列入明年计划。",
        "person_in_charge": "李四",
        "commitments": [{"description": "新建 3 个嵌入式养老服务站", "target_date": "2026-12-31"}]
    })
}

/// A deadline to chase, as 交办 records it.
fn chase(app: &TestApp, assignment_id: &str, kind: &str, due: chrono::NaiveDateTime) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let now = app.clock_now();
    app.with_conn(|c| {
        diesel::insert_into(deadlines::table)
            .values((
                deadlines::id.eq(&id),
                deadlines::object_type.eq("assignment"),
                deadlines::object_id.eq(assignment_id),
                deadlines::kind.eq(kind),
                deadlines::due_at.eq(due),
                deadlines::created_at.eq(now),
            ))
            .execute(c)
    })
    .expect("deadline");
    id
}

fn met_at(app: &TestApp, deadline_id: &str) -> Option<chrono::NaiveDateTime> {
    app.with_conn(|c| deadlines::table.find(deadline_id).select(deadlines::met_at).first(c)).expect("deadline")
}

/// The unit's contact, its reply drafted and signed off, ready to submit.
async fn ready_to_submit(app: &TestApp, f: &Fixture, unit: &UnitFixture) {
    send_co_opinion(app, f).await;
    act(app, Method::POST, &at(f, unit, "contacts"), &unit.staff.token, contact(app), "record_contact").await;
    act(app, Method::PUT, &at(f, unit, "reply"), &unit.staff.token, a_reply(), "draft_reply").await;
    act(app, Method::POST, &at(f, unit, "reply/sign-off"), &unit.head.token, json!({}), "sign_off_reply").await;
}

/// The co-handling unit's opinion, which the lead unit's reply waits for.
async fn send_co_opinion(app: &TestApp, f: &Fixture) {
    if let Some(co) = &f.co {
        let opinion = json!({"body": "同意主办单位意见。"});
        act(app, Method::POST, &at(f, co, "opinion"), &co.staff.token, opinion, "send_opinion").await;
    }
}

async fn the_lead_and_co_units_handle_a_proposal_to_its_reply(app: TestApp) {
    let f = app.proposal_in(ProposalState::Handling).await;
    let (lead, co) = (f.lead(), f.co());

    let signed = act(&app, Method::POST, &at(&f, lead, "sign-for"), &lead.staff.token, json!({}), "sign_for").await;
    assert_eq!(assignment(&signed.body, &lead.assignment_id)["state"], "received");
    assert!(assignment(&signed.body, &lead.assignment_id)["signed_for_at"].is_string());
    let twice = refused(&app, Method::POST, &at(&f, lead, "sign-for"), &lead.head.token, json!({})).await;
    twice.assert_problem(409, "invalid-transition");
    assert_eq!(twice.body["rule"], "already_signed");

    act(&app, Method::POST, &at(&f, lead, "contacts"), &lead.staff.token, contact(&app), "record_contact").await;
    let future = json!({"kind": "phone", "contacted_on": "2030-01-01", "summary": "电话沟通"});
    refused(&app, Method::POST, &at(&f, lead, "contacts"), &lead.staff.token, future)
        .await
        .assert_problem(422, "validation");

    // The co-handling unit sends its opinion; the lead unit reads it, the proposer does not.
    act(&app, Method::POST, &at(&f, co, "sign-for"), &co.staff.token, json!({}), "sign_for").await;
    let opinion = json!({"body": "建议结合老旧小区改造统筹建设养老服务设施。"});
    let opinion_due = chase(&app, &co.assignment_id, "opinion", app.clock_now() + Duration::days(60));
    act(&app, Method::POST, &at(&f, co, "opinion"), &co.staff.token, opinion.clone(), "send_opinion").await;
    assert_eq!(met_at(&app, &opinion_due), Some(app.clock_now()));
    let lead_view = app.get(&format!("/api/proposals/{}", f.id), &lead.staff.token).await;
    assert_eq!(lead_view.body["opinions"][0]["body"], opinion["body"], "{}", lead_view.text);
    let proposer_view = app.get(&format!("/api/proposals/{}", f.id), &f.proposer.token).await;
    proposer_view.assert_ok();
    assert_eq!(proposer_view.body["opinions"], json!([]));
    // Only co-handling units send opinions.
    refused(&app, Method::POST, &at(&f, lead, "opinion"), &lead.staff.token, opinion)
        .await
        .assert_problem(403, "forbidden");

    // A B reply carries commitments; A and C replies none.
    let mut no_commitment = b_reply();
    no_commitment["commitments"] = json!([]);
    let bad = refused(&app, Method::PUT, &at(&f, lead, "reply"), &lead.staff.token, no_commitment).await;
    bad.assert_problem(422, "validation");
    assert_eq!(bad.body["errors"][0]["field"], "commitments");
    let mut a_with_commitment = b_reply();
    a_with_commitment["grade"] = json!("A");
    refused(&app, Method::PUT, &at(&f, lead, "reply"), &lead.staff.token, a_with_commitment)
        .await
        .assert_problem(422, "validation");
    let drafted = act(&app, Method::PUT, &at(&f, lead, "reply"), &lead.staff.token, b_reply(), "draft_reply").await;
    assert_eq!(reply_of(&drafted.body, &lead.assignment_id)["grade"], "B");
    assert_eq!(drafted.body["commitments"].as_array().map(Vec::len), Some(1));
    // The co-handling unit does not see the lead's draft.
    let co_view = app.get(&format!("/api/proposals/{}", f.id), &co.staff.token).await;
    assert_eq!(co_view.body["replies"], json!([]));

    // Only the head signs off; an unsigned reply cannot go out.
    refused(&app, Method::POST, &at(&f, lead, "reply/sign-off"), &lead.staff.token, json!({}))
        .await
        .assert_problem(403, "forbidden");
    let unsigned = refused(&app, Method::POST, &at(&f, lead, "reply/submit"), &lead.staff.token, json!({})).await;
    assert_eq!(unsigned.body["rule"], "not_signed_off", "{}", unsigned.text);
    let signed_off =
        act(&app, Method::POST, &at(&f, lead, "reply/sign-off"), &lead.head.token, json!({}), "sign_off_reply").await;
    assert_eq!(reply_of(&signed_off.body, &lead.assignment_id)["signed_off_by_id"], json!(lead.head.id));

    // Changing a signed-off draft needs a new sign-off; the commitments are replaced.
    let mut changed = b_reply();
    changed["commitments"] = json!([
        {"description": "新建 5 个嵌入式养老服务站", "target_date": "2026-12-31"},
        {"description": "培训护理员 200 名", "target_date": "2027-06-30"}
    ]);
    let redrafted = act(&app, Method::PUT, &at(&f, lead, "reply"), &lead.staff.token, changed, "draft_reply").await;
    assert_eq!(reply_of(&redrafted.body, &lead.assignment_id)["signed_off_at"], Value::Null);
    assert_eq!(redrafted.body["commitments"].as_array().map(Vec::len), Some(2));
    act(&app, Method::POST, &at(&f, lead, "reply/sign-off"), &lead.head.token, json!({}), "sign_off_reply").await;

    let submitted =
        act(&app, Method::POST, &at(&f, lead, "reply/submit"), &lead.staff.token, json!({}), "submit_reply").await;
    assert_eq!(submitted.str("state"), "replied");
    assert_eq!(submitted.str("state_label"), "已答复");
    let now = app.clock_now();
    // The default rating window: 15 working days.
    let rating_due = add_working_days(now, 15);
    assert_eq!(submitted.str("rating_due_at"), rating_due.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    assert_eq!(assignment(&submitted.body, &lead.assignment_id)["state"], "done");
    // The proposer now reads the submitted reply.
    let seen = app.get(&format!("/api/proposals/{}", f.id), &f.proposer.token).await;
    assert_eq!(reply_of(&seen.body, &lead.assignment_id)["grade"], "B");
    assert_eq!(seen.body["commitments"].as_array().map(Vec::len), Some(2));
}

async fn a_reply_needs_a_contact_unless_the_office_waives_it(app: TestApp) {
    let f = app.proposal_in(ProposalState::Handling).await;
    let lead = f.lead();
    let office = app.user(Role::Office).await;
    act(&app, Method::PUT, &at(&f, lead, "reply"), &lead.staff.token, a_reply(), "draft_reply").await;
    act(&app, Method::POST, &at(&f, lead, "reply/sign-off"), &lead.head.token, json!({}), "sign_off_reply").await;
    let no_contact = refused(&app, Method::POST, &at(&f, lead, "reply/submit"), &lead.head.token, json!({})).await;
    no_contact.assert_problem(409, "invalid-transition");
    assert_eq!(no_contact.body["rule"], "no_contact");

    // The waiver is the office's alone.
    let reason = json!({"reason": "委员长期在外地，已书面征求意见"});
    refused(&app, Method::POST, &at(&f, lead, "contact-waiver"), &lead.head.token, reason.clone())
        .await
        .assert_problem(403, "forbidden");
    let waived = act(&app, Method::POST, &at(&f, lead, "contact-waiver"), &office.token, reason, "waive_contact").await;
    send_co_opinion(&app, &f).await;
    assert_eq!(assignment(&waived.body, &lead.assignment_id)["contact_waiver"], "委员长期在外地，已书面征求意见");
    let submitted =
        act(&app, Method::POST, &at(&f, lead, "reply/submit"), &lead.head.token, json!({}), "submit_reply").await;
    assert_eq!(submitted.str("state"), "replied");
}

async fn units_reach_only_their_own_assignment(app: TestApp) {
    let f = app.proposal_in(ProposalState::Handling).await;
    let other = app.proposal_in(ProposalState::Handling).await;
    let (lead, co) = (f.lead(), f.co());
    let office = app.user(Role::Office).await;
    let stranger = app.user(Role::UnitStaff).await;

    // Another unit's assignment, or one of another proposal, does not exist for them.
    refused(&app, Method::POST, &at(&f, lead, "contacts"), &co.staff.token, contact(&app))
        .await
        .assert_problem(404, "not-found");
    refused(&app, Method::POST, &at(&f, lead, "sign-for"), &co.head.token, json!({}))
        .await
        .assert_problem(404, "not-found");
    refused(&app, Method::POST, &at(&f, lead, "sign-for"), &stranger.token, json!({}))
        .await
        .assert_problem(404, "not-found");
    let elsewhere = format!("/api/proposals/{}/assignments/{}/sign-for", f.id, other.lead().assignment_id);
    refused(&app, Method::POST, &elsewhere, &other.lead().staff.token, json!({}))
        .await
        .assert_problem(404, "not-found");
    let unknown = format!("/api/proposals/{}/assignments/{}/sign-for", f.id, uuid::Uuid::new_v4());
    refused(&app, Method::POST, &unknown, &lead.staff.token, json!({})).await.assert_problem(404, "not-found");
    let not_an_id = format!("/api/proposals/{}/assignments/x'--/sign-for", f.id);
    refused(&app, Method::POST, &not_an_id, &lead.staff.token, json!({})).await.assert_problem(404, "not-found");

    // The co-handling unit does not reply, and the office does not handle.
    refused(&app, Method::PUT, &at(&f, co, "reply"), &co.staff.token, a_reply()).await.assert_problem(403, "forbidden");
    refused(&app, Method::POST, &at(&f, lead, "sign-for"), &office.token, json!({}))
        .await
        .assert_problem(403, "forbidden");
    // Nothing to sign off or submit before a draft.
    let nothing = refused(&app, Method::POST, &at(&f, lead, "reply/sign-off"), &lead.head.token, json!({})).await;
    assert_eq!(nothing.body["rule"], "no_draft");
    // Unknown fields are refused.
    refused(&app, Method::POST, &at(&f, lead, "sign-for"), &lead.staff.token, json!({"at": "now"}))
        .await
        .assert_problem(400, "bad-request");
    // Before handling, there is nothing to handle.
    let filed = app.proposal_in(ProposalState::Replied).await;
    let late =
        refused(&app, Method::POST, &at(&filed, filed.lead(), "contacts"), &filed.lead().staff.token, contact(&app))
            .await;
    late.assert_problem(409, "invalid-transition");
    assert_eq!(late.body["current_state"], "replied");
}

async fn a_return_within_the_window_is_approved_and_handed_to_another_unit(app: TestApp) {
    let f = app.proposal_in(ProposalState::Handling).await;
    let lead = f.lead();
    let office = app.user(Role::Office).await;
    let (new_unit, new_staff, _) = app.unit_with_people().await;
    let reason = json!({"reason": "该事项属于民政部门职责，不在本单位职能范围内"});

    let asked =
        act(&app, Method::POST, &at(&f, lead, "return-request"), &lead.staff.token, reason.clone(), "request_return")
            .await;
    let request = &asked.body["requests"][0];
    assert_eq!(request["kind"], "return");
    assert_eq!(request["decision"], "pending");
    let request_id = request["id"].as_str().expect("request id").to_string();
    let again = refused(&app, Method::POST, &at(&f, lead, "return-request"), &lead.staff.token, reason).await;
    assert_eq!(again.body["rule"], "request_pending");
    // The new unit cannot see it yet.
    app.get(&format!("/api/proposals/{}", f.id), &new_staff.token).await.assert_problem(404, "not-found");

    let decision = format!("/api/proposals/{}/requests/{request_id}/decision", f.id);
    refused(&app, Method::POST, &decision, &lead.head.token, json!({"approve": true}))
        .await
        .assert_problem(403, "forbidden");
    let approved = act(
        &app,
        Method::POST,
        &decision,
        &office.token,
        json!({"approve": true, "note": "同意改办民政局", "reassign_to_unit_id": new_unit}),
        "decide_return",
    )
    .await;
    assert_eq!(approved.str("state"), "handling");
    assert_eq!(assignment(&approved.body, &lead.assignment_id)["state"], "returned");
    let fresh = approved.body["assignments"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["unit_id"] == new_unit.as_str()))
        .expect("new assignment");
    assert_eq!(fresh["unit_role"], "lead");
    assert_eq!(fresh["state"], "assigned");
    let now = app.clock_now();
    let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    // The default rules: a reply in three months, a return window of five working days.
    assert_eq!(fresh["due_at"], fmt(add_months(now, 3)));
    assert_eq!(fresh["return_window_ends_at"], fmt(add_working_days(now, 5)));
    let fresh_id = fresh["id"].as_str().expect("id").to_string();
    let mut chased: Vec<String> = app
        .with_conn(|c| deadlines::table.filter(deadlines::object_id.eq(&fresh_id)).select(deadlines::kind).load(c))
        .expect("deadlines");
    chased.sort();
    assert_eq!(chased, ["reply", "return_window"]);
    assert_eq!(approved.body["requests"][0]["decision"], "approved");

    // The new unit handles it now; the old one no longer sees it.
    let seen = app.get(&format!("/api/proposals/{}", f.id), &new_staff.token).await;
    seen.assert_ok();
    assert!(seen.body["allowed_actions"].as_array().is_some_and(|a| a.contains(&json!("draft_reply"))));
    app.get(&format!("/api/proposals/{}", f.id), &lead.staff.token).await.assert_problem(404, "not-found");
    let list = app.get("/api/proposals", &lead.staff.token).await;
    assert_eq!(list.body["total"], 0);
    // A decision is made once.
    let twice = refused(&app, Method::POST, &decision, &office.token, json!({"approve": false})).await;
    assert_eq!(twice.body["rule"], "already_decided");

    // A refused return changes nothing else.
    let co = f.co();
    let asked = act(
        &app,
        Method::POST,
        &at(&f, co, "return-request"),
        &co.staff.token,
        json!({"reason": "本单位不涉及此事项"}),
        "request_return",
    )
    .await;
    let co_request = asked.body["requests"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["assignment_id"] == co.assignment_id.as_str()))
        .and_then(|r| r["id"].as_str())
        .expect("co request")
        .to_string();
    let refusal = act(
        &app,
        Method::POST,
        &format!("/api/proposals/{}/requests/{co_request}/decision", f.id),
        &office.token,
        json!({"approve": false, "note": "请会同主办单位研究"}),
        "decide_return",
    )
    .await;
    assert_eq!(assignment(&refusal.body, &co.assignment_id)["state"], "assigned");
    app.get(&format!("/api/proposals/{}", f.id), &co.staff.token).await.assert_ok();
}

async fn a_return_after_the_window_is_refused(app: TestApp) {
    let f = app.proposal_in(ProposalState::Handling).await;
    let lead = f.lead();
    app.clock.advance(Duration::days(10));
    let token = app.token(&lead.staff).await;
    let late =
        refused(&app, Method::POST, &at(&f, lead, "return-request"), &token, json!({"reason": "不属于本单位职责"}))
            .await;
    late.assert_problem(409, "invalid-transition");
    assert_eq!(late.body["rule"], "return_window_passed");
}

async fn approving_the_only_replying_units_return_sends_it_back_to_be_assigned(app: TestApp) {
    let f = app.proposal_in(ProposalState::Handling).await;
    let (lead, co) = (f.lead(), f.co());
    let office = app.user(Role::Office).await;
    let asked = act(
        &app,
        Method::POST,
        &at(&f, lead, "return-request"),
        &lead.staff.token,
        json!({"reason": "不属于本单位职责"}),
        "request_return",
    )
    .await;
    let request_id = asked.body["requests"][0]["id"].as_str().expect("id").to_string();
    let decision = format!("/api/proposals/{}/requests/{request_id}/decision", f.id);
    // A return is no extension.
    refused(&app, Method::POST, &decision, &office.token, json!({"approve": true, "new_due_on": "2026-12-31"}))
        .await
        .assert_problem(422, "validation");
    let approved = act(&app, Method::POST, &decision, &office.token, json!({"approve": true}), "decide_return").await;
    assert_eq!(approved.str("state"), "filed");
    assert!(approved.body["allowed_actions"].as_array().is_some_and(|a| a.contains(&json!("assign"))));
    // Everyone is released, to be assigned afresh.
    for a in approved.body["assignments"].as_array().expect("assignments") {
        assert_eq!(a["state"], "returned");
    }
    app.get(&format!("/api/proposals/{}", f.id), &co.staff.token).await.assert_problem(404, "not-found");
}

async fn an_approved_extension_moves_the_due_date(app: TestApp) {
    let f = app.proposal_in(ProposalState::Handling).await;
    let lead = f.lead();
    let office = app.user(Role::Office).await;
    let due: chrono::NaiveDateTime = app
        .with_conn(|c| assignments::table.find(&lead.assignment_id).select(assignments::due_at).first(c))
        .expect("due");
    let deadline_id = chase(&app, &lead.assignment_id, "reply", due);

    let path = at(&f, lead, "extension-request");
    let too_early = json!({"reason": "需要协调多个部门", "requested_due_on": due.date().to_string()});
    refused(&app, Method::POST, &path, &lead.staff.token, too_early).await.assert_problem(422, "validation");
    let wanted = due.date() + Duration::days(30);
    let body = json!({"reason": "需要协调多个部门，并开展实地调研", "requested_due_on": wanted.to_string()});
    let asked = act(&app, Method::POST, &path, &lead.staff.token, body.clone(), "request_extension").await;
    let request_id = asked.body["requests"][0]["id"].as_str().expect("id").to_string();
    let again = refused(&app, Method::POST, &path, &lead.staff.token, body).await;
    assert_eq!(again.body["rule"], "request_pending");
    // Co-handling units do not reply, so they ask for no extension.
    refused(
        &app,
        Method::POST,
        &at(&f, f.co(), "extension-request"),
        &f.co().staff.token,
        json!({"reason": "需要时间", "requested_due_on": wanted.to_string()}),
    )
    .await
    .assert_problem(403, "forbidden");

    let approved = act(
        &app,
        Method::POST,
        &format!("/api/proposals/{}/requests/{request_id}/decision", f.id),
        &office.token,
        json!({"approve": true}),
        "decide_extension",
    )
    .await;
    // The end of the day in Beijing: 23:59:59 there, 15:59:59 UTC.
    let expected = format!("{wanted}T15:59:59");
    assert_eq!(assignment(&approved.body, &lead.assignment_id)["due_at"], format!("{expected}Z").as_str());
    let moved: chrono::NaiveDateTime =
        app.with_conn(|c| deadlines::table.find(&deadline_id).select(deadlines::due_at).first(c)).expect("deadline");
    assert_eq!(moved.format("%Y-%m-%dT%H:%M:%S").to_string(), expected);

    // A second extension, granted for less than was asked.
    let asked = act(
        &app,
        Method::POST,
        &path,
        &lead.staff.token,
        json!({"reason": "调研尚未完成", "requested_due_on": (wanted + Duration::days(60)).to_string()}),
        "request_extension",
    )
    .await;
    let second = asked.body["requests"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["decision"] == "pending"))
        .and_then(|r| r["id"].as_str())
        .expect("pending")
        .to_string();
    let shorter = wanted + Duration::days(14);
    let granted = act(
        &app,
        Method::POST,
        &format!("/api/proposals/{}/requests/{second}/decision", f.id),
        &office.token,
        json!({"approve": true, "new_due_on": shorter.to_string(), "note": "请抓紧办理"}),
        "decide_extension",
    )
    .await;
    assert_eq!(assignment(&granted.body, &lead.assignment_id)["due_at"], format!("{shorter}T15:59:59Z"));

    // Once the reply is in, the reply deadline is met.
    ready_to_submit(&app, &f, lead).await;
    act(&app, Method::POST, &at(&f, lead, "reply/submit"), &lead.head.token, json!({}), "submit_reply").await;
    assert_eq!(met_at(&app, &deadline_id), Some(app.clock_now()));
}

/// 分办: a proposal assigned to two units, each replying for its part.
/// A filed proposal handed to two separate units (分办), each with its people.
async fn split_between_two_units(app: &TestApp) -> (Fixture, Vec<UnitFixture>) {
    let f = app.proposal_in(ProposalState::Filed).await;
    let mut units = Vec::new();
    for _ in 0..2 {
        let (unit_id, staff, head) = app.unit_with_people().await;
        let now = app.clock_now();
        let row = AssignmentRow {
            id: uuid::Uuid::new_v4().to_string(),
            proposal_id: f.id.clone(),
            unit_id: unit_id.clone(),
            unit_role: UnitRole::Separate,
            state: AssignmentState::Assigned,
            assigned_at: now,
            due_at: now + Duration::days(90),
            signed_for_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
            return_window_ends_at: Some(now + Duration::days(7)),
            opinion_due_at: None,
            contact_waiver: None,
            opinion_waiver: None,
            handling_round: 1,
        };
        app.with_conn(|c| diesel::insert_into(assignments::table).values(&row).execute(c)).expect("assign");
        units.push(UnitFixture { unit_id, assignment_id: row.id, staff, head });
    }
    app.with_conn(|c| diesel::update(proposals::table.find(&f.id)).set(proposals::state.eq("handling")).execute(c))
        .expect("handling");
    (f, units)
}

async fn separate_units_each_reply_for_their_part(app: TestApp) {
    let (f, units) = split_between_two_units(&app).await;

    let (first, second) = (&units[0], &units[1]);
    ready_to_submit(&app, &f, first).await;
    let one =
        act(&app, Method::POST, &at(&f, first, "reply/submit"), &first.staff.token, json!({}), "submit_reply").await;
    assert_eq!(one.str("state"), "handling");
    assert_eq!(one.body["replied_at"], Value::Null);
    // A submitted reply is final.
    let redraft = refused(&app, Method::PUT, &at(&f, first, "reply"), &first.staff.token, a_reply()).await;
    assert_eq!(redraft.body["rule"], "already_submitted");
    let resubmit = refused(&app, Method::POST, &at(&f, first, "reply/submit"), &first.staff.token, json!({})).await;
    assert_eq!(resubmit.body["rule"], "already_submitted");

    // Each unit sees only its own draft, and every submitted reply.
    act(&app, Method::PUT, &at(&f, second, "reply"), &second.staff.token, a_reply(), "draft_reply").await;
    let first_view = app.get(&format!("/api/proposals/{}", f.id), &first.staff.token).await;
    assert_eq!(first_view.body["replies"].as_array().map(Vec::len), Some(1));
    ready_to_submit(&app, &f, second).await;
    let both =
        act(&app, Method::POST, &at(&f, second, "reply/submit"), &second.head.token, json!({}), "submit_reply").await;
    assert_eq!(both.str("state"), "replied");
    assert!(both.body["rating_due_at"].is_string());
    assert_eq!(both.body["replies"].as_array().map(Vec::len), Some(2));
    let states: Vec<String> = app
        .with_conn(|c| assignments::table.filter(assignments::proposal_id.eq(&f.id)).select(assignments::state).load(c))
        .expect("states");
    assert_eq!(states, ["done", "done"]);
}

async fn when_the_unit_still_working_is_released_the_replied_part_stands(app: TestApp) {
    let (f, units) = split_between_two_units(&app).await;
    let (first, second) = (&units[0], &units[1]);
    ready_to_submit(&app, &f, first).await;
    act(&app, Method::POST, &at(&f, first, "reply/submit"), &first.staff.token, json!({}), "submit_reply").await;
    let asked = act(
        &app,
        Method::POST,
        &at(&f, second, "return-request"),
        &second.staff.token,
        json!({"reason": "不属于本单位职责"}),
        "request_return",
    )
    .await;
    let request_id = asked.body["requests"][0]["id"].as_str().expect("id").to_string();
    let office = app.user(Role::Office).await;
    let decision = format!("/api/proposals/{}/requests/{request_id}/decision", f.id);
    // Released without a new unit: the one reply in is the whole answer, so the
    // proposal is replied and the proposer's rating window opens.
    let approved = act(&app, Method::POST, &decision, &office.token, json!({"approve": true}), "decide_return").await;
    assert_eq!(approved.str("state"), "replied");
    assert!(approved.body["rating_due_at"].is_string());
    assert!(approved.body["allowed_actions"].as_array().is_some_and(|a| a.contains(&json!("close"))));
    let rated = app
        .post(
            &format!("/api/proposals/{}/rating", f.id),
            &f.proposer.token,
            json!({"process": "satisfied", "result": "satisfied"}),
        )
        .await;
    rated.assert_ok();
}

/// 01:00 on 03-03 in Beijing is still 03-02 in UTC: "today" is the office's day.
async fn a_contact_made_early_in_the_morning_in_beijing_is_of_that_day(app: TestApp) {
    let f = app.proposal_in(ProposalState::Handling).await;
    let lead = f.lead();
    // The clock stands at 2026-03-02 01:00 UTC; 16 hours on it is 01:00 on 03-03 in Beijing.
    app.clock.advance(Duration::hours(16));
    let token = app.token(&lead.staff).await;
    let body = json!({"kind": "phone", "contacted_on": "2026-03-03", "summary": "清晨电话沟通"});
    let recorded = app.post(&at(&f, lead, "contacts"), &token, body).await;
    recorded.assert_ok();
    let tomorrow = json!({"kind": "phone", "contacted_on": "2026-03-04", "summary": "尚未发生"});
    app.post(&at(&f, lead, "contacts"), &token, tomorrow).await.assert_problem(422, "validation");
}
