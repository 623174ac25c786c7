//! The end of a proposal's life: rating, re-handling, closing, publication,
//! withholding, and following up a B reply's commitments.

use crate::common;

use crate::common::due::add_months;
use actix_web::http::Method;
use chrono::Duration;
use common::TestApp;
use diesel::prelude::*;
use proposal_desk::db::models::proposal::{AssignmentRow, CommitmentRow, ProgressRow, RatingRow};
use proposal_desk::db::schema::{
    assignments, commitment_progress, commitments, deadlines, proposal_cosigners, proposals, ratings, replies,
};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::{AssignmentState, ProposalState, UnitRole};
use serde_json::json;

both_backends!(
    both_satisfied_then_closed_and_published_for_everyone_to_read,
    unsatisfied_sends_it_back_to_the_office_to_choose_the_units_again,
    one_rating_per_person_and_round,
    closing_waits_for_the_rating_or_its_window,
    a_withheld_proposal_stays_out_of_public_view,
    publication_needs_a_public_version,
    a_b_reply_is_followed_up_until_fulfilled,
    only_the_proposer_rates,
    a_merged_proposer_rates_the_shared_reply,
);

/// The internal reply's contact line, which must never reach the public.
const INTERNAL: &str = "电话 12345678";

fn path(id: &str, action: &str) -> String {
    format!("/api/proposals/{id}/{action}")
}

fn ratings_of(app: &TestApp, id: &str) -> Vec<RatingRow> {
    let id = id.to_string();
    app.with_conn(move |c| {
        ratings::table
            .filter(ratings::proposal_id.eq(id))
            .order(ratings::rated_at.asc())
            .select(RatingRow::as_select())
            .load(c)
    })
    .expect("ratings")
}

/// The audit actions written since `seq`, by name.
fn actions_since(app: &TestApp, seq: i64) -> Vec<String> {
    app.audit_actions_after(seq).into_iter().map(|(action, _, _)| action).collect()
}

async fn both_satisfied_then_closed_and_published_for_everyone_to_read(app: TestApp) {
    let f = app.proposal_in(ProposalState::Replied).await;
    let office = app.user(Role::Office).await;

    let seq = app.last_audit_seq();
    let rated = app
        .post(
            &path(&f.id, "rating"),
            &f.proposer.token,
            json!({"process": "satisfied", "result": "satisfied", "comment": "办理认真，答复具体。"}),
        )
        .await;
    rated.assert_ok();
    // 双满意: nothing to handle again; the office closes it.
    assert_eq!(rated.str("state"), "replied");
    assert_eq!(rated.body["handling_round"], 1);
    assert_eq!(rated.body["ratings"][0]["process_rating"], "satisfied");
    assert_eq!(rated.body["ratings"][0]["result_rating"], "satisfied");
    assert_eq!(rated.body["ratings"][0]["comment"], "办理认真，答复具体。");
    assert_eq!(actions_since(&app, seq), ["proposal.rate"]);

    let seq = app.last_audit_seq();
    let closed = app.post(&path(&f.id, "close"), &office.token, json!({"version": app.version_of(&f.id)})).await;
    closed.assert_ok();
    assert_eq!(closed.str("state"), "closed");
    assert!(closed.body["closed_at"].is_string());
    assert_eq!(ratings_of(&app, &f.id).len(), 1, "a rating given is not replaced by the silence rule");
    assert_eq!(actions_since(&app, seq), ["proposal.close"]);

    // Before publication the public sees nothing.
    app.send(Method::GET, &format!("/api/public/proposals/{}", f.id), None, None)
        .await
        .assert_problem(404, "not-found");

    let seq = app.last_audit_seq();
    let published = app.post(&path(&f.id, "publish"), &office.token, json!({"version": app.version_of(&f.id)})).await;
    published.assert_ok();
    assert_eq!(published.str("state"), "published");
    assert!(published.body["published_at"].is_string());
    assert_eq!(actions_since(&app, seq), ["proposal.publish"]);

    let public = app.send(Method::GET, &format!("/api/public/proposals/{}", f.id), None, None).await;
    public.assert_ok();
    assert_eq!(public.str("title"), "关于加强社区居家养老服务的建议");
    assert_eq!(public.body["replies"][0]["public_body"], "经研究，已将社区养老服务纳入年度重点工作。");
    assert_eq!(public.body["replies"][0]["grade"], "A");
    assert!(!public.text.contains(INTERNAL), "{}", public.text);
    let list = app.send(Method::GET, "/api/public/proposals", None, None).await;
    list.assert_ok();
    assert_eq!(list.body["total"], 1);
    assert!(!list.text.contains(INTERNAL));

    // Published and final: the proposer cannot rate again, the office cannot close again.
    let again = app
        .post(&path(&f.id, "rating"), &f.proposer.token, json!({"process": "satisfied", "result": "satisfied"}))
        .await;
    again.assert_problem(409, "invalid-transition");
    assert_eq!(again.body["current_state"], "published");
}

