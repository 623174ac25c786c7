//! The audit trail: append-only in the database itself, and any edit,
//! deletion or reordering found by `audit verify`.

use crate::common;

use common::life::Life;
use common::{Backend, TestApp};
use diesel::prelude::*;
use proposal_desk::audit::verify::{BreakReason, verify};
use proposal_desk::domain::Role;
use serde_json::json;

both_backends!(
    a_clean_trail_verifies,
    the_database_refuses_to_change_or_delete_events,
    a_planted_edit_is_found,
    a_planted_deletion_is_found,
    a_planted_reordering_is_found,
    a_failed_change_leaves_no_event,
    an_action_records_each_changed_value_before_and_after,
);

/// A trail of a dozen events made through the API.
async fn some_history(app: &TestApp) {
    let admin = app.user(Role::Admin).await;
    for i in 0..5 {
        app.post("/api/admin/sectors", &admin.token, json!({"code": format!("s{i}"), "name": format!("界别{i}")}))
            .await
            .assert_ok();
    }
    app.post("/api/admin/units", &admin.token, json!({"code": "u1", "name": "区教育局", "kind": "政府部门"}))
        .await
        .assert_ok();
}

fn run_sql(app: &TestApp, sql: &str) -> QueryResult<usize> {
    app.with_conn(|c| diesel::sql_query(sql).execute(c))
}

/// What an attacker with direct database access would do first.
fn drop_triggers(app: &TestApp) {
    match app.backend {
        Backend::Sqlite => {
            run_sql(app, "DROP TRIGGER audit_events_no_update").expect("drop");
            run_sql(app, "DROP TRIGGER audit_events_no_delete").expect("drop");
        }
        Backend::Postgres => {
            run_sql(app, "DROP TRIGGER audit_events_no_update ON audit_events").expect("drop");
        }
    }
}

fn report(app: &TestApp) -> proposal_desk::audit::verify::Report {
    app.with_conn(verify).expect("verify")
}

async fn a_clean_trail_verifies(app: TestApp) {
    some_history(&app).await;
    let r = report(&app);
    assert_eq!(r.first_break, None);
    assert_eq!(r.events_checked, app.audit_count());
    assert!(r.events_checked >= 8, "{r:?}");
    assert_eq!(r.head_hash.len(), 64);
}

async fn the_database_refuses_to_change_or_delete_events(app: TestApp) {
    some_history(&app).await;
    let count = app.audit_count();
    assert!(run_sql(&app, "UPDATE audit_events SET actor_name = 'nobody'").is_err());
    assert!(run_sql(&app, "DELETE FROM audit_events WHERE seq = 1").is_err());
    assert!(run_sql(&app, "DELETE FROM audit_events").is_err());
    if app.backend == Backend::Postgres {
        assert!(run_sql(&app, "TRUNCATE audit_events").is_err());
    }
    assert_eq!(app.audit_count(), count);
    assert_eq!(report(&app).first_break, None);
}

async fn a_planted_edit_is_found(app: TestApp) {
    some_history(&app).await;
    drop_triggers(&app);
    run_sql(&app, "UPDATE audit_events SET after_json = replace(after_json, '界别3', '界别X') WHERE seq = 6")
        .expect("edit");
    let r = report(&app);
    let b = r.first_break.expect("the edit must be found");
    assert_eq!(b.seq, 6);
    assert_eq!(b.reason, BreakReason::ContentChanged);
    assert_eq!(r.events_checked, 5);

    // Recomputing the edited row's own hash does not help: the next event no longer links to it.
    let fixed = app.with_conn(|c| {
        use proposal_desk::db::schema::audit_events::dsl::*;
        audit_events.filter(seq.eq(6)).select(proposal_desk::audit::AuditEvent::as_select()).first(c)
    });
    let rehashed = proposal_desk::audit::chain::hash_of(&fixed.expect("row"));
    run_sql(&app, &format!("UPDATE audit_events SET hash = '{rehashed}' WHERE seq = 6")).expect("rehash");
    let b = report(&app).first_break.expect("still found");
    assert_eq!((b.seq, b.reason), (7, BreakReason::LinkBroken));
}

async fn a_planted_deletion_is_found(app: TestApp) {
    some_history(&app).await;
    drop_triggers(&app);
    run_sql(&app, "DELETE FROM audit_events WHERE seq = 4").expect("delete");
    let b = report(&app).first_break.expect("the deletion must be found");
    assert_eq!(b.seq, 5);
    assert_eq!(b.reason, BreakReason::Gap { expected: 4 });

    // Renumbering to hide the gap breaks the links instead.
    for seq in 5..=app.last_audit_seq() {
        run_sql(&app, &format!("UPDATE audit_events SET seq = {} WHERE seq = {seq}", seq - 1)).expect("renumber");
    }
    let b = report(&app).first_break.expect("still found");
    assert_eq!(b.seq, 4);
    assert_ne!(b.reason, BreakReason::Gap { expected: 4 });
}

