//! Writing, co-signing and handing in proposals.

use crate::common;

use chrono::Duration;
use common::TestApp;
use proposal_desk::domain::Role;
use serde_json::{Value, json};

both_backends!(
    a_member_writes_edits_and_submits_a_draft,
    co_signers_confirm_or_decline_within_the_window,
    the_office_enters_a_proposal_on_a_members_behalf,
    others_cannot_see_or_touch_a_draft,
    a_stale_edit_is_refused,
);

pub fn draft_body() -> Value {
    json!({
        "title": "关于加强社区居家养老服务的建议",
        "reasons": "随着人口老龄化加剧，社区养老服务供给不足，专业人员缺乏。",
        "suggestions": "一、加大财政投入；二、培养专业护理人员；三、推广嵌入式养老机构。",
        "topic": "社会保障"
    })
}

async fn a_member_writes_edits_and_submits_a_draft(app: TestApp) {
    app.committee_session();
    let member = app.user(Role::Member).await;
    let created = app.post("/api/proposals", &member.token, draft_body()).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    assert_eq!(created.str("state"), "draft");
    assert_eq!(created.str("state_label"), "草稿");
    assert_eq!(created.str("kind_noun"), "提案");
    let id = created.str("id");
    let actions: Vec<&str> =
        created.body["allowed_actions"].as_array().expect("actions").iter().filter_map(Value::as_str).collect();
    assert_eq!(actions, ["edit_draft", "invite_cosigners", "submit"]);

    let edited = app
        .patch(
            &format!("/api/proposals/{id}"),
            &member.token,
            json!({"version": 1, "title": "关于完善社区养老服务体系的建议"}),
        )
        .await;
    edited.assert_ok();
    assert_eq!(edited.str("title"), "关于完善社区养老服务体系的建议");
    assert_eq!(edited.body["version"], 2);

    let submitted = app.post(&format!("/api/proposals/{id}/submit"), &member.token, json!({"version": 2})).await;
    submitted.assert_ok();
    assert_eq!(submitted.str("state"), "submitted");
    assert_eq!(submitted.body["is_plenary"], true);
    assert!(submitted.body["session_id"].is_string());

    // Once handed in, the text is the record: no more edits.
    let late = app
        .patch(&format!("/api/proposals/{id}"), &member.token, json!({"version": 3, "title": "再改一次标题内容"}))
        .await;
    late.assert_problem(409, "invalid-transition");
    assert_eq!(late.body["current_state"], "submitted");

    let list = app.get("/api/proposals", &member.token).await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["state_label"], "待审查");
}

async fn co_signers_confirm_or_decline_within_the_window(app: TestApp) {
    app.committee_session();
    let member = app.user(Role::Member).await;
    let yes = app.user(Role::Member).await;
    let no = app.user(Role::Member).await;
    let late = app.user(Role::Member).await;
    let id = app.post("/api/proposals", &member.token, draft_body()).await.str("id");
    let invited = app
        .post(
            &format!("/api/proposals/{id}/cosigners"),
            &member.token,
            json!({"version": 1, "member_ids": [yes.id, no.id, late.id]}),
        )
        .await;
    invited.assert_ok();
    assert_eq!(invited.body["cosigners"].as_array().map(Vec::len), Some(3));

    // Co-signers see the draft they are invited to, and answer.
    app.get(&format!("/api/proposals/{id}"), &yes.token).await.assert_ok();
    app.post(&format!("/api/proposals/{id}/invitation"), &yes.token, json!({"accept": true})).await.assert_ok();
    app.post(&format!("/api/proposals/{id}/invitation"), &no.token, json!({"accept": false})).await.assert_ok();
    let twice = app.post(&format!("/api/proposals/{id}/invitation"), &yes.token, json!({"accept": false})).await;
    assert_eq!(twice.body["rule"], "already_answered", "{}", twice.text);

    // The default window is five days, to the end of the fifth.
    app.clock.advance(Duration::days(6));
    let late_token = app.token(&late).await;
    let member_token = app.token(&member).await;
    let no_token = app.token(&no).await;
    // An invitation left unanswered past its window drops off: the late
    // invitee can no longer answer, read or list the proposal.
    let expired = app.post(&format!("/api/proposals/{id}/invitation"), &late_token, json!({"accept": true})).await;
    expired.assert_problem(404, "not-found");
    app.get(&format!("/api/proposals/{id}"), &late_token).await.assert_problem(404, "not-found");
    assert_eq!(app.get("/api/proposals", &late_token).await.body["total"], 0);
    // The one who confirmed still sees it after the window.
    let yes_token = app.token(&yes).await;
    app.get(&format!("/api/proposals/{id}"), &yes_token).await.assert_ok();
    assert_eq!(app.get("/api/proposals", &yes_token).await.body["total"], 1);

    let view = app.get(&format!("/api/proposals/{id}"), &member_token).await;
    let statuses: Vec<(String, String)> = view.body["cosigners"]
        .as_array()
        .expect("cosigners")
        .iter()
        .map(|c| (c["user_id"].as_str().unwrap_or("").to_string(), c["status"].as_str().unwrap_or("").to_string()))
        .collect();
    assert!(statuses.contains(&(yes.id.clone(), "confirmed".into())));
    assert!(statuses.contains(&(no.id.clone(), "declined".into())));
    // Whoever declined no longer sees it.
    app.get(&format!("/api/proposals/{id}"), &no_token).await.assert_problem(404, "not-found");
    // Inviting oneself or a non-member is refused.
    let version = view.body["version"].as_i64().expect("version");
    let office = app.user(Role::Office).await;
    let bad = app
        .post(
            &format!("/api/proposals/{id}/cosigners"),
            &member_token,
            json!({"version": version, "member_ids": [office.id]}),
        )
        .await;
    bad.assert_problem(422, "validation");
}

