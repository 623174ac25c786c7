//! The office's statistics: a small world built by hand, and the figures each
//! breakdown must show, counted by hand (docs/statistics.md defines them).

use crate::common;

use chrono::Duration;
use diesel::prelude::*;
use proposal_desk::db::schema::{assignments, committee_sessions, contacts, proposals, ratings, replies, users};
use proposal_desk::domain::Role;
use proposal_desk::domain::workflow::ProposalState as S;
use serde_json::{Value, json};

use common::TestApp;
use common::fixtures::Fixture;

/// The world:
/// - P1 published, key: lead A reply on time after a meeting, rated 满意/满意
/// - P2 closed, by a party (党派): lead A reply on time after a meeting, rated 基本满意/不满意
/// - P3 handling, topic 城市建设: its lead unit is a day past its due date
/// - P4 merged into P4t (filed, not yet assigned)
/// - P5 submitted
/// - P6 a draft (not counted: it never left draft)
/// - P7 replied, not rated: lead B reply submitted after its due date, after a phone call only
/// - S1 a published suggestion (建议), counted apart
struct World {
    session_id: String,
    p1: Fixture,
    p2: Fixture,
    p3: Fixture,
    p7: Fixture,
    s1: Fixture,
}

async fn world(app: &TestApp) -> World {
    let now = app.clock_now();
    let p1 = app.proposal_in(S::Published).await;
    let p2 = app.proposal_in(S::Closed).await;
    let p3 = app.proposal_in(S::Handling).await;
    app.proposal_in(S::Merged).await;
    app.proposal_in(S::Submitted).await;
    app.proposal_in(S::Draft).await;
    let p7 = app.proposal_in(S::Replied).await;
    let s1 = app.proposal_in(S::Published).await;
    app.with_conn(|c| {
        diesel::update(proposals::table.find(&p1.id)).set(proposals::is_key.eq(true)).execute(c)?;
        diesel::update(proposals::table.find(&p2.id))
            .set((proposals::submitter_type.eq("party"), proposals::submitter_name.eq("民盟区委")))
            .execute(c)?;
        diesel::update(ratings::table.filter(ratings::proposal_id.eq(&p2.id)))
            .set((ratings::process_rating.eq("basically_satisfied"), ratings::result_rating.eq("unsatisfied")))
            .execute(c)?;
        diesel::update(proposals::table.find(&p3.id)).set(proposals::topic.eq("城市建设")).execute(c)?;
        diesel::update(assignments::table.find(&p3.lead().assignment_id))
            .set(assignments::due_at.eq(now - Duration::days(1)))
            .execute(c)?;
        diesel::update(assignments::table.find(&p7.lead().assignment_id))
            .set(assignments::due_at.eq(now - Duration::days(1)))
            .execute(c)?;
        diesel::update(replies::table.filter(replies::proposal_id.eq(&p7.id)))
            .set(replies::grade.eq("B"))
            .execute(c)?;
        diesel::update(contacts::table.filter(contacts::proposal_id.eq(&p7.id)))
            .set(contacts::kind.eq("phone"))
            .execute(c)?;
        // The suggestion is numbered in its own sequence; 99 keeps it clear of the proposals'.
        diesel::update(proposals::table.find(&s1.id))
            .set((proposals::kind.eq("suggestion"), proposals::number.eq(99)))
            .execute(c)
    })
    .expect("world");
    World { session_id: p1.session_id.clone(), p1, p2, p3, p7, s1 }
}

fn sector_of(app: &TestApp, f: &Fixture) -> String {
    app.with_conn(|c| users::table.find(&f.proposer.id).select(users::sector_id).first::<Option<String>>(c))
        .expect("sector")
        .expect("a member has a sector")
}

fn rate(numerator: i64, denominator: i64, percent: Value) -> Value {
    json!({"numerator": numerator, "denominator": denominator, "percent": percent})
}

/// The row of `list` whose `field` is `value`.
fn row<'a>(list: &'a Value, field: &str, value: &str) -> &'a Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|r| r[field] == value)
        .unwrap_or_else(|| panic!("no row with {field} = {value} in {list}"))
}

