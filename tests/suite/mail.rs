//! Mail that is never lost: the outbox sent through a real SMTP server on
//! loopback, in Chinese; a server down, answering 4xx or 5xx, or hanging up
//! mid-message; retries on their schedule; messages set aside and sent again
//! by the office; two senders sharing one outbox.

use crate::common;

use chrono::Duration;
use common::TestApp;
use common::smtp_sink::{Mode, SmtpSink, header, text_body};
use diesel::prelude::*;
use proposal_desk::config::MailSettings;
use proposal_desk::db::models::notice::NewEmail;
use proposal_desk::db::schema::email_outbox;
use proposal_desk::domain::Role;
use proposal_desk::mail::transport::Transport;
use proposal_desk::mail::{SendReport, outbox, send_pending};
use serde_json::json;

both_backends!(
    messages_reach_a_real_smtp_server_with_their_chinese_intact,
    a_server_down_or_answering_4xx_is_retried_on_schedule_until_it_takes_the_message,
    a_server_hanging_up_mid_message_loses_nothing,
    a_5xx_sets_the_message_aside_and_the_office_sends_it_again,
    after_its_last_attempt_a_message_is_set_aside,
    a_header_with_a_line_break_is_never_sent,
    the_file_transport_writes_one_eml_file_per_message,
    a_lease_left_by_a_dead_sender_is_taken_over_when_it_expires,
    two_senders_share_one_outbox_and_send_each_message_once,
    a_unit_s_assignment_mail_names_the_proposal_its_date_and_its_page_in_text_and_html,
    a_date_in_a_year_without_a_calendar_is_said_to_be_provisional_in_the_mail,
);

const SUBJECT: &str = "提案已交办：一届一次会议第12号提案《关于加强社区居家养老服务的提案》";
const BODY: &str = "您的提案一届一次会议第12号提案《关于加强社区居家养老服务的提案》已交区民政局办理。";

/// The mail settings of a service sending through `port` on loopback, unencrypted.
fn smtp(app: &TestApp, port: u16) -> MailSettings {
    let mut m = app.state.settings.mail.clone();
    m.transport = "smtp".into();
    m.smtp_host = "127.0.0.1".into();
    m.smtp_port = port;
    m.smtp_security = "none".into();
    m.smtp_timeout_seconds = 5;
    m.max_attempts = 4;
    m
}

fn queue(app: &TestApp, n: usize, subject: &str) -> Vec<String> {
    let now = app.clock_now();
    let rows: Vec<NewEmail> = (0..n)
        .map(|i| NewEmail {
            id: uuid::Uuid::new_v4().to_string(),
            to_address: format!("member{i}@example.org"),
            template: "notice.assigned".into(),
            subject: subject.into(),
            body_text: BODY.into(),
            body_html: None,
            created_at: now,
            send_after: now,
        })
        .collect();
    app.with_conn(|c| {
        // One row at a time: MultiConnection has no batch insert.
        for r in &rows {
            diesel::insert_into(email_outbox::table).values(r).execute(c)?;
        }
        QueryResult::Ok(())
    })
    .expect("queue");
    rows.into_iter().map(|r| r.id).collect()
}

fn send(app: &TestApp, mail: &MailSettings) -> SendReport {
    let transport = Transport::from_settings(mail).expect("transport");
    send_pending(app.db(), mail, &transport, &app.state.clock).expect("a pass")
}

fn row(app: &TestApp, id: &str) -> outbox::EmailRow {
    app.with_conn(|c| email_outbox::table.find(id).select(outbox::EmailRow::as_select()).first(c)).expect("row")
}

fn report(sent: usize, retried: usize, set_aside: usize) -> SendReport {
    SendReport { sent, retried, set_aside }
}

fn message_ids(sink: &SmtpSink) -> Vec<String> {
    sink.messages().iter().map(|m| header(m, "Message-ID").expect("a Message-ID")).collect()
}

