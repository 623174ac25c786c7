//! Two real `proposal-desk mail send-pending` processes drain one outbox on
//! PostgreSQL: each of 2,000 messages arrives once, counted by Message-ID at
//! an SMTP server. Then one process is killed (kill -9) while sending: every
//! message still arrives, once the dead sender's leases expire; only a
//! message in flight at the kill may arrive twice, with the same Message-ID.

use crate::common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::smtp_sink::{SmtpSink, header};
use common::{Backend, TestDatabase};
use diesel::prelude::*;
use proposal_desk::db::DatabaseUrl;
use proposal_desk::db::models::notice::NewEmail;
use proposal_desk::db::schema::email_outbox;

const MESSAGES: usize = 2000;

fn queue(db: &TestDatabase, n: usize) -> Vec<String> {
    let url = DatabaseUrl::parse(&db.url).expect("url");
    let mut conn = url.establish(5000).expect("connect");
    let now = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(5);
    let mut ids = Vec::with_capacity(n);
    conn.transaction(|c| {
        for i in 0..n {
            let id = uuid::Uuid::new_v4().to_string();
            let mail = NewEmail {
                id: id.clone(),
                to_address: format!("member{i}@example.org"),
                template: "notice.assigned".into(),
                subject: "提案已交办".into(),
                body_text: "您的提案已交办。".into(),
                body_html: None,
                created_at: now,
                send_after: now,
            };
            diesel::insert_into(email_outbox::table).values(&mail).execute(c)?;
            ids.push(id);
        }
        QueryResult::Ok(())
    })
    .expect("queue");
    ids
}

fn sender(db: &TestDatabase, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_proposal-desk"))
        .args(["mail", "send-pending"])
        .env("PD__DATABASE__URL", &db.url)
        .env("PD__AUTH__JWT_SECRET", common::JWT_SECRET)
        .env("PD__LOG__LEVEL", "error")
        .env("PD__MAIL__TRANSPORT", "smtp")
        .env("PD__MAIL__SMTP_HOST", "127.0.0.1")
        .env("PD__MAIL__SMTP_PORT", port.to_string())
        .env("PD__MAIL__SMTP_SECURITY", "none")
        .env("PD__MAIL__SMTP_TIMEOUT_SECONDS", "1")
        .env("PD__MAIL__LEASE_SECONDS", "2")
        .env("PD__MAIL__BATCH_SIZE", "8")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start a sender")
}

/// How many times each Message-ID arrived.
fn arrivals(sink: &SmtpSink) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in sink.messages() {
        *seen.entry(header(&m, "Message-ID").expect("a Message-ID")).or_insert(0) += 1;
    }
    seen
}

fn unsent(db: &TestDatabase) -> i64 {
    let url = DatabaseUrl::parse(&db.url).expect("url");
    let mut conn = url.establish(5000).expect("connect");
    email_outbox::table.filter(email_outbox::sent_at.is_null()).count().get_result(&mut conn).expect("count")
}

#[test]
fn two_sending_processes_deliver_each_message_once_on_postgres() {
    let Some(db) = TestDatabase::migrated(Backend::Postgres, "mail_two_processes") else { return };
    let ids = queue(&db, MESSAGES);
    let sink = SmtpSink::start();
    let (mut a, mut b) = (sender(&db, sink.port), sender(&db, sink.port));
    assert!(a.wait().expect("a").success() && b.wait().expect("b").success());
    let seen = arrivals(&sink);
    assert_eq!(seen.len(), MESSAGES, "every message arrived");
    assert!(seen.values().all(|n| *n == 1), "none twice: {:?}", seen.values().filter(|n| **n > 1).count());
    for id in &ids {
        assert_eq!(seen.get(&format!("<{id}@proposal-desk.invalid>")), Some(&1));
    }
    assert_eq!(unsent(&db), 0);
}

#[test]
fn a_sender_killed_mid_send_loses_nothing_on_postgres() {
    let Some(db) = TestDatabase::migrated(Backend::Postgres, "mail_killed_sender") else { return };
    let ids = queue(&db, MESSAGES);
    let sink = SmtpSink::start();
    let mut victim = sender(&db, sink.port);
    let mut survivor = sender(&db, sink.port);
    // Let both get going, then kill one without warning.
    while sink.messages().len() < 200 {
        std::thread::sleep(Duration::from_millis(20));
    }
    victim.kill().expect("kill -9");
    let _ = victim.wait();
    assert!(survivor.wait().expect("survivor").success());
    // The dead sender's claims are leased for 2 s; a later pass takes them over.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(sender(&db, sink.port).wait().expect("take over").success());
    assert_eq!(unsent(&db), 0, "every message is marked sent");
    let seen = arrivals(&sink);
    for id in &ids {
        assert!(seen.contains_key(&format!("<{id}@proposal-desk.invalid>")), "{id} never arrived");
    }
    assert_eq!(seen.len(), MESSAGES);
    // In flight at the kill: at most one message per sending connection (mail.senders, 8).
    let twice = seen.values().filter(|n| **n > 1).count();
    assert!(twice <= 8 && seen.values().all(|n| *n <= 2), "{twice} messages arrived twice");
}
