//! `bench mail`: emails per second through the configured transport (an
//! SMTP server on loopback in bench/mail), the outbox drained by one sender
//! exactly as `serve` does it: claimed with a lease, sent, marked, each
//! message its own durable commit.

use std::time::Instant;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::Db;
use crate::db::models::notice::NewEmail;
use crate::db::schema::email_outbox;

pub struct MailReport {
    pub messages: usize,
    pub sent: usize,
    pub seconds: f64,
}

pub fn run(
    db: &Db,
    settings: &Settings,
    clock: &SharedClock,
    n: usize,
    now: NaiveDateTime,
) -> anyhow::Result<MailReport> {
    db.write_blocking(|conn| {
        for i in 0..n {
            let mail = NewEmail {
                id: crate::ids::new_id(),
                to_address: format!("member{i}@bench.invalid"),
                template: "notice.assigned".into(),
                subject: "提案已交办：一届一次会议第12号提案".into(),
                body_text: "您的提案一届一次会议第12号提案《关于加强社区居家养老服务的提案》已交区民政局办理。".into(),
                body_html: None,
                created_at: now,
                send_after: now,
            };
            diesel::insert_into(email_outbox::table).values(&mail).execute(conn)?;
        }
        Ok(())
    })?;
    let transport = crate::mail::transport::Transport::from_settings(&settings.mail)?;
    let started = Instant::now();
    let report = crate::mail::send_pending(db, &settings.mail, &transport, clock)?;
    Ok(MailReport { messages: n, sent: report.sent, seconds: started.elapsed().as_secs_f64() })
}
