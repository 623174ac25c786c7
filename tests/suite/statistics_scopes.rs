//! The office's statistics in every scope: a session, a whole term, a
//! calendar year, any range of days, plenary and between-session proposals
//! apart; key proposals by mode and leader; individual, joint and collective
//! proposals; the units' ranking and the time they took; and figures that
//! follow a change made on another instance. Each figure counted by hand.

use crate::common;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use proposal_desk::db::schema::{assignments, committee_sessions, proposal_cosigners, proposals, replies};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::ProposalState as S;
use serde_json::Value;

use common::TestApp;
use common::fixtures::Fixture;

fn at(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(2, 0, 0)).expect("date")
}

/// The world, all in one term:
/// - A: session 1, plenary, handed in 2026-01-10, key 领办 by leader L1, published;
///   its lead unit was assigned on Monday 2026-02-02 and replied on Friday 2026-02-06
/// - B: session 1, between sessions, handed in 2026-06-15, key 督办 by leader L2, closed
/// - D: session 1, plenary, handed in 2026-03-01, joint (one confirmed co-signer), submitted
/// - E: session 1, plenary, handed in 2026-03-01, from a party (collective), submitted
/// - C: session 2, plenary, handed in 2027-01-05, handling
pub(crate) struct World {
    pub(crate) session1: String,
    pub(crate) session2: String,
    pub(crate) term: String,
    pub(crate) a: Fixture,
    pub(crate) b: Fixture,
    pub(crate) leader1: common::TestUser,
    pub(crate) leader2: common::TestUser,
}

pub(crate) async fn world(app: &TestApp) -> World {
    let a = app.proposal_in(S::Published).await;
    let b = app.proposal_in(S::Closed).await;
    let d = app.proposal_in(S::Submitted).await;
    let e = app.proposal_in(S::Submitted).await;
    let c = app.proposal_in(S::Handling).await;
    let leader1 = app.user(Role::Leader).await;
    let leader2 = app.user(Role::Leader).await;
    let cosigner = app.user(Role::Member).await;
    let session1 = a.session_id.clone();
    let session2 = uuid::Uuid::new_v4().to_string();
    let now = app.clock_now();
    let term = app
        .with_conn(|conn| {
            let term: String =
                committee_sessions::table.find(&session1).select(committee_sessions::term_id).first(conn)?;
            diesel::insert_into(committee_sessions::table)
                .values((
                    committee_sessions::id.eq(&session2),
                    committee_sessions::term_id.eq(&term),
                    committee_sessions::number.eq(2),
                    committee_sessions::name.eq("一届二次会议"),
                    committee_sessions::opens_on.eq(at(2027, 1, 10).date()),
                    committee_sessions::plenary_window_start.eq(at(2026, 12, 1).date()),
                    committee_sessions::plenary_window_end.eq(at(2027, 1, 9).date()),
                    committee_sessions::created_at.eq(now),
                    committee_sessions::updated_at.eq(now),
                ))
                .execute(conn)?;
            let set = |conn: &mut _, f: &Fixture, day: NaiveDateTime, plenary: bool| {
                diesel::update(proposals::table.find(&f.id))
                    .set((proposals::submitted_at.eq(day), proposals::is_plenary.eq(plenary)))
                    .execute(conn)
            };
            set(conn, &a, at(2026, 1, 10), true)?;
            set(conn, &b, at(2026, 6, 15), false)?;
            set(conn, &d, at(2026, 3, 1), true)?;
            set(conn, &e, at(2026, 3, 1), true)?;
            set(conn, &c, at(2027, 1, 5), true)?;
            diesel::update(proposals::table.find(&c.id)).set(proposals::session_id.eq(&session2)).execute(conn)?;
            diesel::update(proposals::table.find(&a.id))
                .set((
                    proposals::is_key.eq(true),
                    proposals::key_mode.eq("lead"),
                    proposals::key_leader_id.eq(&leader1.id),
                ))
                .execute(conn)?;
            diesel::update(proposals::table.find(&b.id))
                .set((
                    proposals::is_key.eq(true),
                    proposals::key_mode.eq("supervise"),
                    proposals::key_leader_id.eq(&leader2.id),
                ))
                .execute(conn)?;
            diesel::update(proposals::table.find(&e.id))
                .set((proposals::submitter_type.eq("party"), proposals::submitter_name.eq("民盟区委")))
                .execute(conn)?;
            diesel::insert_into(proposal_cosigners::table)
                .values((
                    proposal_cosigners::proposal_id.eq(&d.id),
                    proposal_cosigners::user_id.eq(&cosigner.id),
                    proposal_cosigners::status.eq("confirmed"),
                    proposal_cosigners::invited_at.eq(at(2026, 2, 20)),
                    proposal_cosigners::respond_by.eq(at(2026, 2, 27)),
                    proposal_cosigners::responded_at.eq(Some(at(2026, 2, 21))),
                ))
                .execute(conn)?;
            diesel::update(assignments::table.find(&a.lead().assignment_id))
                .set(assignments::assigned_at.eq(at(2026, 2, 2)))
                .execute(conn)?;
            diesel::update(replies::table.filter(replies::assignment_id.eq(&a.lead().assignment_id)))
                .set(replies::submitted_at.eq(at(2026, 2, 6)))
                .execute(conn)?;
            Ok::<_, diesel::result::Error>(term)
        })
        .expect("world");
    // The rows above were written without audit events, as a fixture does:
    // the statistics read them afresh.
    app.state.statistics.forget();
    World { session1, session2, term, a, b, leader1, leader2 }
}