async fn office_statistics_show_the_hand_counted_figures(app: TestApp) {
    let w = world(&app).await;
    let office = app.user(Role::Office).await;
    let reply = app.get(&format!("/api/statistics?session_id={}", w.session_id), &office.token).await;
    reply.assert_ok();
    let body = &reply.body;
    assert_eq!(body["kind"], "proposal");
    assert_eq!(body["session"]["name"], "一届一次会议");

    // Totals.
    assert_eq!(
        body["totals"]["counts"],
        json!({
            "submitted": 7, "filed": 6, "merged": 1, "after_merging": 5, "units_involved": 8,
            "replied": 3, "replied_on_time": 2, "contacted": 2, "rated": 2,
            "process_satisfied": 2, "result_satisfied": 1, "both_satisfied": 1,
            "closed": 2, "published": 1, "replies": 3, "grade_a": 2, "grade_b": 1, "grade_c": 0, "overdue": 1
        }),
        "{}",
        reply.text
    );
    assert_eq!(
        body["totals"]["rates"],
        json!({
            "reply_rate": rate(3, 5, json!(60.0)),
            "on_time_reply_rate": rate(2, 5, json!(40.0)),
            "contact_rate": rate(2, 3, json!(66.7)),
            "process_satisfaction_rate": rate(2, 2, json!(100.0)),
            "result_satisfaction_rate": rate(1, 2, json!(50.0)),
            "double_satisfaction_rate": rate(1, 2, json!(50.0)),
            "publication_rate": rate(1, 2, json!(50.0)),
            "grade_a_share": rate(2, 3, json!(66.7)),
            "grade_b_share": rate(1, 3, json!(33.3)),
            "grade_c_share": rate(0, 3, json!(0.0)),
        })
    );

    // Key or not: only P1 is key.
    let by_key = &body["by_key"];
    assert_eq!(by_key.as_array().map(Vec::len), Some(2));
    assert_eq!(by_key[0]["key"], "true", "key proposals come first");
    assert_eq!(by_key[0]["label"], "重点提案");
    assert_eq!(by_key[0]["counts"]["submitted"], 1);
    assert_eq!(by_key[0]["counts"]["published"], 1);
    assert_eq!(by_key[0]["rates"]["double_satisfaction_rate"], rate(1, 1, json!(100.0)));
    assert_eq!(by_key[1]["counts"]["submitted"], 6);
    assert_eq!(by_key[1]["counts"]["replied"], 2);
    assert_eq!(by_key[1]["counts"]["units_involved"], 6);
    assert_eq!(by_key[1]["counts"]["overdue"], 1);

    // Submitter type: P2 came from a party.
    let party = row(&body["by_submitter_type"], "key", "party");
    assert_eq!(party["label"], "党派");
    assert_eq!(party["counts"]["submitted"], 1);
    assert_eq!(party["counts"]["closed"], 1);
    assert_eq!(party["rates"]["result_satisfaction_rate"], rate(0, 1, json!(0.0)));
    assert_eq!(party["rates"]["publication_rate"], rate(0, 1, json!(0.0)));
    let member = row(&body["by_submitter_type"], "key", "member");
    assert_eq!(member["counts"]["submitted"], 6);
    assert_eq!(member["counts"]["filed"], 5);
    assert_eq!(body["by_submitter_type"][0]["key"], "member", "members first");

    // Topic: P3 alone is 城市建设.
    let city = row(&body["by_topic"], "label", "城市建设");
    assert_eq!(city["counts"]["submitted"], 1);
    assert_eq!(city["counts"]["units_involved"], 2);
    assert_eq!(city["counts"]["overdue"], 1);
    assert_eq!(city["rates"]["reply_rate"], rate(0, 1, json!(0.0)));
    assert_eq!(city["rates"]["contact_rate"], rate(0, 0, Value::Null), "nothing replied: no rate, no error");
    assert_eq!(row(&body["by_topic"], "label", "社会保障")["counts"]["submitted"], 6);

    // Sector: every proposer here has a sector of their own.
    assert_eq!(body["by_sector"].as_array().map(Vec::len), Some(7));
    let p7_sector = row(&body["by_sector"], "key", &sector_of(&app, &w.p7));
    assert!(p7_sector["label"].as_str().is_some_and(|l| l.starts_with("界别")), "{p7_sector}");
    assert_eq!(p7_sector["counts"]["replied"], 1);
    assert_eq!(p7_sector["counts"]["replied_on_time"], 0);
    assert_eq!(p7_sector["counts"]["grade_b"], 1);
    assert_eq!(p7_sector["rates"]["process_satisfaction_rate"], rate(0, 0, Value::Null));
    assert_eq!(row(&body["by_sector"], "key", &sector_of(&app, &w.p3))["counts"]["overdue"], 1);

    // Units: the four lead units and the four co-handling ones.
    let units = &body["by_unit"];
    assert_eq!(units.as_array().map(Vec::len), Some(8), "{units}");
    let p1_lead = row(units, "unit_id", &w.p1.lead().unit_id);
    assert_eq!(
        p1_lead["counts"],
        json!({
            "assigned": 1, "to_reply": 1, "replies": 1, "replies_on_time": 1, "contacted": 1, "rated": 1,
            "process_satisfied": 1, "result_satisfied": 1, "both_satisfied": 1,
            "grade_a": 1, "grade_b": 0, "grade_c": 0, "overdue": 0
        })
    );
    let p2_lead = row(units, "unit_id", &w.p2.lead().unit_id);
    assert_eq!(p2_lead["rates"]["process_satisfaction_rate"], rate(1, 1, json!(100.0)));
    assert_eq!(p2_lead["rates"]["double_satisfaction_rate"], rate(0, 1, json!(0.0)));
    let p3_lead = row(units, "unit_id", &w.p3.lead().unit_id);
    assert_eq!(p3_lead["counts"]["overdue"], 1);
    assert_eq!(p3_lead["rates"]["reply_rate"], rate(0, 1, json!(0.0)));
    let p7_lead = row(units, "unit_id", &w.p7.lead().unit_id);
    assert_eq!(p7_lead["counts"]["replies"], 1);
    assert_eq!(p7_lead["rates"]["on_time_reply_rate"], rate(0, 1, json!(0.0)));
    assert_eq!(p7_lead["rates"]["contact_rate"], rate(0, 1, json!(0.0)));
    assert_eq!(p7_lead["rates"]["grade_b_share"], rate(1, 1, json!(100.0)));
    let p3_co = row(units, "unit_id", &w.p3.co().unit_id);
    assert_eq!(p3_co["counts"]["assigned"], 1);
    assert_eq!(p3_co["counts"]["to_reply"], 0);
    assert_eq!(p3_co["counts"]["overdue"], 0, "its opinion is due in 60 days");
    assert_eq!(p3_co["rates"]["reply_rate"], rate(0, 0, Value::Null));
    assert!(p3_co["name"].as_str().is_some_and(|n| n.starts_with("单位")));
    assert!(units.as_array().expect("units").iter().all(|u| u["unit_id"] != w.s1.lead().unit_id.as_str()));
}