async fn messages_reach_a_real_smtp_server_with_their_chinese_intact(app: TestApp) {
    let sink = SmtpSink::start();
    let mail = smtp(&app, sink.port);
    let ids = queue(&app, 3, SUBJECT);
    assert_eq!(send(&app, &mail), report(3, 0, 0));
    let received = sink.messages();
    assert_eq!(received.len(), 3);
    for message in &received {
        assert_eq!(header(message, "Subject").as_deref(), Some(SUBJECT), "{message}");
        assert_eq!(header(message, "From").as_deref(), Some("提案通 <noreply@proposal-desk.invalid>"));
        assert_eq!(text_body(message), BODY);
    }
    let mut expected: Vec<String> = ids.iter().map(|id| format!("<{id}@proposal-desk.invalid>")).collect();
    let mut got = message_ids(&sink);
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "each message carries its row's stable Message-ID");
    for id in &ids {
        let r = row(&app, id);
        assert_eq!((r.sent_at, r.attempts, r.locked_until), (Some(app.clock_now()), 1, None));
    }
    assert_eq!(send(&app, &mail), report(0, 0, 0), "nothing is sent twice");
}

async fn a_server_down_or_answering_4xx_is_retried_on_schedule_until_it_takes_the_message(app: TestApp) {
    let sink = SmtpSink::start();
    let mail = smtp(&app, sink.port);
    let id = queue(&app, 1, SUBJECT).remove(0);

    sink.set(Mode::Tempfail);
    let t0 = app.clock_now();
    assert_eq!(send(&app, &mail), report(0, 1, 0));
    let r = row(&app, &id);
    assert_eq!(r.attempts, 1);
    assert!(r.last_error.as_deref().is_some_and(|e| e.contains("451")), "{:?}", r.last_error);
    // The first wait is retry_first_seconds (60), shortened by up to a half.
    let waited = (r.send_after - t0).num_seconds();
    assert!((30..=60).contains(&waited), "waited {waited} s");
    assert_eq!(send(&app, &mail), report(0, 0, 0), "not before its time");

    // Then the server is down altogether: the connection is refused.
    app.clock.advance(Duration::seconds(61));
    let t1 = app.clock_now();
    assert_eq!(send(&app, &smtp(&app, closed_port())), report(0, 1, 0));
    let r = row(&app, &id);
    assert_eq!(r.attempts, 2);
    let waited = (r.send_after - t1).num_seconds();
    assert!((60..=120).contains(&waited), "the second wait doubles: {waited} s");

    sink.set(Mode::Accept);
    app.clock.advance(Duration::seconds(121));
    assert_eq!(send(&app, &mail), report(1, 0, 0));
    assert_eq!(message_ids(&sink), [format!("<{id}@proposal-desk.invalid>")]);
    assert_eq!(row(&app, &id).last_error, None);
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    port
}

async fn a_server_hanging_up_mid_message_loses_nothing(app: TestApp) {
    let sink = SmtpSink::start();
    let mail = smtp(&app, sink.port);
    let id = queue(&app, 1, SUBJECT).remove(0);
    sink.set(Mode::CloseMidData);
    assert_eq!(send(&app, &mail), report(0, 1, 0));
    assert!(sink.messages().is_empty());
    sink.set(Mode::Accept);
    app.clock.advance(Duration::seconds(61));
    assert_eq!(send(&app, &mail), report(1, 0, 0));
    assert_eq!(message_ids(&sink), [format!("<{id}@proposal-desk.invalid>")]);
}

async fn a_5xx_sets_the_message_aside_and_the_office_sends_it_again(app: TestApp) {
    let sink = SmtpSink::start();
    let mail = smtp(&app, sink.port);
    let id = queue(&app, 1, SUBJECT).remove(0);
    sink.set(Mode::Reject);
    assert_eq!(send(&app, &mail), report(0, 0, 1), "a 5xx is final: no retry");
    let r = row(&app, &id);
    assert_eq!((r.attempts, r.given_up_at), (1, Some(app.clock_now())));

    let office = app.user(Role::Office).await;
    let member = app.user(Role::Member).await;
    app.get("/api/mail/set-aside", &member.token).await.assert_problem(403, "forbidden");
    let listed = app.get("/api/mail/set-aside", &office.token).await;
    listed.assert_ok();
    assert_eq!(listed.body[0]["id"], id.as_str());
    assert_eq!(listed.body[0]["subject"], SUBJECT);
    assert!(listed.body[0]["last_error"].as_str().is_some_and(|e| e.contains("550")), "{}", listed.text);

    sink.set(Mode::Accept);
    let seq = app.last_audit_seq();
    let again = app.post(&format!("/api/mail/{id}/send-again"), &office.token, json!({})).await;
    again.assert_ok();
    assert_eq!((again.body["attempts"].as_i64(), again.body["given_up_at"].is_null()), (Some(0), true));
    let actions: Vec<String> = app.audit_actions_after(seq).into_iter().map(|(a, _, _)| a).collect();
    assert_eq!(actions, ["mail.send_again"]);
    assert_eq!(app.get("/api/mail/set-aside", &office.token).await.body, json!([]));
    assert_eq!(send(&app, &mail), report(1, 0, 0));
    assert_eq!(sink.messages().len(), 1);
    let twice = app.post(&format!("/api/mail/{id}/send-again"), &office.token, json!({})).await;
    twice.assert_problem(409, "invalid-transition");
    assert_eq!(twice.body["rule"], "not_set_aside");
    app.post("/api/mail/not-an-id/send-again", &office.token, json!({})).await.assert_problem(404, "not-found");
}