async fn report(app: &TestApp, query: &str) -> Value {
    let office = app.user(Role::Office).await;
    let reply = app.get(&format!("/api/statistics?{query}"), &office.token).await;
    reply.assert_ok();
    reply.body
}

fn submitted(report: &Value) -> i64 {
    report["totals"]["counts"]["submitted"].as_i64().expect("submitted")
}

fn row<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .and_then(|rows| rows.iter().find(|r| r["key"] == key))
        .unwrap_or_else(|| panic!("no row {key} in {list}"))
}

async fn each_scope_counts_its_own_proposals(app: TestApp) {
    let w = world(&app).await;
    let session = report(&app, &format!("scope=session&session_id={}", w.session1)).await;
    assert_eq!(submitted(&session), 4, "A, B, D, E");
    assert_eq!(session["scope"]["kind"], "session");
    assert_eq!(session["scope"]["label"], "一届一次会议");
    assert_eq!(session["session"]["id"], w.session1.as_str());
    let second = report(&app, &format!("session_id={}", w.session2)).await;
    assert_eq!(submitted(&second), 1, "C; a session alone needs no scope=");

    let term = report(&app, &format!("scope=term&term_id={}", w.term)).await;
    assert_eq!(submitted(&term), 5, "both sessions of the term");
    assert!(term.get("session").is_none(), "a term is not one session");

    let year = report(&app, "scope=year&year=2026").await;
    assert_eq!(submitted(&year), 4, "handed in during 2026: A, B, D, E");
    assert_eq!(year["scope"]["label"], "2026年");
    assert_eq!(submitted(&report(&app, "scope=year&year=2027").await), 1, "C");

    let january = report(&app, "scope=range&from=2026-01-01&to=2026-01-31").await;
    assert_eq!(submitted(&january), 1, "A");
    assert_eq!(january["scope"]["label"], "2026-01-01至2026-01-31");
    let one_day = report(&app, "scope=range&from=2026-06-15&to=2026-06-15").await;
    assert_eq!(submitted(&one_day), 1, "both ends are included: B");
    assert_eq!(submitted(&report(&app, "scope=range&from=2026-06-16&to=2026-12-31").await), 0);
}

async fn plenary_and_between_session_proposals_apart_or_together(app: TestApp) {
    let w = world(&app).await;
    let plenary = report(&app, &format!("session_id={}&stage=plenary", w.session1)).await;
    assert_eq!(submitted(&plenary), 3, "A, D, E");
    assert_eq!(plenary["scope"]["label"], "一届一次会议（大会提案）");
    let between = report(&app, &format!("session_id={}&stage=between", w.session1)).await;
    assert_eq!(submitted(&between), 1, "B");
    assert_eq!(between["totals"]["counts"]["closed"], 1);
    let year_plenary = report(&app, "scope=year&year=2026&stage=plenary").await;
    assert_eq!(submitted(&year_plenary), 3);
}