async fn unsatisfied_sends_it_back_to_the_office_to_choose_the_units_again(app: TestApp) {
    let f = app.proposal_in(ProposalState::Replied).await;
    let seq = app.last_audit_seq();
    let rated = app
        .post(
            &path(&f.id, "rating"),
            &f.proposer.token,
            json!({"process": "basically_satisfied", "result": "unsatisfied", "comment": "问题没有实际解决。"}),
        )
        .await;
    rated.assert_ok();
    // 不满意: the round ends and the proposal goes back to the office, in a second round.
    assert_eq!(rated.str("state"), "filed");
    assert_eq!(rated.body["handling_round"], 2);
    assert!(rated.body["replied_at"].is_null());
    assert!(rated.body["rating_due_at"].is_null());
    assert_eq!(actions_since(&app, seq), ["proposal.rate"]);
    let pid = f.id.clone();
    let rows = |app: &TestApp| -> Vec<AssignmentRow> {
        let pid = pid.clone();
        app.with_conn(move |c| {
            assignments::table
                .filter(assignments::proposal_id.eq(pid))
                .order((assignments::handling_round.asc(), assignments::created_at.asc()))
                .select(AssignmentRow::as_select())
                .load(c)
        })
        .expect("assignments")
    };
    let first: Vec<(String, i32, String)> =
        rows(&app).iter().map(|a| (a.unit_id.clone(), a.handling_round, a.state.as_str().to_string())).collect();
    assert_eq!(
        first,
        [(f.lead().unit_id.clone(), 1, "done".to_string()), (f.co().unit_id.clone(), 1, "done".to_string())],
        "the first round is closed for every unit in it, the co-handling unit too, and nobody is chosen yet"
    );
    let ids: Vec<String> = rows(&app).iter().map(|a| a.id.clone()).collect();
    let open: i64 = app
        .with_conn(move |c| {
            deadlines::table
                .filter(deadlines::object_id.eq_any(ids))
                .filter(deadlines::met_at.is_null())
                .count()
                .get_result(c)
        })
        .expect("open deadlines");
    assert_eq!(open, 0, "no deadline of the first round stays open");

    // The office gives it to the lead unit alone this time (重新办理).
    let office = app.user(Role::Office).await;
    let version = app.get(&format!("/api/proposals/{}", f.id), &office.token).await.body["version"].clone();
    let assigned = app
        .post(&path(&f.id, "assign"), &office.token, json!({"version": version, "lead_unit_id": f.lead().unit_id}))
        .await;
    assigned.assert_ok();
    assert_eq!(assigned.str("state"), "handling");
    let all = rows(&app);
    let again: Vec<&AssignmentRow> = all.iter().filter(|a| a.handling_round == 2).collect();
    assert_eq!(again.len(), 1);
    let again = again[0];
    assert_eq!((again.unit_id.as_str(), again.unit_role.as_str()), (f.lead().unit_id.as_str(), "lead"));
    assert_eq!(again.state.as_str(), "assigned");
    // The default re-handling rule: one month.
    assert_eq!(again.due_at, add_months(app.clock_now(), 1));
    // The new clock is a deadline the office chases, like any other reply's.
    let again_id = again.id.clone();
    let chased: Vec<(String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> = app
        .with_conn(move |c| {
            deadlines::table
                .filter(deadlines::object_id.eq(again_id))
                .select((deadlines::kind, deadlines::due_at, deadlines::met_at))
                .load(c)
        })
        .expect("deadlines");
    assert_eq!(chased, vec![("reply".to_string(), again.due_at, None)]);

    let early = app
        .post(&path(&f.id, "rating"), &f.proposer.token, json!({"process": "satisfied", "result": "satisfied"}))
        .await;
    early.assert_problem(409, "invalid-transition");
    assert_eq!(early.body["current_state"], "handling");

    // The second round is worked on the renewed assignment: the first round's
    // (and its contacts) can no longer be used, so the reply needs a new contact.
    let staff = &f.lead().staff.token;
    let old_round = format!("/api/proposals/{}/assignments/{}", f.id, f.lead().assignment_id);
    let contact = json!({"kind": "phone", "contacted_on": app.clock_now().date(), "summary": "再次沟通"});
    app.post(&format!("{old_round}/contacts"), staff, contact.clone()).await.assert_problem(404, "not-found");
    let new_round = format!("/api/proposals/{}/assignments/{}", f.id, again.id);
    let reply =
        json!({"grade": "A", "body": "再次答复。", "public_body": "再次答复（公开）。", "person_in_charge": "李四"});
    app.send(Method::PUT, &format!("{new_round}/reply"), Some(staff), Some(reply)).await.assert_ok();
    app.post(&format!("{new_round}/reply/sign-off"), &f.lead().head.token, json!({})).await.assert_ok();
    let no_contact = app.post(&format!("{new_round}/reply/submit"), staff, json!({})).await;
    no_contact.assert_problem(409, "invalid-transition");
    assert_eq!(no_contact.body["rule"], "no_contact");
    app.post(&format!("{new_round}/contacts"), staff, contact).await.assert_ok();
    app.post(&format!("{new_round}/reply/submit"), staff, json!({})).await.assert_ok();
    assert_eq!(app.get(&format!("/api/proposals/{}", f.id), staff).await.str("state"), "replied");

    // The lead unit sees its renewed assignment; rating waits for the new reply.
    let seen = app.get(&format!("/api/proposals/{}", f.id), &f.lead().staff.token).await;
    seen.assert_ok();
    assert!(seen.body["assignments"].as_array().expect("assignments").iter().any(|a| a["handling_round"] == 2));
}

async fn one_rating_per_person_and_round(app: TestApp) {
    let f = app.proposal_in(ProposalState::Replied).await;
    let first = app
        .post(
            &path(&f.id, "rating"),
            &f.proposer.token,
            json!({"process": "satisfied", "result": "basically_satisfied"}),
        )
        .await;
    first.assert_ok();
    assert_eq!(first.str("state"), "replied");
    let seq = app.last_audit_seq();
    let second = app
        .post(&path(&f.id, "rating"), &f.proposer.token, json!({"process": "unsatisfied", "result": "unsatisfied"}))
        .await;
    second.assert_problem(409, "invalid-transition");
    assert_eq!(second.body["rule"], "already_rated");
    assert_eq!(app.state_of(&f.id), "replied");
    assert_eq!(ratings_of(&app, &f.id).len(), 1);
    assert!(actions_since(&app, seq).is_empty(), "a refused action leaves no trace");

    // Bad ratings are refused before anything is written.
    let bad =
        app.post(&path(&f.id, "rating"), &f.proposer.token, json!({"process": "great", "result": "satisfied"})).await;
    bad.assert_problem(400, "bad-request");
    let long = app
        .post(
            &path(&f.id, "rating"),
            &f.proposer.token,
            json!({"process": "satisfied", "result": "satisfied", "comment": "长".repeat(1001)}),
        )
        .await;
    long.assert_problem(422, "validation");
    let extra = app
        .post(
            &path(&f.id, "rating"),
            &f.proposer.token,
            json!({"process": "satisfied", "result": "satisfied", "grade": "A"}),
        )
        .await;
    extra.assert_problem(400, "bad-request");
}

async fn closing_waits_for_the_rating_or_its_window(app: TestApp) {
    let f = app.proposal_in(ProposalState::Replied).await;
    let office = app.user(Role::Office).await;
    let seq = app.last_audit_seq();
    let early = app.post(&path(&f.id, "close"), &office.token, json!({"version": app.version_of(&f.id)})).await;
    early.assert_problem(409, "invalid-transition");
    assert_eq!(early.body["rule"], "awaiting_rating");
    assert!(actions_since(&app, seq).is_empty());

    // A stale version is refused too.
    let stale = app.post(&path(&f.id, "close"), &office.token, json!({"version": 99})).await;
    stale.assert_problem(409, "stale-version");

    // Past the rating window, silence counts as configured (default 基本满意).
    let due: chrono::NaiveDateTime = {
        let id = f.id.clone();
        app.with_conn(move |c| proposals::table.find(id).select(proposals::rating_due_at).first::<Option<_>>(c))
            .expect("due")
            .expect("rating due")
    };
    app.clock.advance(due - app.clock_now() + Duration::hours(1));
    let token = app.token(&office).await;
    let seq = app.last_audit_seq();
    let closed = app.post(&path(&f.id, "close"), &token, json!({"version": app.version_of(&f.id)})).await;
    closed.assert_ok();
    assert_eq!(closed.str("state"), "closed");
    assert_eq!(actions_since(&app, seq), ["proposal.close"]);
    assert_eq!(app.state.settings.workflow.rating_silence_means, "basically_satisfied");
    let rows = ratings_of(&app, &f.id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].rater_id, f.proposer.id);
    assert_eq!(rows[0].process_rating.as_str(), "basically_satisfied");
    assert_eq!(rows[0].result_rating.as_str(), "basically_satisfied");
    assert_eq!(rows[0].comment.as_deref(), Some("逾期未评价，按规定视为基本满意"));
    assert_eq!(rows[0].handling_round, 1);
}

