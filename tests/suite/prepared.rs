//! Statements diesel would prepare anew on every run (UPDATEs, INSERTs with
//! defaults, hand-written statements) are kept prepared on their connection
//! when run through `execute_kept`: prepared once for each text, and every
//! later run answers with its own values.

use std::sync::{Arc, Mutex};

use crate::common;

use common::TestApp;
use diesel::connection::{Connection as _, InstrumentationEvent};
use diesel::prelude::*;
use proposal_desk::db::prepared::execute_kept;
use proposal_desk::db::schema::users;
use proposal_desk::domain::Role;

both_backends!(an_update_is_prepared_once_for_each_text_and_runs_with_each_runs_values);

async fn an_update_is_prepared_once_for_each_text_and_runs_with_each_runs_values(app: TestApp) {
    let ann = app.user(Role::Member).await;
    let bob = app.user(Role::Member).await;
    app.with_conn(|conn| {
        let prepared = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = Arc::clone(&prepared);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().expect("the list of prepared statements").push(sql.to_string());
            }
        });
        let rename = |conn: &mut _, id: &str, name: &str| {
            execute_kept(conn, diesel::update(users::table.find(id)).set(users::display_name.eq(name)))
                .expect("the kept update runs")
        };
        assert_eq!(rename(conn, &ann.id, "安一"), 1);
        assert_eq!(rename(conn, &bob.id, "鲍二"), 1);
        assert_eq!(rename(conn, &ann.id, "安三"), 1);
        // Another text is kept beside the first.
        let both = diesel::update(users::table.find(&bob.id))
            .set((users::display_name.eq("鲍四"), users::email.eq(Some("bob@example.org"))));
        assert_eq!(execute_kept(conn, both).expect("the second text runs"), 1);
        // diesel's own way prepares the same update every time and keeps none.
        diesel::update(users::table.find(&ann.id))
            .set(users::display_name.eq("安五"))
            .execute(conn)
            .expect("diesel's update runs");

        let kept = prepared.lock().expect("the list of prepared statements").clone();
        let updates: Vec<&String> = kept.iter().filter(|sql| sql.starts_with("UPDATE")).collect();
        assert_eq!(updates.len(), 2, "one prepared statement for each text: {updates:#?}");
        assert!(updates[0].contains("display_name") && !updates[0].contains("email"), "{}", updates[0]);
        assert!(updates[1].contains("email"), "{}", updates[1]);

        let names: Vec<(String, Option<String>)> = users::table
            .filter(users::id.eq_any([&ann.id, &bob.id]))
            .order(users::id.eq(&bob.id))
            .select((users::display_name, users::email))
            .load(conn)
            .expect("the users read back");
        assert_eq!(names, vec![("安五".into(), None), ("鲍四".into(), Some("bob@example.org".into()))]);
    });
}