async fn a_planted_reordering_is_found(app: TestApp) {
    some_history(&app).await;
    drop_triggers(&app);
    run_sql(&app, "UPDATE audit_events SET seq = 1000 WHERE seq = 3").expect("move");
    run_sql(&app, "UPDATE audit_events SET seq = 3 WHERE seq = 4").expect("move");
    run_sql(&app, "UPDATE audit_events SET seq = 4 WHERE seq = 1000").expect("move");
    let b = report(&app).first_break.expect("the reordering must be found");
    assert_eq!(b.seq, 3);
    assert_eq!(report(&app).events_checked, 2);
}

async fn a_failed_change_leaves_no_event(app: TestApp) {
    let admin = app.user(Role::Admin).await;
    app.post("/api/admin/units", &admin.token, json!({"code": "u1", "name": "区教育局", "kind": "政府部门"}))
        .await
        .assert_ok();
    let before = app.audit_count();
    app.post("/api/admin/units", &admin.token, json!({"code": "u1", "name": "区教育局", "kind": "政府部门"}))
        .await
        .assert_problem(409, "already-exists");
    assert_eq!(app.audit_count(), before);
}

/// The (before, after) of the newest event about `id`, as JSON.
fn last_event_about(app: &TestApp, id: &str) -> (String, serde_json::Value, serde_json::Value) {
    use proposal_desk::db::schema::audit_events;
    let (action, before, after): (String, Option<String>, Option<String>) = app
        .with_conn(|c| {
            audit_events::table
                .filter(audit_events::object_id.eq(id))
                .order(audit_events::seq.desc())
                .select((audit_events::action, audit_events::before_json, audit_events::after_json))
                .first(c)
        })
        .expect("an event");
    let parse = |v: Option<String>| v.map(|t| serde_json::from_str(&t).expect("json")).unwrap_or_default();
    (action, parse(before), parse(after))
}

async fn an_action_records_each_changed_value_before_and_after(app: TestApp) {
    let life = Life::new(&app).await;
    let id = life.draft(&life.member, "关于加强社区养老服务的建议").await;
    let (action, before, after) = last_event_about(&app, &id);
    assert_eq!(action, "proposal.create");
    assert!(before.is_null(), "nothing came before a new draft: {before}");
    assert_eq!(after["proposal"]["title"], "关于加强社区养老服务的建议", "the new draft is recorded whole");
    assert_eq!(after["proposal"]["state"], "draft");

    app.patch(
        &format!("/api/proposals/{id}"),
        &life.member.token,
        json!({"version": 1, "title": "关于完善社区养老服务体系的建议"}),
    )
    .await
    .assert_ok();
    let (action, before, after) = last_event_about(&app, &id);
    assert_eq!(action, "proposal.edit_draft");
    assert_eq!(before["proposal"]["title"], "关于加强社区养老服务的建议", "a changed text, as it was");
    assert_eq!(after["proposal"]["title"], "关于完善社区养老服务体系的建议", "and as it is");
    for unchanged in ["reasons", "suggestions", "topic", "state"] {
        assert!(before["proposal"].get(unchanged).is_none(), "{unchanged} in {before}");
        assert!(after["proposal"].get(unchanged).is_none(), "{unchanged} in {after}");
    }

    life.submit(&id, &life.member).await;
    let (action, before, after) = last_event_about(&app, &id);
    assert_eq!(action, "proposal.submit");
    assert_eq!(before["proposal"]["state"], "draft");
    assert_eq!(after["proposal"]["state"], "submitted");
    assert_eq!(before["proposal"]["version"], 2);
    assert_eq!(after["proposal"]["version"], 3);
    assert!(before["proposal"]["submitted_at"].is_null() && after["proposal"]["submitted_at"].is_string());
    assert!(after["proposal"]["session_id"].is_string(), "the session it was handed in to: {after}");
    // What did not change is not repeated: the texts are in the draft's event.
    for unchanged in ["title", "reasons", "suggestions", "proposer_id", "id"] {
        assert!(before["proposal"].get(unchanged).is_none(), "{unchanged} in {before}");
        assert!(after["proposal"].get(unchanged).is_none(), "{unchanged} in {after}");
    }
    assert_eq!(report(&app).first_break, None, "the shorter events chain as before");
}