async fn after_its_last_attempt_a_message_is_set_aside(app: TestApp) {
    let sink = SmtpSink::start();
    let mail = smtp(&app, sink.port);
    let id = queue(&app, 1, SUBJECT).remove(0);
    sink.set(Mode::Tempfail);
    let max = mail.max_attempts;
    for attempt in 1..max {
        assert_eq!(send(&app, &mail), report(0, 1, 0), "attempt {attempt}");
        app.clock.advance(Duration::seconds(mail.retry_max_seconds + 1));
    }
    assert_eq!(send(&app, &mail), report(0, 0, 1), "attempt {max} is the last");
    let r = row(&app, &id);
    assert_eq!(r.attempts, max);
    assert!(r.given_up_at.is_some() && r.sent_at.is_none());
    app.clock.advance(Duration::days(1));
    assert_eq!(send(&app, &mail), report(0, 0, 0), "set aside until the office sends it again");
}

async fn a_header_with_a_line_break_is_never_sent(app: TestApp) {
    let sink = SmtpSink::start();
    let mail = smtp(&app, sink.port);
    let id = queue(&app, 1, "提案已立案\r\nBcc: everyone@example.org").remove(0);
    assert_eq!(send(&app, &mail), report(0, 0, 1));
    assert!(sink.messages().is_empty());
    assert!(row(&app, &id).last_error.as_deref().is_some_and(|e| e.contains("line break")));
}

async fn the_file_transport_writes_one_eml_file_per_message(app: TestApp) {
    let dir = std::env::temp_dir().join(format!("pd-mail-{}", uuid::Uuid::new_v4()));
    let mut mail = app.state.settings.mail.clone();
    assert_eq!(mail.transport, "file", "the embedded default");
    mail.dir = dir.display().to_string();
    let ids = queue(&app, 2, SUBJECT);
    assert_eq!(send(&app, &mail), report(2, 0, 0));
    for id in &ids {
        let text = std::fs::read_to_string(dir.join(format!("{id}.eml"))).expect("an .eml file per message");
        assert_eq!(header(&text, "Message-ID"), Some(format!("<{id}@proposal-desk.invalid>")));
        assert_eq!(header(&text, "Subject").as_deref(), Some(SUBJECT));
    }
    let files = std::fs::read_dir(&dir).expect("folder").count();
    assert_eq!(files, 2, "no half-written file is left behind");
    let _ = std::fs::remove_dir_all(dir);
}

async fn a_lease_left_by_a_dead_sender_is_taken_over_when_it_expires(app: TestApp) {
    let sink = SmtpSink::start();
    let mail = smtp(&app, sink.port);
    let id = queue(&app, 1, SUBJECT).remove(0);
    // A sender claims the message, then dies before sending it.
    let now = app.clock_now();
    let claimed = app.db().write_blocking(|c| outbox::claim(c, &mail, now)).expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(send(&app, &mail), report(0, 0, 0), "held by the dead sender's lease");
    app.clock.advance(Duration::seconds(mail.lease_seconds) - Duration::seconds(1));
    assert_eq!(send(&app, &mail), report(0, 0, 0), "still held");
    app.clock.advance(Duration::seconds(1));
    assert_eq!(send(&app, &mail), report(1, 0, 0), "taken over when the lease ends");
    assert_eq!(message_ids(&sink), [format!("<{id}@proposal-desk.invalid>")]);
    assert_eq!(row(&app, &id).attempts, 2, "the dead sender's claim counted as an attempt");
}

