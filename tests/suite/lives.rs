//! Whole lives of a proposal, from a member's draft to its end, through the
//! API only, as the people who take each step would send them. Each life
//! reads as the story it tells; `tests/suite/common/life.rs` holds the requests
//! (every action there also checks its one audit event).

use crate::common;

use crate::common::due::{add_months, add_working_days, minus_days};
use actix_web::http::Method;
use chrono::{Duration, NaiveDateTime};
use common::TestApp;
use common::life::{
    CONTACT_NOTE, INTERNAL_LINE, Life, OPINION, PERSON_IN_CHARGE, allowed, assignments_of, public_text, request_in,
    time,
};
use proposal_desk::domain::Role;
use serde_json::{Value, json};

both_backends!(
    filed_answered_a_and_rated_both_satisfied_then_read_by_the_public,
    refused_with_a_configured_reason_the_proposer_reads,
    merged_and_its_proposer_rates_the_shared_reply,
    returned_and_reassigned_then_a_refused_and_a_late_return,
    the_co_unit_sends_its_opinion_and_the_lead_unit_replies,
    two_separate_units_each_reply_before_it_is_replied,
    an_approved_extension_moves_the_due_date,
    unsatisfied_then_handled_again_and_closed,
    a_b_reply_is_followed_until_its_commitment_is_fulfilled,
    a_key_proposal_is_seen_by_its_leader_only,
    withheld_from_publication_with_a_reason,
    co_signed_by_those_who_confirm,
    a_deputy_suggestion_is_numbered_on_its_own,
    the_proposers_silence_counts_once_the_rating_window_passed,
    the_office_chooses_who_handles_it_again_after_unsatisfied,
);

const REPLY_ACTIONS_STAFF: [&str; 6] =
    ["sign_for", "request_return", "record_contact", "draft_reply", "submit_reply", "request_extension"];
const OFFICE_WHILE_HANDLING: [&str; 5] =
    ["mark_key", "decide_return", "decide_extension", "waive_contact", "waive_opinion"];

/// One `deadlines` row as `Life::deadlines` reads it.
fn dl(kind: &str, due: NaiveDateTime, met: Option<NaiveDateTime>) -> (String, NaiveDateTime, Option<NaiveDateTime>) {
    (kind.to_string(), due, met)
}

/// The names of the audit events of one proposal, oldest first.
fn story(app: &TestApp, id: &str) -> Vec<String> {
    app.audit_actions_after(0).into_iter().filter(|(_, _, object)| object == id).map(|(action, _, _)| action).collect()
}

/// Nothing internal of the handling appears in a public answer.
fn assert_nothing_internal(text: &str) {
    for secret in [INTERNAL_LINE, PERSON_IN_CHARGE, CONTACT_NOTE, OPINION, "satisfied", "rating", "contact"] {
        assert!(!text.contains(secret), "the public reads {secret:?}: {text}");
    }
}

