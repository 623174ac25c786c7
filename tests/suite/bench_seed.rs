//! The benchmark's archive is one the workflow could have left: numbers
//! unique per kind and session, every published proposal searchable and
//! readable by the public, the audit chain intact.

use crate::common;

use std::collections::HashSet;

use actix_web::http::Method;
use common::TestApp;
use diesel::prelude::*;
use proposal_desk::bench::{SeedOptions, seed};
use proposal_desk::db::schema::{proposals, search_documents};

both_backends!(a_small_archive_is_consistent_and_served,);

async fn a_small_archive_is_consistent_and_served(app: TestApp) {
    let options = SeedOptions {
        proposals: 300,
        sessions: 3,
        members: 40,
        drafts: 25,
        seed: 7,
        password_cost: app.state.settings.auth.password_cost(),
    };
    let seeded = seed(app.db(), &options, app.clock_now()).expect("seed");
    assert_eq!(seeded.session_ids.len(), 3);
    assert_eq!(seeded.published_ids.len(), 30, "a tenth is published");
    assert_eq!(seeded.draft_ids.len(), 25);

    let numbered: Vec<(String, Option<String>, Option<i32>)> = app
        .with_conn(|c| {
            proposals::table
                .filter(proposals::number.is_not_null())
                .select((proposals::kind, proposals::session_id, proposals::number))
                .load(c)
        })
        .expect("numbers");
    let unique: HashSet<_> = numbered.iter().collect();
    assert_eq!(unique.len(), numbered.len(), "numbers never repeat within a kind and session");
    let indexed: i64 = app.with_conn(|c| search_documents::table.count().get_result(c)).expect("indexed");
    assert_eq!(indexed, 30);

    // The public reads the published ones, finds them by their words, and
    // the audit chain still verifies.
    let one = &seeded.published_ids[0];
    let detail = app.send(Method::GET, &format!("/api/public/proposals/{one}"), None, None).await;
    detail.assert_ok();
    assert!(detail.body["replies"].as_array().is_some_and(|r| !r.is_empty()), "{}", detail.text);
    let title = detail.str("title");
    let phrase: String = title.trim_start_matches("关于").chars().skip(2).take(4).collect();
    let q: String = phrase.bytes().map(|b| format!("%{b:02X}")).collect();
    let found = app.send(Method::GET, &format!("/api/public/proposals?q={q}&per_page=100"), None, None).await;
    found.assert_ok();
    assert!(
        found.body["items"].as_array().is_some_and(|items| items.iter().any(|i| i["id"] == *one)),
        "{phrase}: {}",
        found.text
    );
    let report = app.with_conn(proposal_desk::audit::verify::verify).expect("verify");
    assert!(report.first_break.is_none());
    // A second seed is refused: the database has accounts now.
    assert!(seed(app.db(), &options, app.clock_now()).is_err());
}