async fn the_two_kinds_are_counted_apart(app: TestApp) {
    let w = world(&app).await;
    let leader = app.user(Role::Leader).await;
    let reply = app.get(&format!("/api/statistics?session_id={}&kind=suggestion", w.session_id), &leader.token).await;
    reply.assert_ok();
    let totals = &reply.body["totals"]["counts"];
    assert_eq!(reply.body["kind"], "suggestion");
    assert_eq!(totals["submitted"], 1);
    assert_eq!(totals["filed"], 1);
    assert_eq!(totals["published"], 1);
    assert_eq!(totals["units_involved"], 2);
    assert_eq!(reply.body["by_unit"].as_array().map(Vec::len), Some(2));
    assert_eq!(reply.body["by_unit"][0]["counts"]["assigned"], 1);
    let p = app.get(&format!("/api/statistics?session_id={}&kind=proposal", w.session_id), &leader.token).await;
    assert_eq!(p.body["totals"]["counts"]["submitted"], 7, "the suggestion is not a proposal");
}

async fn an_empty_session_answers_zeros(app: TestApp) {
    let first = app.session_id();
    // Made before the second session exists, so the fixture cannot pick that one.
    app.proposal_in(S::Published).await;
    let empty = uuid::Uuid::new_v4().to_string();
    app.with_conn(|c| {
        let term: String = committee_sessions::table.find(&first).select(committee_sessions::term_id).first(c)?;
        let now = app.clock_now();
        diesel::insert_into(committee_sessions::table)
            .values((
                committee_sessions::id.eq(&empty),
                committee_sessions::term_id.eq(term),
                committee_sessions::number.eq(2),
                committee_sessions::name.eq("一届二次会议"),
                committee_sessions::opens_on.eq(now.date() + Duration::days(365)),
                committee_sessions::plenary_window_start.eq(now.date() + Duration::days(360)),
                committee_sessions::plenary_window_end.eq(now.date() + Duration::days(370)),
                committee_sessions::created_at.eq(now),
                committee_sessions::updated_at.eq(now),
            ))
            .execute(c)
    })
    .expect("empty session");
    let admin = app.user(Role::Admin).await;
    let reply = app.get(&format!("/api/statistics?session_id={empty}"), &admin.token).await;
    reply.assert_ok();
    let counts = reply.body["totals"]["counts"].as_object().expect("counts");
    assert!(counts.values().all(|v| v == 0), "{}", reply.text);
    let rates = reply.body["totals"]["rates"].as_object().expect("rates");
    assert_eq!(rates.len(), 10);
    assert!(rates.values().all(|r| *r == rate(0, 0, Value::Null)), "{}", reply.text);
    for list in ["by_sector", "by_unit", "by_topic", "by_submitter_type", "by_key"] {
        assert_eq!(reply.body[list], json!([]), "{list}");
    }
}