async fn two_senders_share_one_outbox_and_send_each_message_once(app: TestApp) {
    let sink = SmtpSink::start();
    let mail = smtp(&app, sink.port);
    let ids = queue(&app, 100, SUBJECT);
    let mut senders = Vec::new();
    for _ in 0..2 {
        let (db, mail, clock) = (app.db().clone(), mail.clone(), app.state.clock.clone());
        senders.push(std::thread::spawn(move || {
            let transport = Transport::from_settings(&mail).expect("transport");
            send_pending(&db, &mail, &transport, &clock).expect("a pass")
        }));
    }
    let reports: Vec<SendReport> = senders.into_iter().map(|s| s.join().expect("sender")).collect();
    assert_eq!(reports.iter().map(|r| r.sent).sum::<usize>(), 100, "{reports:?}");
    let mut got = message_ids(&sink);
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 100, "each message arrived exactly once");
    assert_eq!(sink.messages().len(), 100);
    let unsent: i64 = app
        .with_conn(|c| email_outbox::table.filter(email_outbox::sent_at.is_null()).count().get_result(c))
        .expect("count");
    assert_eq!(unsent, 0);
    assert_eq!(ids.len(), 100);
}

/// The email a workflow action writes, as the unit's mail client receives it.
async fn a_unit_s_assignment_mail_names_the_proposal_its_date_and_its_page_in_text_and_html(app: TestApp) {
    use crate::common::life::Life;
    let life = Life::new(&app).await;
    let lead = life.unit().await;
    app.give_email(&lead.staff, "staff@unit.example");
    let id = life.draft(&life.member, "关于加强<社区>居家养老服务的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    life.assign_lead_and_co(&id, &lead, &[]).await;

    let sink = SmtpSink::start();
    let sent = send(&app, &smtp(&app, sink.port));
    assert!(sent.sent >= 1, "{sent:?}");
    let received = sink.messages();
    let message = received
        .iter()
        .find(|m| header(m, "To").as_deref() == Some("staff@unit.example"))
        .expect("the unit's staff got the assignment");
    assert_eq!(header(message, "Subject").as_deref(), Some("交办通知：一届一次会议第1号提案"));
    let page = format!("{}/proposals/{id}", app.state.settings.server.public_url);
    let text = common::smtp_sink::part(message, "text/plain").expect("a plain-text part");
    assert!(text.contains("一届一次会议第1号提案《关于加强<社区>居家养老服务的提案》已交贵单位办理"), "{text}");
    assert!(text.contains("请于2026-06-02前答复") && text.contains(&page), "{text}");
    let html = common::smtp_sink::part(message, "text/html").expect("an HTML part");
    assert!(html.contains("《关于加强&lt;社区&gt;居家养老服务的提案》"), "the title is escaped: {html}");
    assert!(html.contains(&format!("href=\"{page}\"")) && html.contains("2026-06-02"), "{html}");
}

/// Assigned on 2026-12-01, the reply falls due in 2027, whose holidays are
/// not published: the unit's mail says the date may still move; the mail of a
/// date inside 2026 does not.
async fn a_date_in_a_year_without_a_calendar_is_said_to_be_provisional_in_the_mail(app: TestApp) {
    use crate::common::life::Life;
    let life = Life::new(&app).await;
    let (known, unknown) = (life.unit().await, life.unit().await);
    app.give_email(&known.staff, "known@unit.example");
    app.give_email(&unknown.staff, "unknown@unit.example");
    let march = life.draft(&life.member, "三月交办的提案").await;
    life.submit(&march, &life.member).await;
    life.file(&march).await;
    life.assign_lead_and_co(&march, &known, &[]).await;
    let (_, _, text) = app.outbox_for("known@unit.example").pop().expect("mail to the first unit");
    assert!(text.contains("请于2026-06-02前答复") && !text.contains("暂按普通工作日"), "{text}");

    life.travel(Duration::days(274));
    let december = life.draft(&life.member, "十二月交办的提案").await;
    life.submit(&december, &life.member).await;
    life.file(&december).await;
    life.assign_lead_and_co(&december, &unknown, &[]).await;
    let (_, _, text) = app.outbox_for("unknown@unit.example").pop().expect("mail to the second unit");
    assert!(text.contains("请于2027-03-01前答复"), "{text}");
    assert!(text.contains("此期限暂按普通工作日计算"), "{text}");
}