async fn a_withheld_proposal_stays_out_of_public_view(app: TestApp) {
    let f = app.proposal_in(ProposalState::Closed).await;
    let office = app.user(Role::Office).await;
    let version = app.version_of(&f.id);
    let empty = app.post(&path(&f.id, "withhold"), &office.token, json!({"version": version, "reason": "  "})).await;
    empty.assert_problem(422, "validation");
    let long = app
        .post(&path(&f.id, "withhold"), &office.token, json!({"version": version, "reason": "密".repeat(501)}))
        .await;
    long.assert_problem(422, "validation");

    let seq = app.last_audit_seq();
    let withheld = app
        .post(&path(&f.id, "withhold"), &office.token, json!({"version": version, "reason": "涉及尚未公开的城市规划"}))
        .await;
    withheld.assert_ok();
    assert_eq!(withheld.str("state"), "withheld");
    assert_eq!(withheld.str("withheld_reason"), "涉及尚未公开的城市规划");
    assert_eq!(actions_since(&app, seq), ["proposal.withhold"]);

    app.send(Method::GET, &format!("/api/public/proposals/{}", f.id), None, None)
        .await
        .assert_problem(404, "not-found");
    let list = app.send(Method::GET, "/api/public/proposals", None, None).await;
    assert_eq!(list.body["total"], 0);
    // Withheld is final for publication.
    let publish = app.post(&path(&f.id, "publish"), &office.token, json!({"version": app.version_of(&f.id)})).await;
    publish.assert_problem(409, "invalid-transition");
    assert_eq!(publish.body["current_state"], "withheld");
}