async fn only_the_office_leaders_and_the_administrator_read_them(app: TestApp) {
    let session = app.session_id();
    let path = format!("/api/statistics?session_id={session}");
    for role in [Role::Member, Role::UnitStaff, Role::UnitHead] {
        let user = app.user(role).await;
        app.get(&path, &user.token).await.assert_problem(403, "forbidden");
    }
    for role in [Role::Office, Role::Leader, Role::Admin] {
        let user = app.user(role).await;
        app.get(&path, &user.token).await.assert_ok();
    }
    let anonymous = app.send(actix_web::http::Method::GET, &path, None, None).await;
    anonymous.assert_problem(401, "unauthorized");
}

async fn an_unknown_session_or_kind_is_refused(app: TestApp) {
    let office = app.user(Role::Office).await;
    let unknown = uuid::Uuid::new_v4();
    app.get(&format!("/api/statistics?session_id={unknown}"), &office.token).await.assert_problem(404, "not-found");
    app.get("/api/statistics?session_id=not-an-id", &office.token).await.assert_problem(404, "not-found");
    let session = app.session_id();
    app.get(&format!("/api/statistics?session_id={session}&kind=motion"), &office.token)
        .await
        .assert_problem(422, "validation");
    app.get("/api/statistics", &office.token).await.assert_problem(422, "validation");
    app.get(&format!("/api/statistics?session_id={session}&extra=1"), &office.token)
        .await
        .assert_problem(400, "bad-request");
}

async fn overdue_follows_the_clock(app: TestApp) {
    let w = world(&app).await;
    let office = app.user(Role::Office).await;
    let path = format!("/api/statistics?session_id={}", w.session_id);
    let before = app.get(&path, &office.token).await;
    assert_eq!(before.body["totals"]["counts"]["overdue"], 1);
    // Past the co-handling unit's opinion due date (60 days), with nothing recorded meanwhile.
    app.clock.advance(Duration::days(61));
    let token = app.token(&office).await;
    let after = app.get(&path, &token).await;
    after.assert_ok();
    assert_eq!(after.body["totals"]["counts"]["overdue"], 2, "{}", after.text);
    assert_eq!(row(&after.body["by_unit"], "unit_id", &w.p3.co().unit_id)["counts"]["overdue"], 1);
}

async fn the_public_reads_the_totals_and_each_unit_and_sector(app: TestApp) {
    let w = world(&app).await;
    let reply = app
        .send(actix_web::http::Method::GET, &format!("/api/public/statistics?session_id={}", w.session_id), None, None)
        .await;
    reply.assert_ok();
    assert_eq!(reply.body["totals"]["counts"]["submitted"], 7);
    assert_eq!(reply.body["totals"]["rates"]["reply_rate"], rate(3, 5, json!(60.0)));
    for hidden in ["by_topic", "by_submitter_type", "by_key"] {
        assert!(reply.body.get(hidden).is_none(), "{hidden} stays with the office");
    }
    let office = app.user(proposal_desk::domain::Role::Office).await;
    let full = app.get(&format!("/api/statistics?session_id={}", w.session_id), &office.token).await;
    assert_eq!(reply.body["by_unit"], full.body["by_unit"], "each unit's figures are public");
    assert_eq!(reply.body["by_sector"], full.body["by_sector"], "each sector's figures are public");
    let unknown = uuid::Uuid::new_v4();
    app.send(actix_web::http::Method::GET, &format!("/api/public/statistics?session_id={unknown}"), None, None)
        .await
        .assert_problem(404, "not-found");
    let _ = (&w.p2, &w.p7);
}

both_backends!(
    office_statistics_show_the_hand_counted_figures,
    the_two_kinds_are_counted_apart,
    an_empty_session_answers_zeros,
    only_the_office_leaders_and_the_administrator_read_them,
    an_unknown_session_or_kind_is_refused,
    overdue_follows_the_clock,
    the_public_reads_the_totals_and_each_unit_and_sector,
);