async fn filed_answered_a_and_rated_both_satisfied_then_read_by_the_public(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let stranger = life.person(Role::Member).await;

    // The member writes a draft; nobody else knows of it yet.
    let id = life.draft(&life.member, "关于加强社区居家养老服务的提案").await;
    assert_eq!(allowed(&life.view(&id, &life.member).await), ["edit_draft", "invite_cosigners", "submit"]);
    life.assert_hidden(&id, &stranger).await;
    life.assert_hidden(&id, &unit.staff).await;
    life.assert_not_public(&id).await;

    // Handed in within the plenary window: a 大会提案 of the session, waiting for review.
    let submitted = life.submit(&id, &life.member).await;
    assert_eq!(submitted["session_name"], "一届一次会议");
    assert_eq!(submitted["is_plenary"], true);
    assert!(allowed(&submitted).is_empty(), "the member waits for the office");
    assert_eq!(allowed(&life.view(&id, &life.office).await), ["file", "refuse_filing", "convert", "merge"]);

    // 立案: the first proposal of the session.
    let filed = life.file(&id).await;
    assert_eq!(filed["number"], 1);
    assert_eq!(filed["number_label"], "一届一次会议第1号提案");
    assert_eq!(life.view(&id, &life.member).await["number_label"], "一届一次会议第1号提案");
    assert_eq!(allowed(&filed), ["mark_key", "assign"]);

    // 交办 to one lead unit: reply due in three months, return window five working days.
    let t0 = life.now();
    let assigned = life.assign_lead_and_co(&id, &unit, &[]).await;
    assert_eq!(allowed(&assigned), OFFICE_WHILE_HANDLING);
    let a = life.assignment(&id, &unit).await;
    assert_eq!((a["unit_role"].as_str(), a["state"].as_str()), (Some("lead"), Some("assigned")));
    assert_eq!(time(&a["due_at"]), add_months(t0, 3));
    assert_eq!(time(&a["return_window_ends_at"]), add_working_days(t0, 5));
    let aid = a["id"].as_str().expect("id").to_string();
    assert_eq!(
        life.deadlines(&aid),
        [dl("reply", add_months(t0, 3), None), dl("return_window", add_working_days(t0, 5), None)]
    );
    assert_eq!(allowed(&life.view(&id, &unit.staff).await), REPLY_ACTIONS_STAFF);
    assert!(allowed(&life.view(&id, &unit.head).await).contains(&"sign_off_reply".to_string()));
    assert!(allowed(&life.view(&id, &life.member).await).is_empty());

    // The unit signs for it, phones the member, drafts; the head signs off; the staff submits.
    life.travel(Duration::days(2));
    let received = life.sign_for(&id, &unit).await;
    assert_eq!(assignments_of(&received, &unit)[0]["state"], "received");
    life.contact(&id, &unit).await;
    life.draft_reply(&id, &unit, "A", json!([])).await;
    let members_view = life.view(&id, &life.member).await;
    assert_eq!(members_view["replies"], json!([]), "a draft stays with its unit");
    assert_eq!(members_view["contacts"], json!([]), "contacts are for the office and the units");
    let not_yet = life
        .refused(&unit.staff, Method::POST, &format!("/api/proposals/{id}/assignments/{aid}/reply/submit"), json!({}))
        .await;
    not_yet.assert_problem(409, "invalid-transition");
    assert_eq!(not_yet.body["rule"], "not_signed_off");
    life.sign_off(&id, &unit).await;
    let t1 = life.now();
    let replied = life.submit_reply(&id, &unit).await;
    assert_eq!(replied["state"], "replied");
    assert_eq!(time(&replied["rating_due_at"]), add_working_days(t1, 15));
    assert_eq!(life.deadlines(&aid)[0], dl("reply", add_months(t0, 3), Some(t1)), "the reply deadline is met");

    // The member reads the whole reply and rates it: 双满意.
    let theirs = life.view(&id, &life.member).await;
    assert_eq!(allowed(&theirs), ["rate"]);
    assert_eq!(theirs["replies"][0]["grade"], "A");
    assert!(theirs["replies"][0]["body"].as_str().is_some_and(|b| b.contains(INTERNAL_LINE)));
    life.travel(Duration::days(3));
    let rated = life.rate(&id, &life.member, "satisfied", "satisfied").await;
    assert_eq!(rated["state"], "replied");
    assert_eq!(
        (rated["ratings"][0]["process_rating"].as_str(), rated["ratings"][0]["result_rating"].as_str()),
        (Some("satisfied"), Some("satisfied"))
    );
    let twice = json!({"process": "satisfied", "result": "satisfied"});
    let twice = life.refused(&life.member, Method::POST, &format!("/api/proposals/{id}/rating"), twice).await;
    assert_eq!(twice.body["rule"], "already_rated", "one rating per round");

    // 办结 and 公开: the public reads the public version only.
    life.close(&id).await;
    life.assert_not_public(&id).await;
    life.publish(&id).await;
    let public = life.public(&id).await;
    public.assert_ok();
    assert_eq!(public.body["number_label"], "一届一次会议第1号提案");
    assert_eq!(public.body["title"], "关于加强社区居家养老服务的提案");
    assert_eq!(public.body["replies"].as_array().map(Vec::len), Some(1));
    assert_eq!(public.body["replies"][0]["unit_name"], unit.name.as_str());
    assert_eq!(public.body["replies"][0]["grade"], "A");
    assert_eq!(public.body["replies"][0]["public_body"], public_text(&unit).as_str());
    assert_nothing_internal(&public.text);
    let list = life.public_list().await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["grades"], json!(["A"]));
    assert_eq!(list["items"][0]["units"], json!([unit.name]));
    assert_nothing_internal(&list.to_string());

    // Published: others still read only the public version; the member keeps the whole.
    life.assert_hidden(&id, &stranger).await;
    assert!(allowed(&life.view(&id, &life.member).await).is_empty());
    assert_eq!(
        story(&app, &id),
        [
            "proposal.create",
            "proposal.submit",
            "proposal.file",
            "proposal.assign",
            "proposal.sign_for",
            "proposal.record_contact",
            "proposal.draft_reply",
            "proposal.sign_off_reply",
            "proposal.submit_reply",
            "proposal.rate",
            "proposal.close",
            "proposal.publish",
        ]
    );
}

async fn refused_with_a_configured_reason_the_proposer_reads(app: TestApp) {
    let life = Life::new(&app).await;
    let id = life.draft(&life.member, "关于为本人子女安排工作的提案").await;
    life.submit(&id, &life.member).await;

    // Only the configured reason codes are accepted.
    let version = life.version(&id, &life.office).await;
    let path = format!("/api/proposals/{id}/refuse");
    let unknown = json!({"version": version, "reason_code": "we_do_not_like_it", "reason_text": "不予立案"});
    let r = life.refused(&life.office, Method::POST, &path, unknown).await;
    r.assert_problem(422, "validation");
    assert_eq!(r.body["errors"][0]["field"], "reason_code");

    let refused = life.refuse(&id, "individual_case", "所提事项涉及个人具体诉求，请通过信访渠道反映。").await;
    assert_eq!(refused["state"], "not_filed");

    // The member reads why; nothing more can happen to it.
    let theirs = life.view(&id, &life.member).await;
    assert_eq!(theirs["state_label"], "不予立案");
    assert_eq!(theirs["refusal_code"], "individual_case");
    assert_eq!(theirs["refusal_label"], "涉及个人或具体案件", "the configured wording of the code");
    assert_eq!(theirs["refusal_text"], "所提事项涉及个人具体诉求，请通过信访渠道反映。");
    assert!(theirs["number"].is_null() && theirs["number_label"].is_null(), "not numbered");
    assert!(allowed(&theirs).is_empty());
    assert!(allowed(&life.view(&id, &life.office).await).is_empty());
    let version = life.version(&id, &life.office).await;
    let late = life
        .refused(&life.office, Method::POST, &format!("/api/proposals/{id}/file"), json!({"version": version}))
        .await;
    late.assert_problem(409, "invalid-transition");
    assert_eq!(late.body["current_state"], "not_filed");
    life.assert_not_public(&id).await;

    // A refused proposal takes no number: the next one filed is still the first.
    let next = life.draft(&life.member, "关于增设社区公共充电桩的提案").await;
    life.submit(&next, &life.member).await;
    assert_eq!(life.file(&next).await["number_label"], "一届一次会议第1号提案");
}