async fn publication_needs_a_public_version(app: TestApp) {
    let f = app.proposal_in(ProposalState::Closed).await;
    let office = app.user(Role::Office).await;
    let pid = f.id.clone();
    app.with_conn(move |c| {
        diesel::update(replies::table.filter(replies::proposal_id.eq(pid)))
            .set(replies::public_body.eq(None::<String>))
            .execute(c)
    })
    .expect("no public version");
    let refused = app.post(&path(&f.id, "publish"), &office.token, json!({"version": app.version_of(&f.id)})).await;
    refused.assert_problem(409, "invalid-transition");
    assert_eq!(refused.body["rule"], "no_public_version");
    assert_eq!(app.state_of(&f.id), "closed");
    // Members and units cannot publish at all.
    let member = app.post(&path(&f.id, "publish"), &f.proposer.token, json!({"version": app.version_of(&f.id)})).await;
    member.assert_problem(403, "forbidden");
}

/// Makes the fixture's lead reply a B reply with one commitment; returns its id.
fn b_commitment(app: &TestApp, proposal_id: &str, assignment_id: &str) -> String {
    let now = app.clock_now();
    let (pid, aid) = (proposal_id.to_string(), assignment_id.to_string());
    app.with_conn(move |c| {
        let reply_id: String = replies::table
            .filter(replies::proposal_id.eq(&pid))
            .filter(replies::assignment_id.eq(&aid))
            .select(replies::id)
            .first(c)?;
        diesel::update(replies::table.find(&reply_id)).set(replies::grade.eq("B")).execute(c)?;
        let row = CommitmentRow {
            id: uuid::Uuid::new_v4().to_string(),
            reply_id,
            proposal_id: pid.clone(),
            description: "年内新建社区养老服务站 10 个".into(),
            target_date: (now + Duration::days(200)).date(),
            fulfilled_at: None,
            fulfilled_by_id: None,
            created_at: now,
        };
        diesel::insert_into(commitments::table).values(&row).execute(c)?;
        Ok::<_, diesel::result::Error>(row.id)
    })
    .expect("commitment")
}

