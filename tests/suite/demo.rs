//! The demo data shows a proposal in every stage, and each role finds its share.

use crate::common;

use std::collections::BTreeSet;

use common::TestApp;
use proposal_desk::demo::{DEMO_PASSWORD, seed_if_empty};
use proposal_desk::domain::workflow::ProposalState;

both_backends!(the_demo_has_a_proposal_in_every_stage_and_each_role_its_share);

async fn token(app: &TestApp, username: &str) -> String {
    let reply = app.login(username, DEMO_PASSWORD).await;
    reply.assert_ok();
    reply.str("access_token")
}

async fn the_demo_has_a_proposal_in_every_stage_and_each_role_its_share(app: TestApp) {
    let logins = seed_if_empty(app.db(), &app.state.settings.auth.password_cost(), app.clock_now())
        .expect("seed")
        .expect("empty database");
    assert!(logins.len() > 30);
    assert!(
        seed_if_empty(app.db(), &app.state.settings.auth.password_cost(), app.clock_now()).expect("second").is_none(),
        "never seeded twice"
    );

    let office = token(&app, "office").await;
    let all = app.get("/api/proposals?per_page=100", &office).await;
    all.assert_ok();
    let states: BTreeSet<String> = all.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["state"].as_str().unwrap_or("").to_string())
        .collect();
    let every: BTreeSet<String> = ProposalState::ALL.iter().map(|s| s.as_str().to_string()).collect();
    assert_eq!(states, every);
    let labels: Vec<&str> =
        all.body["items"].as_array().expect("items").iter().filter_map(|i| i["number_label"].as_str()).collect();
    assert!(
        labels.iter().any(|l| l.ends_with("号建议")),
        "a deputy suggestion is numbered in its own sequence: {labels:?}"
    );

    let leader = token(&app, "leader").await;
    let key = app.get("/api/proposals", &leader).await;
    assert_eq!(key.body["total"], 1, "{}", key.text);
    let member = token(&app, "wangfang").await;
    assert!(app.get("/api/proposals", &member).await.body["total"].as_i64().unwrap_or(0) >= 2);
    let unit = token(&app, "wjw-staff").await;
    assert!(app.get("/api/proposals", &unit).await.body["total"].as_i64().unwrap_or(0) >= 2);

    let report = app.with_conn(proposal_desk::audit::verify::verify).expect("verify");
    assert_eq!(report.first_break, None);
}