async fn key_proposals_by_mode_and_by_leader(app: TestApp) {
    let w = world(&app).await;
    let r = report(&app, &format!("session_id={}", w.session1)).await;
    let lead = row(&r["by_key_mode"], "lead");
    assert_eq!(lead["label"], "领办");
    assert_eq!(lead["counts"]["submitted"], 1);
    assert_eq!(lead["counts"]["published"], 1);
    let supervise = row(&r["by_key_mode"], "supervise");
    assert_eq!(supervise["label"], "督办");
    assert_eq!(supervise["counts"]["closed"], 1);
    assert_eq!(r["by_key_mode"].as_array().map(Vec::len), Some(2), "only key proposals have a mode");
    let l1 = row(&r["by_leader"], &w.leader1.id);
    assert_eq!(l1["counts"]["submitted"], 1);
    assert!(l1["label"].as_str().is_some_and(|name| !name.is_empty() && name != "未指定"), "{l1}");
    assert_eq!(row(&r["by_leader"], &w.leader2.id)["counts"]["submitted"], 1);
    assert_eq!(row(&r["by_key"], "true")["counts"]["submitted"], 2);
    let _ = (&w.a, &w.b);
}

async fn individual_joint_and_collective_proposals(app: TestApp) {
    let w = world(&app).await;
    let r = report(&app, &format!("session_id={}", w.session1)).await;
    let kinds: Vec<(&str, i64)> = r["by_submitter_kind"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| (row["label"].as_str().unwrap_or(""), row["counts"]["submitted"].as_i64().unwrap_or(-1)))
        .collect();
    assert_eq!(kinds, vec![("个人提案", 2), ("联名提案", 1), ("集体提案", 1)]);
}

async fn units_are_ranked_and_their_time_to_reply_is_counted_in_working_days(app: TestApp) {
    let w = world(&app).await;
    let r = report(&app, "scope=range&from=2026-01-01&to=2026-01-31").await;
    // A alone: its lead unit replied four working days (Tue to Fri) after it was assigned.
    assert_eq!(r["totals"]["average_reply_working_days"], 4.0);
    let units = r["by_unit"].as_array().expect("units");
    let lead = units.iter().find(|u| u["unit_id"] == w.a.lead().unit_id.as_str()).expect("lead unit");
    assert_eq!(lead["average_reply_working_days"], 4.0);
    assert_eq!(lead["rank"], 1, "it replied on time: first");
    let co = units.iter().find(|u| u["unit_id"] == w.a.co().unit_id.as_str()).expect("co unit");
    assert_eq!(co["average_reply_working_days"], Value::Null, "a co-handling unit does not reply");
    assert_eq!(co["rank"], 2, "nothing to reply: after every unit that had");
}

async fn a_change_made_elsewhere_is_counted_at_once(app: TestApp) {
    let w = world(&app).await;
    let query = format!("session_id={}", w.session1);
    let before = report(&app, &query).await;
    assert_eq!(before["totals"]["counts"]["published"], 1);
    // Another instance of the service on the same database: its own store, loaded now.
    let other = proposal_desk::statistics::Store::default();
    let scope = app
        .with_conn(|c| {
            proposal_desk::statistics::scope::resolve(
                c,
                &app.state.settings.workflow,
                proposal_desk::statistics::ScopeQuery { session_id: Some(w.session1.clone()), ..Default::default() },
            )
        })
        .expect("scope");
    let sum = |store: &proposal_desk::statistics::Store| {
        app.with_conn(|c| {
            proposal_desk::statistics::compute(c, store, &app.state.office, scope.clone(), app.clock_now())
        })
        .expect("report")
    };
    assert_eq!(sum(&other).totals.counts.published, 1);
    // This instance publishes B through the API.
    let office = app.user(Role::Office).await;
    let version = app.get(&format!("/api/proposals/{}", w.b.id), &office.token).await.body["version"].clone();
    app.post(&format!("/api/proposals/{}/publish", w.b.id), &office.token, serde_json::json!({"version": version}))
        .await
        .assert_ok();
    assert_eq!(sum(&other).totals.counts.published, 2, "the other instance reads the audit events and counts it");
    assert_eq!(report(&app, &query).await["totals"]["counts"]["published"], 2);
    app.clock.advance(Duration::days(1));
    let _ = (&w.leader1, &w.leader2);
}