async fn merged_and_its_proposer_rates_the_shared_reply(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let second = life.person(Role::Member).await;

    let target = life.draft(&life.member, "关于加快老旧小区加装电梯的提案").await;
    life.submit(&target, &life.member).await;
    life.file(&target).await;

    let id = life.draft(&second, "关于老旧小区电梯加装补贴的提案").await;
    life.submit(&id, &second).await;
    life.assert_hidden(&target, &second).await;

    // 并案: the second proposal joins the first, and its proposer with it.
    let merged = life.merge(&id, &target).await;
    assert_eq!(merged["state"], "merged");
    assert_eq!(merged["merged_into_id"], target.as_str());
    assert!(merged["number"].is_null(), "a merged proposal takes no number of its own");
    let own = life.view(&id, &second).await;
    assert_eq!(own["state_label"], "已并案");
    assert!(allowed(&own).is_empty());
    let shared = life.view(&target, &second).await;
    assert_eq!(shared["number_label"], "一届一次会议第1号提案");
    let listed = life.listed(&second).await;
    assert!(listed.contains(&id) && listed.contains(&target), "{listed:?}");

    // The target is handled; the merged proposer receives its reply and rates it.
    life.assign_lead_and_co(&target, &unit, &[]).await;
    life.reply(&target, &unit, "A").await;
    let theirs = life.view(&target, &second).await;
    assert_eq!(theirs["state"], "replied");
    assert!(theirs["replies"][0]["body"].as_str().is_some_and(|b| b.contains(INTERNAL_LINE)));
    assert_eq!(allowed(&theirs), ["rate"]);
    let rated = life.rate(&target, &second, "satisfied", "basically_satisfied").await;
    assert_eq!(rated["state"], "replied");
    life.rate(&target, &life.member, "satisfied", "satisfied").await;
    let closed = life.close(&target).await;
    let mut raters: Vec<&str> =
        closed["ratings"].as_array().expect("ratings").iter().filter_map(|r| r["rater_id"].as_str()).collect();
    let mut both = vec![second.id.as_str(), life.member.id.as_str()];
    raters.sort();
    both.sort();
    assert_eq!(raters, both, "each proposer rates the shared reply");
    // The merged proposal itself stays merged, its own life over.
    assert_eq!(life.view(&id, &second).await["state"], "merged");
}

