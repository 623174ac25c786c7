//! Backups, as an operator takes them (docs/operations.md): the real binary
//! copies a SQLite database while the service writes to it and restores the
//! copy into an empty database whose audit chain verifies; a PostgreSQL
//! dump restored into a new database verifies too.

use crate::common;

use std::process::{Command, Output};

use common::{Backend, TestApp, TestDatabase};
use diesel::prelude::*;
use proposal_desk::db::schema::{audit_events, proposals};
use proposal_desk::domain::workflow::ProposalState as S;

fn binary(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_proposal-desk"))
        .args(args)
        .env("PD__DATABASE__URL", url)
        .env("PD__AUTH__JWT_SECRET", common::JWT_SECRET)
        .env("PD__LOG__LEVEL", "warn")
        .output()
        .expect("run the binary")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// (proposals, audit events) in the database at `url`.
fn counts(url: &str) -> (i64, i64) {
    let mut conn = proposal_desk::db::DatabaseUrl::parse(url).expect("url").establish(5_000).expect("connect");
    let p = proposals::table.count().get_result(&mut conn).expect("proposals");
    let a = audit_events::table.count().get_result(&mut conn).expect("events");
    (p, a)
}

#[actix_web::test]
async fn a_sqlite_backup_taken_while_serving_restores_into_an_empty_database_whose_chain_verifies() {
    let Some(app) = TestApp::start(Backend::Sqlite, "sqlite_backup").await else { return };
    let f = app.proposal_in(S::Closed).await;
    let office = app.user(proposal_desk::domain::Role::Office).await;
    let dir = std::env::temp_dir().join(format!("pd-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("backup.db");
    let file = file.to_str().expect("path");

    // A write lands while the copy is taken; the copy holds all of it or none of it.
    let url = app.database.url.clone();
    let copying = {
        let (url, file) = (url.clone(), file.to_string());
        std::thread::spawn(move || binary(&url, &["backup", &file]))
    };
    let version = app.get(&format!("/api/proposals/{}", f.id), &office.token).await.body["version"].clone();
    app.post(&format!("/api/proposals/{}/publish", f.id), &office.token, serde_json::json!({"version": version}))
        .await
        .assert_ok();
    let made = copying.join().expect("backup thread");
    assert!(made.status.success(), "{}", text(&made));
    assert!(text(&made).contains("audit trail intact"), "{}", text(&made));

    let again = binary(&url, &["backup", file]);
    assert!(!again.status.success() && text(&again).contains("never overwrites"), "{}", text(&again));

    let target = format!("sqlite://{}", dir.join("restored").join("proposal-desk.db").display());
    let restored = binary(&target, &["restore", file]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(text(&restored).contains("audit trail intact"), "{}", text(&restored));
    let (proposals_copied, events_copied) = counts(&target);
    let (proposals_now, events_now) = counts(&url);
    assert_eq!(proposals_copied, proposals_now);
    assert!(events_copied == events_now || events_copied + 1 == events_now, "a snapshot before or after the write");
    let verify = binary(&target, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));

    let over = binary(&target, &["restore", file]);
    assert!(!over.status.success() && text(&over).contains("exists already"), "{}", text(&over));
    let not_a_backup = dir.join("notes.txt");
    std::fs::write(&not_a_backup, "not a database").expect("write");
    let empty = format!("sqlite://{}", dir.join("other.db").display());
    let refused = binary(&empty, &["restore", not_a_backup.to_str().expect("path")]);
    assert!(!refused.status.success(), "{}", text(&refused));
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_web::test]
async fn a_postgresql_dump_restores_into_a_new_database_whose_chain_verifies() {
    let Some(app) = TestApp::start(Backend::Postgres, "postgres_backup").await else { return };
    let (Some(dump), Some(restore)) = (which("pg_dump"), which("pg_restore")) else {
        if common::postgres_required() {
            panic!("pg_dump and pg_restore are required with PostgreSQL (PD_TEST_REQUIRE_POSTGRES=1)");
        }
        eprintln!(
            "\n!!! SKIPPED a_postgresql_dump_restores_into_a_new_database_whose_chain_verifies: no pg_dump or pg_restore on PATH. !!!\n"
        );
        return;
    };
    app.proposal_in(S::Published).await;
    let office = app.user(proposal_desk::domain::Role::Office).await;
    let _ = app.get("/api/proposals", &office.token).await;
    let file = std::env::temp_dir().join(format!("pd-{}.dump", uuid::Uuid::new_v4().simple()));
    let out = Command::new(dump).args(["-Fc", "-f"]).arg(&file).arg(&app.database.url).output().expect("pg_dump");
    assert!(out.status.success(), "{}", text(&out));
    let target = TestDatabase::create(Backend::Postgres, "postgres_backup_target").expect("an empty database");
    let out =
        Command::new(restore).args(["--no-owner", "-d"]).arg(&target.url).arg(&file).output().expect("pg_restore");
    assert!(out.status.success(), "{}", text(&out));
    let source = binary(&app.database.url, &["audit", "verify"]);
    let restored = binary(&target.url, &["audit", "verify"]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert_eq!(text(&restored), text(&source), "the same number of events and the same head");
    assert_eq!(counts(&target.url), counts(&app.database.url));
    let refused = binary(&target.url, &["backup", "/tmp/never.db"]);
    assert!(!refused.status.success() && text(&refused).contains("pg_dump"), "{}", text(&refused));
    let _ = std::fs::remove_file(&file);
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| std::path::Path::new(dir).join(program))
        .find(|p| p.is_file())
}