async fn the_office_enters_a_proposal_on_a_members_behalf(app: TestApp) {
    app.committee_session();
    let office = app.user(Role::Office).await;
    let member = app.user(Role::Member).await;
    let mut body = draft_body();
    body["proposer_id"] = json!(member.id);
    let created = app.post("/api/proposals", &office.token, body.clone()).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    assert_eq!(created.str("proposer_id"), member.id);
    assert_eq!(created.str("entered_by_id").len(), 36);
    // The member sees it as their own.
    app.get(&format!("/api/proposals/{}", created.str("id")), &member.token).await.assert_ok();

    let mut collective = body.clone();
    collective["submitter_type"] = json!("party");
    collective["submitter_name"] = json!("民盟区委");
    collective["kind"] = json!("suggestion");
    let c = app.post("/api/proposals", &office.token, collective).await;
    assert_eq!(c.status.as_u16(), 201, "{}", c.text);
    assert_eq!(c.str("kind_noun"), "建议");

    // A member cannot enter for someone else; collective proposals are the office's.
    let not_yours = app.post("/api/proposals", &member.token, body).await;
    not_yours.assert_problem(422, "validation");
    let mut member_collective = draft_body();
    member_collective["submitter_type"] = json!("sector");
    member_collective["submitter_name"] = json!("经济界");
    app.post("/api/proposals", &member.token, member_collective).await.assert_problem(422, "validation");
}

async fn others_cannot_see_or_touch_a_draft(app: TestApp) {
    app.committee_session();
    let member = app.user(Role::Member).await;
    let id = app.post("/api/proposals", &member.token, draft_body()).await.str("id");
    for role in [Role::Member, Role::UnitStaff, Role::UnitHead, Role::Leader, Role::Admin] {
        let other = app.user(role).await;
        app.get(&format!("/api/proposals/{id}"), &other.token).await.assert_problem(404, "not-found");
        app.post(&format!("/api/proposals/{id}/submit"), &other.token, json!({"version": 1}))
            .await
            .assert_problem(404, "not-found");
        assert_eq!(app.get("/api/proposals", &other.token).await.body["total"], 0, "{role:?}");
    }
    for role in [Role::UnitStaff, Role::Leader, Role::Admin] {
        let other = app.user(role).await;
        app.post("/api/proposals", &other.token, draft_body()).await.assert_problem(403, "forbidden");
    }
    // The office sees everything.
    let office = app.user(Role::Office).await;
    app.get(&format!("/api/proposals/{id}"), &office.token).await.assert_ok();
}

async fn a_stale_edit_is_refused(app: TestApp) {
    let member = app.user(Role::Member).await;
    let id = app.post("/api/proposals", &member.token, draft_body()).await.str("id");
    app.patch(&format!("/api/proposals/{id}"), &member.token, json!({"version": 1, "topic": "教育"})).await.assert_ok();
    let before = app.audit_count();
    let stale = app.patch(&format!("/api/proposals/{id}"), &member.token, json!({"version": 1, "topic": "医疗"})).await;
    stale.assert_problem(409, "stale-version");
    assert_eq!(app.audit_count(), before);
    assert_eq!(app.get(&format!("/api/proposals/{id}"), &member.token).await.str("topic"), "教育");
}

mod fixtures_work {
    use super::common::{Backend, TestApp};
    use proposal_desk::domain::workflow::ProposalState;

    /// The fixtures every later stage's tests start from are what they claim to be.
    #[actix_web::test]
    async fn every_state_can_be_built() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let Some(app) = TestApp::start(backend, "every_state_can_be_built").await else { continue };
            for state in ProposalState::ALL.iter().copied() {
                let f = app.proposal_in(state).await;
                assert_eq!(app.state_of(&f.id), state.as_str());
                let view = app.get(&format!("/api/proposals/{}", f.id), &f.proposer.token).await;
                if state == ProposalState::Merged {
                    view.assert_ok();
                    continue;
                }
                view.assert_ok();
                assert_eq!(view.str("state"), state.as_str());
                if state.was_filed() {
                    assert!(
                        view.body["number_label"].as_str().is_some_and(|l| l.starts_with("一届一次会议第")),
                        "{}",
                        view.text
                    );
                }
                if let Some(lead) = &f.lead {
                    let unit_view = app.get(&format!("/api/proposals/{}", f.id), &lead.staff.token).await;
                    unit_view.assert_ok();
                }
            }
        }
    }
}