async fn returned_and_reassigned_then_a_refused_and_a_late_return(app: TestApp) {
    let life = Life::new(&app).await;
    let (wrong, right) = (life.unit().await, life.unit().await);
    let id = life.draft(&life.member, "关于规范城区共享单车停放的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &wrong, &[]).await;
    let first = life.assignment(&id, &wrong).await["id"].as_str().expect("id").to_string();

    // Within its window, the first unit asks to be released; the office hands the part to another unit.
    life.travel(Duration::days(1));
    life.sign_for(&id, &wrong).await;
    let request = life.request_return(&id, &wrong, "共享单车停放管理属于城市管理部门职责").await;
    assert_eq!(allowed(&life.view(&id, &life.office).await), OFFICE_WHILE_HANDLING);
    let t1 = life.now();
    let decided =
        life.decide(&id, &request, json!({"approve": true, "reassign_to_unit_id": right.id}), "decide_return").await;
    assert_eq!(decided["state"], "handling");
    assert_eq!(assignments_of(&decided, &wrong)[0]["state"], "returned");
    life.assert_hidden(&id, &wrong.staff).await;
    life.assert_hidden(&id, &wrong.head).await;
    assert!(life.deadlines(&first).iter().all(|(_, _, met)| *met == Some(t1)), "the released unit is chased no more");

    // The new unit starts afresh: its own deadlines from today.
    let a = life.assignment(&id, &right).await;
    let second = a["id"].as_str().expect("id").to_string();
    assert_eq!((a["unit_role"].as_str(), a["state"].as_str()), (Some("lead"), Some("assigned")));
    assert_eq!(time(&a["due_at"]), add_months(t1, 3));
    assert_eq!(
        life.deadlines(&second),
        [dl("reply", add_months(t1, 3), None), dl("return_window", add_working_days(t1, 5), None)]
    );
    assert_eq!(allowed(&life.view(&id, &right.staff).await), REPLY_ACTIONS_STAFF);

    // Its own request to be released is refused: it keeps the proposal.
    let request = life.request_return(&id, &right, "本单位人手不足").await;
    let refused = life
        .decide(&id, &request, json!({"approve": false, "note": "属于本单位职责，请认真办理"}), "decide_return")
        .await;
    assert_eq!(refused["state"], "handling");
    assert_eq!(request_in(&refused, &request)["decision"], "refused");
    assert_eq!(request_in(&refused, &request)["decision_note"], "属于本单位职责，请认真办理");
    let theirs = life.view(&id, &right.staff).await;
    assert_eq!(assignments_of(&theirs, &right)[0]["state"], "assigned");

    // After the window no unit may ask any more.
    life.travel(Duration::days(8));
    let path = format!("/api/proposals/{id}/assignments/{second}/return-request");
    let late = life.refused(&right.staff, Method::POST, &path, json!({"reason": "再次申请退回"})).await;
    late.assert_problem(409, "invalid-transition");
    assert_eq!(late.body["rule"], "return_window_passed");

    // It answers, and the proposal is replied.
    let replied = life.reply(&id, &right, "A").await;
    assert_eq!(replied["state"], "replied");
    let units: Vec<&str> =
        replied["replies"].as_array().expect("replies").iter().filter_map(|r| r["assignment_id"].as_str()).collect();
    assert_eq!(units, [second.as_str()]);

    // Published, it counts for the unit that answered, not the one released.
    life.rate(&id, &life.member, "satisfied", "satisfied").await;
    life.close(&id).await;
    life.publish(&id).await;
    let right_only = (
        life.public_total(&format!("unit_id={}", right.id)).await,
        life.public_total(&format!("unit_id={}", wrong.id)).await,
    );
    assert_eq!(right_only, (1, 0));
    assert_eq!(life.public_list().await["items"][0]["units"], json!([right.name]));
}

async fn the_co_unit_sends_its_opinion_and_the_lead_unit_replies(app: TestApp) {
    let life = Life::new(&app).await;
    let (lead, co) = (life.unit().await, life.unit().await);
    let id = life.draft(&life.member, "关于推进社区食堂建设的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    let t0 = life.now();
    life.assign_lead_and_co(&id, &lead, &[&co]).await;

    // 会办: the co unit's opinion is due thirty days before the reply.
    let c = life.assignment(&id, &co).await;
    let cid = c["id"].as_str().expect("id").to_string();
    let opinion_due = minus_days(add_months(t0, 3), 30);
    assert_eq!(c["unit_role"], "co");
    assert_eq!(time(&c["opinion_due_at"]), opinion_due);
    assert_eq!(
        life.deadlines(&cid),
        [dl("opinion", opinion_due, None), dl("return_window", add_working_days(t0, 5), None)]
    );
    assert_eq!(
        allowed(&life.view(&id, &co.staff).await),
        ["sign_for", "request_return", "record_contact", "send_opinion"]
    );
    assert!(!allowed(&life.view(&id, &lead.staff).await).contains(&"send_opinion".to_string()));

    // The co unit does not write the reply; it sends its opinion to the lead.
    let path = format!("/api/proposals/{id}/assignments/{cid}/reply");
    let body =
        json!({"grade": "A", "body": "答复", "public_body": "答复", "person_in_charge": "某人", "commitments": []});
    life.refused(&co.staff, Method::PUT, &path, body).await.assert_problem(403, "forbidden");
    life.sign_for(&id, &co).await;
    life.travel(Duration::days(10));
    let t1 = life.now();
    life.opinion(&id, &co).await;
    assert_eq!(life.deadlines(&cid)[0], dl("opinion", opinion_due, Some(t1)), "the opinion deadline is met");

    // The lead unit reads it; the member does not.
    let leads = life.view(&id, &lead.staff).await;
    assert_eq!(leads["opinions"][0]["body"], OPINION);
    assert_eq!(leads["opinions"][0]["assignment_id"], cid.as_str());
    assert_eq!(life.view(&id, &life.member).await["opinions"], json!([]));

    // The lead replies alone: that is the reply the proposal needed.
    let replied = life.reply(&id, &lead, "A").await;
    assert_eq!(replied["state"], "replied");
    let cos = life.view(&id, &co.staff).await;
    assert_eq!(cos["replies"].as_array().map(Vec::len), Some(1), "the co unit reads the submitted reply");
    assert!(allowed(&cos).is_empty());
}

async fn two_separate_units_each_reply_before_it_is_replied(app: TestApp) {
    let life = Life::new(&app).await;
    let (one, two) = (life.unit().await, life.unit().await);
    let id = life.draft(&life.member, "关于统筹城乡公交与校车服务的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    let t0 = life.now();
    let assigned = life.assign_separate(&id, &[&one, &two]).await;
    for unit in [&one, &two] {
        let a = assignments_of(&assigned, unit)[0];
        assert_eq!(a["unit_role"], "separate");
        let aid = a["id"].as_str().expect("id");
        assert_eq!(life.deadlines(aid)[0], dl("reply", add_months(t0, 3), None));
        assert!(allowed(&life.view(&id, &unit.head).await).contains(&"sign_off_reply".to_string()));
    }

    // The first part is answered; the proposal waits for the second.
    let half = life.reply(&id, &one, "A").await;
    assert_eq!(half["state"], "handling");
    assert!(half["rating_due_at"].is_null());
    let theirs = life.view(&id, &life.member).await;
    assert_eq!(theirs["replies"].as_array().map(Vec::len), Some(1), "the member reads the first part already");
    assert!(allowed(&theirs).is_empty(), "nothing to rate before every part is in");

    // The second part, a day later: now it is replied.
    life.travel(Duration::days(1));
    let whole = life.reply(&id, &two, "C").await;
    assert_eq!(whole["state"], "replied");
    assert_eq!(whole["replies"].as_array().map(Vec::len), Some(2));

    life.rate(&id, &life.member, "satisfied", "satisfied").await;
    life.close(&id).await;
    life.publish(&id).await;
    let public = life.public(&id).await;
    public.assert_ok();
    let bodies: Vec<&str> =
        public.body["replies"].as_array().expect("replies").iter().filter_map(|r| r["public_body"].as_str()).collect();
    assert_eq!(bodies, [public_text(&one), public_text(&two)]);
    assert_nothing_internal(&public.text);
    let list = life.public_list().await;
    assert_eq!(list["items"][0]["grades"], json!(["A", "C"]));
    let mut names = vec![one.name.clone(), two.name.clone()];
    names.sort();
    assert_eq!(list["items"][0]["units"], json!(names));
}

async fn an_approved_extension_moves_the_due_date(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let id = life.draft(&life.member, "关于完善河道长效保洁机制的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    let t0 = life.now();
    life.assign_lead_and_co(&id, &unit, &[]).await;
    let aid = life.assignment(&id, &unit).await["id"].as_str().expect("id").to_string();
    let due = add_months(t0, 3);

    // The unit asks for a month more; an earlier date than its due date is no extension.
    life.sign_for(&id, &unit).await;
    life.travel(Duration::days(60));
    let path = format!("/api/proposals/{id}/assignments/{aid}/extension-request");
    let earlier = json!({"reason": "需要调研", "requested_due_on": due.date() - Duration::days(1)});
    life.refused(&unit.staff, Method::POST, &path, earlier).await.assert_problem(422, "validation");
    let wanted = due.date() + Duration::days(30);
    let request = life.request_extension(&id, &unit, wanted).await;
    let pending = life.view(&id, &life.office).await;
    assert_eq!(time(&assignments_of(&pending, &unit)[0]["due_at"]), due, "nothing moves before the decision");

    // Approved: the assignment and its chased deadline move together.
    let decided =
        life.decide(&id, &request, json!({"approve": true, "note": "同意延期一个月"}), "decide_extension").await;
    // The end of the day in Beijing: 23:59:59 there, 15:59:59 UTC.
    let new_due = wanted.and_hms_opt(15, 59, 59).expect("time");
    assert_eq!(time(&assignments_of(&decided, &unit)[0]["due_at"]), new_due);
    assert_eq!(life.deadlines(&aid)[0], dl("reply", new_due, None));
    assert_eq!(request_in(&decided, &request)["decision"], "approved");

    // Replied in the extra time: the moved deadline is met.
    life.travel(Duration::days(40));
    let t1 = life.now();
    assert!(t1 > due && t1 < new_due);
    assert_eq!(life.reply(&id, &unit, "A").await["state"], "replied");
    assert_eq!(life.deadlines(&aid)[0], dl("reply", new_due, Some(t1)));
}

async fn unsatisfied_then_handled_again_and_closed(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let id = life.draft(&life.member, "关于治理夜间施工噪声扰民的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &unit, &[]).await;
    life.reply(&id, &unit, "C").await;

    // 不满意 with the result: the round ends and the office chooses who handles it again.
    life.travel(Duration::days(5));
    let again = life.rate(&id, &life.member, "basically_satisfied", "unsatisfied").await;
    assert_eq!(again["state"], "filed");
    assert_eq!(again["handling_round"], 2);
    assert!(again["replied_at"].is_null() && again["rating_due_at"].is_null());
    assert!(allowed(&life.view(&id, &life.member).await).is_empty());
    let version = life.version(&id, &life.office).await;
    let early = life
        .refused(&life.office, Method::POST, &format!("/api/proposals/{id}/close"), json!({"version": version}))
        .await;
    early.assert_problem(409, "invalid-transition");
    assert_eq!(early.body["current_state"], "filed");

    // 重新办理: the office gives it to the same unit again, with the new, shorter clock.
    life.travel(Duration::days(1));
    let t1 = life.now();
    let reassigned = life.assign_lead_and_co(&id, &unit, &[]).await;
    let rounds = assignments_of(&reassigned, &unit);
    assert_eq!(rounds.len(), 2);
    assert_eq!((rounds[0]["handling_round"].as_i64(), rounds[0]["state"].as_str()), (Some(1), Some("done")));
    assert_eq!((rounds[1]["handling_round"].as_i64(), rounds[1]["state"].as_str()), (Some(2), Some("assigned")));
    assert_eq!(time(&rounds[1]["due_at"]), add_months(t1, 1));
    assert!(rounds[1]["return_window_ends_at"].is_null(), "re-handling has no return window");
    let round2 = rounds[1]["id"].as_str().expect("id").to_string();
    let chased: Vec<String> = life.deadlines(&round2).into_iter().map(|(kind, _, _)| kind).collect();
    assert_eq!(chased, ["reply"], "the new clock is a deadline the office chases");

    // The office chose it knowing the proposal: it may not ask to be released now.
    let path = format!("/api/proposals/{id}/assignments/{round2}/return-request");
    let no_return = life.refused(&unit.staff, Method::POST, &path, json!({"reason": "不属于本单位职责"})).await;
    assert_eq!(no_return.body["rule"], "return_window_passed");

    // The unit talks with the member again and replies better.
    life.travel(Duration::days(4));
    let replied = life.reply(&id, &unit, "A").await;
    assert_eq!(replied["state"], "replied");
    assert_eq!(replied["replies"].as_array().map(Vec::len), Some(2), "the first round's reply stays on record");
    let rated = life.rate(&id, &life.member, "satisfied", "satisfied").await;
    assert_eq!(rated["state"], "replied");
    let ratings: Vec<(i64, &str)> = rated["ratings"]
        .as_array()
        .expect("ratings")
        .iter()
        .map(|r| (r["handling_round"].as_i64().unwrap_or(0), r["result_rating"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(ratings, [(1, "unsatisfied"), (2, "satisfied")]);

    life.close(&id).await;
    life.publish(&id).await;
    let public = life.public(&id).await;
    public.assert_ok();
    assert_eq!(public.body["replies"].as_array().map(Vec::len), Some(1), "the public reads the last round's reply");
    assert_eq!(public.body["replies"][0]["grade"], "A");
    let graded = (life.public_total("grade=A").await, life.public_total("grade=C").await);
    assert_eq!(graded, (1, 0), "graded by the last round");
}

async fn a_b_reply_is_followed_until_its_commitment_is_fulfilled(app: TestApp) {
    let life = Life::new(&app).await;
    let (unit, other) = (life.unit().await, life.unit().await);
    let id = life.draft(&life.member, "关于建设城市口袋公园的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &unit, &[]).await;

    // A B reply must promise something, and then carries its commitments.
    life.sign_for(&id, &unit).await;
    life.contact(&id, &unit).await;
    let aid = life.assignment(&id, &unit).await["id"].as_str().expect("id").to_string();
    let empty_b = json!({"grade": "B", "body": "纳入计划", "public_body": "纳入计划", "person_in_charge": "王科长", "commitments": []});
    let path = format!("/api/proposals/{id}/assignments/{aid}/reply");
    life.refused(&unit.staff, Method::PUT, &path, empty_b).await.assert_problem(422, "validation");
    let target = life.today() + Duration::days(180);
    life.draft_reply(&id, &unit, "B", json!([{"description": "年内新建口袋公园十个", "target_date": target}])).await;
    life.sign_off(&id, &unit).await;
    let replied = life.submit_reply(&id, &unit).await;
    assert_eq!(replied["state"], "replied");

    let theirs = life.view(&id, &life.member).await;
    assert_eq!(theirs["replies"][0]["grade"], "B");
    assert_eq!(theirs["commitments"][0]["description"], "年内新建口袋公园十个");
    assert!(theirs["commitments"][0]["fulfilled_at"].is_null());
    let commitment = theirs["commitments"][0]["id"].as_str().expect("id").to_string();
    life.rate(&id, &life.member, "basically_satisfied", "basically_satisfied").await;
    life.close(&id).await;
    life.publish(&id).await;

    // B 类跟踪: the replying unit reports progress after publication; no other unit may.
    life.travel(Duration::days(6));
    assert_eq!(allowed(&life.view(&id, &unit.staff).await), ["report_progress"]);
    life.report_progress(&id, &unit, &commitment, "已建成六个，其余四个正在施工").await;
    let progress_path = format!("/api/proposals/{id}/commitments/{commitment}/progress");
    // Published, so every unit sees it; the follow-up is still not theirs.
    life.refused(&other.staff, Method::POST, &progress_path, json!({"note": "代为报告"}))
        .await
        .assert_problem(403, "forbidden");

    // The office confirms it fulfilled, once.
    life.travel(Duration::days(6));
    let t = life.now();
    let fulfilled = life.fulfil(&id, &commitment).await;
    assert_eq!(time(&fulfilled["commitments"][0]["fulfilled_at"]), t);
    assert_eq!(fulfilled["commitments"][0]["fulfilled_by_id"], life.office.id.as_str());
    assert_eq!(fulfilled["state"], "published", "following up changes nothing of the proposal's state");
    let fulfil_path = format!("/api/proposals/{id}/commitments/{commitment}/fulfil");
    let twice = life.refused(&life.office, Method::POST, &fulfil_path, json!({})).await;
    assert_eq!(twice.body["rule"], "already_fulfilled");
    let more = life.refused(&unit.staff, Method::POST, &progress_path, json!({"note": "全部建成"})).await;
    assert_eq!(more.body["rule"], "already_fulfilled");
    assert_eq!(life.public_list().await["items"][0]["grades"], json!(["B"]));
}

async fn a_key_proposal_is_seen_by_its_leader_only(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let (leader, other_leader) = (life.person(Role::Leader).await, life.person(Role::Leader).await);
    let id = life.draft(&life.member, "关于打造区域科创走廊的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assert_hidden(&id, &leader).await;

    // 重点提案, led (领办) by one leader: they follow it; the other leader does not see it.
    let key = life.mark_key(&id, &leader, "lead").await;
    assert_eq!((key["is_key"].as_bool(), key["key_mode"].as_str()), (Some(true), Some("lead")));
    assert_eq!(key["key_leader_id"], leader.id.as_str());
    let leaders = life.view(&id, &leader).await;
    assert!(allowed(&leaders).is_empty(), "a leader follows, the office and units act");
    assert_eq!(life.listed(&leader).await, std::slice::from_ref(&id));
    life.assert_hidden(&id, &other_leader).await;

    life.assign_lead_and_co(&id, &unit, &[]).await;
    life.reply(&id, &unit, "A").await;
    let leaders = life.view(&id, &leader).await;
    assert_eq!(leaders["state"], "replied");
    assert_eq!(leaders["replies"][0]["grade"], "A");
    life.assert_hidden(&id, &other_leader).await;

    life.rate(&id, &life.member, "satisfied", "satisfied").await;
    life.close(&id).await;
    life.publish(&id).await;
    // Published: the public reads it as key; the other leader only as the public does.
    let key_only = app.send(Method::GET, "/api/public/proposals?key=true", None, None).await;
    key_only.assert_ok();
    assert_eq!(key_only.body["items"][0]["id"], id.as_str());
    assert_eq!(life.public(&id).await.body["is_key"], true);
    life.assert_hidden(&id, &other_leader).await;
    assert_eq!(life.view(&id, &leader).await["state"], "published");
}

async fn withheld_from_publication_with_a_reason(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let id = life.draft(&life.member, "关于优化重点区域安保部署的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &unit, &[]).await;
    life.reply(&id, &unit, "A").await;
    life.rate(&id, &life.member, "satisfied", "basically_satisfied").await;
    let closed = life.close(&id).await;
    assert_eq!(allowed(&closed), ["publish", "withhold", "fulfil_commitment"]);

    // 不予公开 needs a reason.
    let version = life.version(&id, &life.office).await;
    let path = format!("/api/proposals/{id}/withhold");
    life.refused(&life.office, Method::POST, &path, json!({"version": version, "reason": ""}))
        .await
        .assert_problem(422, "validation");
    life.withhold(&id, "涉及安保部署，不宜公开").await;

    // The member and the unit read why; the public never sees it.
    let theirs = life.view(&id, &life.member).await;
    assert_eq!(theirs["state_label"], "不予公开");
    assert_eq!(theirs["withheld_reason"], "涉及安保部署，不宜公开");
    assert_eq!(life.view(&id, &unit.staff).await["state"], "withheld");
    life.assert_not_public(&id).await;
    assert_eq!(life.public_list().await["total"], 0);

    // And it cannot be published afterwards.
    let version = life.version(&id, &life.office).await;
    let late = life
        .refused(&life.office, Method::POST, &format!("/api/proposals/{id}/publish"), json!({"version": version}))
        .await;
    late.assert_problem(409, "invalid-transition");
    assert_eq!(late.body["current_state"], "withheld");
    life.assert_not_public(&id).await;
}

async fn co_signed_by_those_who_confirm(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let (yes, no, stranger) =
        (life.person(Role::Member).await, life.person(Role::Member).await, life.person(Role::Member).await);
    let id = life.draft(&life.member, "关于加强中小学心理健康教育的提案").await;

    // 联名: two members are invited; each sees the draft and may answer.
    let invited = life.invite(&id, &life.member, &[&yes, &no]).await;
    assert_eq!(invited["cosigners"].as_array().map(Vec::len), Some(2));
    assert_eq!(allowed(&life.view(&id, &yes).await), ["answer_invitation"]);
    life.assert_hidden(&id, &stranger).await;

    life.answer(&id, &yes, true).await;
    life.answer(&id, &no, false).await;
    life.assert_hidden(&id, &no).await;
    let theirs = life.view(&id, &yes).await;
    let statuses: Vec<(&str, &str)> = theirs["cosigners"]
        .as_array()
        .expect("cosigners")
        .iter()
        .filter_map(|c| Some((c["user_id"].as_str()?, c["status"].as_str()?)))
        .collect();
    assert!(statuses.contains(&(yes.id.as_str(), "confirmed")) && statuses.contains(&(no.id.as_str(), "declined")));
    let again =
        life.refused(&yes, Method::POST, &format!("/api/proposals/{id}/invitation"), json!({"accept": false})).await;
    assert_eq!(again.body["rule"], "already_answered", "answered once");

    // The co-signer follows it to its reply, but (by default) the proposer alone rates.
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    assert_eq!(life.view(&id, &yes).await["number_label"], "一届一次会议第1号提案");
    assert!(life.listed(&yes).await.contains(&id));
    life.assign_lead_and_co(&id, &unit, &[]).await;
    life.reply(&id, &unit, "A").await;
    let cosigners = life.view(&id, &yes).await;
    assert_eq!(cosigners["replies"].as_array().map(Vec::len), Some(1));
    assert!(allowed(&cosigners).is_empty());
    let rating = json!({"process": "satisfied", "result": "satisfied"});
    life.refused(&yes, Method::POST, &format!("/api/proposals/{id}/rating"), rating)
        .await
        .assert_problem(403, "forbidden");
    life.rate(&id, &life.member, "satisfied", "satisfied").await;
    assert_eq!(life.close(&id).await["ratings"].as_array().map(Vec::len), Some(1));
}

async fn a_deputy_suggestion_is_numbered_on_its_own(app: TestApp) {
    let life = Life::new(&app).await;
    let deputy = life.person(Role::Member).await;

    let proposal = life.draft(&life.member, "关于提升政务服务效率的提案").await;
    let suggestion: Value = life.draft_kind(&deputy, "suggestion", "关于改善农村道路安全的建议").await;
    assert_eq!((suggestion["kind"].as_str(), suggestion["kind_noun"].as_str()), (Some("suggestion"), Some("建议")));
    let sid = suggestion["id"].as_str().expect("id").to_string();

    life.submit(&proposal, &life.member).await;
    life.submit(&sid, &deputy).await;
    assert_eq!(life.file(&proposal).await["number_label"], "一届一次会议第1号提案");
    let filed = life.file(&sid).await;
    assert_eq!(filed["number"], 1, "suggestions are numbered in their own sequence");
    assert_eq!(filed["number_label"], "一届一次会议第1号建议");
    assert_eq!(life.view(&sid, &deputy).await["number_label"], "一届一次会议第1号建议");

    let second = life.draft_kind(&deputy, "suggestion", "关于规范农贸市场管理的建议").await;
    let second = second["id"].as_str().expect("id").to_string();
    life.submit(&second, &deputy).await;
    assert_eq!(life.file(&second).await["number_label"], "一届一次会议第2号建议");

    // A suggestion does not merge into a proposal: the kinds stay apart.
    let third = life.draft_kind(&deputy, "suggestion", "关于增加乡村公交班次的建议").await;
    let third = third["id"].as_str().expect("id").to_string();
    life.submit(&third, &deputy).await;
    let version = life.version(&third, &life.office).await;
    let body = json!({"version": version, "into_id": proposal});
    let r = life.refused(&life.office, Method::POST, &format!("/api/proposals/{third}/merge"), body).await;
    r.assert_problem(422, "validation");
    assert_eq!(r.body["errors"][0]["code"], "other_kind");
}

async fn the_proposers_silence_counts_once_the_rating_window_passed(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    let id = life.draft(&life.member, "关于延长图书馆夜间开放时间的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &unit, &[]).await;
    let replied = life.reply(&id, &unit, "A").await;
    let rating_due = time(&replied["rating_due_at"]);

    // The member says nothing; the office may not close while the window is open.
    life.travel(Duration::days(7));
    let version = life.version(&id, &life.office).await;
    let close = format!("/api/proposals/{id}/close");
    let early = life.refused(&life.office, Method::POST, &close, json!({"version": version})).await;
    assert_eq!(early.body["rule"], "awaiting_rating");

    // Once it passed, closing records the silence as configured (基本满意 by default).
    life.travel(rating_due - life.now() + Duration::hours(1));
    let closed = life.close(&id).await;
    let silence = &closed["ratings"][0];
    assert_eq!(
        (silence["rater_id"].as_str(), silence["process_rating"].as_str()),
        (Some(life.member.id.as_str()), Some("basically_satisfied"))
    );
    assert_eq!(silence["result_rating"], "basically_satisfied");
    assert_eq!(silence["comment"], "逾期未评价，按规定视为基本满意");
    assert!(allowed(&life.view(&id, &life.member).await).is_empty(), "too late to rate");
}

/// After 不满意 the office, not the system, decides who handles it again: here
/// one of the two separate units as lead, with a unit new to it co-handling;
/// the other separate unit's part is over.
async fn the_office_chooses_who_handles_it_again_after_unsatisfied(app: TestApp) {
    let life = Life::new(&app).await;
    let (one, two, three) = (life.unit().await, life.unit().await, life.unit().await);
    let id = life.draft(&life.member, "关于整治校园周边交通秩序的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_separate(&id, &[&one, &two]).await;
    let round1 = life.assignment(&id, &one).await["id"].as_str().expect("id").to_string();
    let promised = json!([{"description": "增设学校门口临时停车位", "target_date": life.today() + Duration::days(60)}]);
    life.reply_with(&id, &one, "B", promised).await;
    assert_eq!(life.reply(&id, &two, "C").await["state"], "replied");

    life.travel(Duration::days(3));
    let again = life.rate(&id, &life.member, "unsatisfied", "basically_satisfied").await;
    assert_eq!((again["state"].as_str(), again["handling_round"].as_i64()), (Some("filed"), Some(2)));
    let open: Vec<String> =
        life.deadlines(&round1).into_iter().filter(|(_, _, met)| met.is_none()).map(|(kind, _, _)| kind).collect();
    assert!(open.is_empty(), "the rejected reply's commitment is no longer chased: {open:?}");
    let t1 = life.now();
    let reassigned = life.assign_lead_and_co(&id, &one, &[&three]).await;
    let lead = assignments_of(&reassigned, &one);
    assert_eq!(lead.len(), 2);
    assert_eq!((lead[1]["unit_role"].as_str(), lead[1]["handling_round"].as_i64()), (Some("lead"), Some(2)));
    assert_eq!(time(&lead[1]["due_at"]), add_months(t1, 1));
    let co = assignments_of(&reassigned, &three);
    assert_eq!((co.len(), co[0]["unit_role"].as_str()), (1, Some("co")));
    let left: Vec<(i64, &str)> = assignments_of(&reassigned, &two)
        .iter()
        .map(|a| (a["handling_round"].as_i64().unwrap_or(0), a["state"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(left, [(1, "done")], "the unit not chosen again keeps only its first round, closed");

    // The new round: the co-handling unit's opinion, then the lead's reply.
    life.travel(Duration::days(3));
    life.opinion(&id, &three).await;
    let replied = life.reply(&id, &one, "A").await;
    assert_eq!(replied["state"], "replied");
    assert_eq!(replied["replies"].as_array().map(Vec::len), Some(3), "both rounds stay on record");

    life.rate(&id, &life.member, "satisfied", "satisfied").await;
    life.close(&id).await;
    life.publish(&id).await;
    let public = life.public(&id).await;
    public.assert_ok();
    let grades: Vec<&str> =
        public.body["replies"].as_array().expect("replies").iter().filter_map(|r| r["grade"].as_str()).collect();
    assert_eq!(grades, ["A"], "the public reads the last round's reply");
}