async fn a_b_reply_is_followed_up_until_fulfilled(app: TestApp) {
    let f = app.proposal_in(ProposalState::Closed).await;
    let office = app.user(Role::Office).await;
    let commitment = b_commitment(&app, &f.id, &f.lead().assignment_id);
    let progress = |c: &str| format!("/api/proposals/{}/commitments/{c}/progress", f.id);
    let fulfil = |c: &str| format!("/api/proposals/{}/commitments/{c}/fulfil", f.id);
    let note = json!({"note": "已建成 6 个社区养老服务站，其余 4 个正在施工。"});

    let seq = app.last_audit_seq();
    let reported = app.post(&progress(&commitment), &f.lead().staff.token, note.clone()).await;
    reported.assert_ok();
    assert_eq!(reported.body["commitments"][0]["id"], commitment.as_str());
    assert_eq!(actions_since(&app, seq), ["proposal.report_progress"]);
    let cid = commitment.clone();
    let notes: Vec<ProgressRow> = app
        .with_conn(move |c| {
            commitment_progress::table
                .filter(commitment_progress::commitment_id.eq(cid))
                .select(ProgressRow::as_select())
                .load(c)
        })
        .expect("progress");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].reported_by_id, f.lead().staff.id);

    // Only the unit whose reply made the promise reports on it.
    let stranger = app.user(Role::UnitStaff).await;
    app.post(&progress(&commitment), &stranger.token, note.clone()).await.assert_problem(404, "not-found");
    app.post(&progress(&commitment), &f.co().staff.token, note.clone()).await.assert_problem(403, "forbidden");
    let (separate_unit, separate_staff, _) = app.unit_with_people().await;
    let now = app.clock_now();
    let separate = AssignmentRow {
        id: uuid::Uuid::new_v4().to_string(),
        proposal_id: f.id.clone(),
        unit_id: separate_unit,
        unit_role: UnitRole::Separate,
        state: AssignmentState::Done,
        assigned_at: now,
        due_at: now + Duration::days(90),
        signed_for_at: Some(now),
        created_at: now,
        updated_at: now,
        version: 1,
        return_window_ends_at: None,
        opinion_due_at: None,
        contact_waiver: None,
        opinion_waiver: None,
        handling_round: 1,
    };
    app.with_conn(move |c| diesel::insert_into(assignments::table).values(&separate).execute(c)).expect("separate");
    app.post(&progress(&commitment), &separate_staff.token, note.clone()).await.assert_problem(404, "not-found");
    let unknown = uuid::Uuid::new_v4().to_string();
    app.post(&progress(&unknown), &f.lead().staff.token, note.clone()).await.assert_problem(404, "not-found");
    app.post(&progress("not-an-id"), &f.lead().staff.token, note.clone()).await.assert_problem(404, "not-found");
    let empty = app.post(&progress(&commitment), &f.lead().staff.token, json!({"note": ""})).await;
    empty.assert_problem(422, "validation");
    // A unit cannot mark its own promise kept; the office does.
    app.post(&fulfil(&commitment), &f.lead().staff.token, json!({})).await.assert_problem(403, "forbidden");

    let seq = app.last_audit_seq();
    let fulfilled = app.post(&fulfil(&commitment), &office.token, json!({})).await;
    fulfilled.assert_ok();
    assert!(fulfilled.body["commitments"][0]["fulfilled_at"].is_string());
    assert_eq!(fulfilled.body["commitments"][0]["fulfilled_by_id"], office.id.as_str());
    assert_eq!(actions_since(&app, seq), ["proposal.fulfil_commitment"]);

    let late = app.post(&progress(&commitment), &f.lead().staff.token, note).await;
    late.assert_problem(409, "invalid-transition");
    assert_eq!(late.body["rule"], "already_fulfilled");
    let twice = app.post(&fulfil(&commitment), &office.token, json!({})).await;
    assert_eq!(twice.body["rule"], "already_fulfilled", "{}", twice.text);
}