async fn a_scope_must_name_what_it_counts(app: TestApp) {
    let office = app.user(Role::Office).await;
    let fields = |reply: &common::Reply| -> Vec<String> {
        reply.body["errors"]
            .as_array()
            .map(|e| e.iter().filter_map(|x| x["field"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    for (query, field) in [
        ("scope=term", "term_id"),
        ("scope=session", "session_id"),
        ("scope=year&year=20x6", "year"),
        ("scope=range&from=2026-02-01", "to"),
        ("scope=range&from=2026-02-01&to=2026-01-01", "to"),
        ("scope=range&from=2026-13-01&to=2026-12-01", "from"),
        ("scope=decade", "scope"),
        ("scope=year&year=2026&stage=recess", "stage"),
    ] {
        let reply = app.get(&format!("/api/statistics?{query}"), &office.token).await;
        reply.assert_problem(422, "validation");
        assert!(fields(&reply).iter().any(|f| f == field), "{query}: {}", reply.text);
    }
    let unknown = uuid::Uuid::new_v4();
    app.get(&format!("/api/statistics?scope=term&term_id={unknown}"), &office.token)
        .await
        .assert_problem(404, "not-found");
}

both_backends!(
    each_scope_counts_its_own_proposals,
    plenary_and_between_session_proposals_apart_or_together,
    key_proposals_by_mode_and_by_leader,
    individual_joint_and_collective_proposals,
    units_are_ranked_and_their_time_to_reply_is_counted_in_working_days,
    a_change_made_elsewhere_is_counted_at_once,
    a_scope_must_name_what_it_counts,
    withheld_and_re_handled_proposals_count_as_they_stand,
);

/// A published proposal (P), one withheld from publication (W) and one the
/// proposer rated 不满意, given again to its lead unit (R, in its second
/// round): counted by hand in their session and their day.
async fn withheld_and_re_handled_proposals_count_as_they_stand(app: TestApp) {
    let p = app.proposal_in(S::Published).await;
    let _withheld = app.proposal_in(S::Withheld).await;
    let r = app.proposal_in(S::Replied).await;
    let rated = app
        .post(
            &format!("/api/proposals/{}/rating", r.id),
            &r.proposer.token,
            serde_json::json!({"process": "basically_satisfied", "result": "unsatisfied"}),
        )
        .await;
    rated.assert_ok();
    let office = app.user(Role::Office).await;
    let again = app
        .post(
            &format!("/api/proposals/{}/assign", r.id),
            &office.token,
            serde_json::json!({"version": app.version_of(&r.id), "lead_unit_id": r.lead().unit_id}),
        )
        .await;
    again.assert_ok();
    assert_eq!(again.str("state"), "handling");
    let today = app.clock_now().date();
    for query in [format!("session_id={}", p.session_id), format!("scope=range&from={today}&to={today}")] {
        let report = report(&app, &query).await;
        let c = &report["totals"]["counts"];
        let figures = [
            "submitted",
            "filed",
            "after_merging",
            "replied",
            "replied_on_time",
            "contacted",
            "rated",
            "both_satisfied",
            "closed",
            "published",
            "replies",
            "grade_a",
            "overdue",
        ]
        .map(|name| c[name].as_i64().unwrap_or(-1));
        // All three handed in and filed; P and W replied (met, A, on time),
        // rated satisfied and closed, P alone published; R counts in its
        // second round: not replied, not rated, its first reply and rating
        // no longer its figures, and its new reply not due yet.
        assert_eq!(figures, [3, 3, 3, 2, 2, 2, 2, 2, 2, 1, 2, 2, 0], "{query}: {c}");
    }
}