async fn only_the_proposer_rates(app: TestApp) {
    let body = json!({"process": "satisfied", "result": "satisfied"});
    let f = app.proposal_in(ProposalState::Replied).await;
    // Another member cannot even see it.
    let other = app.user(Role::Member).await;
    app.post(&path(&f.id, "rating"), &other.token, body.clone()).await.assert_problem(404, "not-found");
    // The office and the units see it, but rating is the proposer's.
    let office = app.user(Role::Office).await;
    app.post(&path(&f.id, "rating"), &office.token, body.clone()).await.assert_problem(403, "forbidden");
    app.post(&path(&f.id, "rating"), &f.lead().staff.token, body.clone()).await.assert_problem(403, "forbidden");

    // A confirmed co-signer rates only when the configuration says co-signers rate (not by default).
    assert!(!app.state.settings.workflow.cosigners_rate);
    let cosigner = app.user(Role::Member).await;
    let (pid, uid, now) = (f.id.clone(), cosigner.id.clone(), app.clock_now());
    app.with_conn(move |c| {
        diesel::insert_into(proposal_cosigners::table)
            .values((
                proposal_cosigners::proposal_id.eq(pid),
                proposal_cosigners::user_id.eq(uid),
                proposal_cosigners::status.eq("confirmed"),
                proposal_cosigners::invited_at.eq(now),
                proposal_cosigners::respond_by.eq(now),
                proposal_cosigners::responded_at.eq(Some(now)),
            ))
            .execute(c)
    })
    .expect("cosigner");
    app.post(&path(&f.id, "rating"), &cosigner.token, body.clone()).await.assert_problem(403, "forbidden");
    assert!(ratings_of(&app, &f.id).is_empty());
    // Not theirs in any state: 403, not "wrong state".
    let handling = app.proposal_in(ProposalState::Handling).await;
    let (pid, uid) = (handling.id.clone(), cosigner.id.clone());
    app.with_conn(move |c| {
        diesel::insert_into(proposal_cosigners::table)
            .values((
                proposal_cosigners::proposal_id.eq(pid),
                proposal_cosigners::user_id.eq(uid),
                proposal_cosigners::status.eq("confirmed"),
                proposal_cosigners::invited_at.eq(now),
                proposal_cosigners::respond_by.eq(now),
                proposal_cosigners::responded_at.eq(Some(now)),
            ))
            .execute(c)
    })
    .expect("cosigner");
    app.post(&path(&handling.id, "rating"), &cosigner.token, body.clone()).await.assert_problem(403, "forbidden");

    // Once published everybody sees it, but it is still not theirs to rate.
    let published = app.proposal_in(ProposalState::Published).await;
    app.post(&path(&published.id, "rating"), &other.token, body).await.assert_problem(403, "forbidden");
}

async fn a_merged_proposer_rates_the_shared_reply(app: TestApp) {
    let f = app.proposal_in(ProposalState::Replied).await;
    let merged = app.proposal_in(ProposalState::Merged).await;
    let (mid, target) = (merged.id.clone(), f.id.clone());
    app.with_conn(move |c| {
        diesel::update(proposals::table.find(mid)).set(proposals::merged_into_id.eq(Some(target))).execute(c)
    })
    .expect("merge");
    let rated = app
        .post(&path(&f.id, "rating"), &merged.proposer.token, json!({"process": "satisfied", "result": "unsatisfied"}))
        .await;
    rated.assert_ok();
    // Each merged proposer receives the reply and rates it as a proposer: 不满意 sends it back.
    assert_eq!(rated.str("state"), "filed");
    let rows = ratings_of(&app, &f.id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].rater_id, merged.proposer.id);
}
