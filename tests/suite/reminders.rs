//! 催办: a unit is reminded of its reply on the right working days around
//! the 2026 清明 and 劳动节 holidays, overdue work is escalated to the head
//! and then the office, and no reminder is ever sent twice.

use crate::common;

use chrono::NaiveDate;
use common::life::{Life, Unit};
use common::{TestApp, TestUser};
use serde_json::json;

both_backends!(
    a_unit_is_reminded_on_its_working_days_and_overdue_work_is_escalated,
    an_extension_starts_the_reminders_afresh_on_the_new_day,
);

fn d(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

/// Moves the clock to 09:00 in Beijing on `day`.
fn go_to(life: &Life, day: &str) {
    let target = d(day).and_hms_opt(1, 0, 0).expect("a time");
    life.travel(target - life.now());
}

fn run(app: &TestApp) -> usize {
    proposal_desk::reminders::send_due(app.db(), &app.state.settings, &app.state.office, app.clock_now())
        .expect("a reminders pass")
}

/// The reminder notices `user` holds, oldest first: (event, body).
async fn reminders_of(app: &TestApp, user: &TestUser) -> Vec<(String, String)> {
    let token = app.token(user).await;
    let reply = app.get("/api/notices?per_page=100", &token).await;
    reply.assert_ok();
    let mut all: Vec<(String, String)> = reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| {
            (n["event"].as_str().unwrap_or_default().to_string(), n["body"].as_str().unwrap_or_default().to_string())
        })
        .filter(|(e, _)| e.starts_with("reminder") || e == "overdue_escalated")
        .collect();
    all.reverse();
    all
}

/// A member's proposal, filed and given to `unit` with its reply fixed for `due_on`.
async fn filed_and_assigned_until(life: &Life<'_>, unit: &Unit, due_on: &str) -> String {
    let id = life.draft(&life.member, "关于加强社区居家养老服务的提案").await;
    life.submit(&id, &life.member).await;
    life.file(&id).await;
    let token = life.app.token(&life.office).await;
    let version = life.version(&id, &life.office).await;
    let body = json!({"version": version, "lead_unit_id": unit.id, "due_on": due_on});
    life.app.post(&format!("/api/proposals/{id}/assign"), &token, body).await.assert_ok();
    id
}

async fn a_unit_is_reminded_on_its_working_days_and_overdue_work_is_escalated(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    // The office fixes the reply for Monday 2026-04-20.
    let id = filed_and_assigned_until(&life, &unit, "2026-04-20").await;
    let label = "一届一次会议第1号提案《关于加强社区居家养老服务的提案》的答复";

    // Ten working days before 04-20, counted back over 清明 (04-04..04-06 off): Friday 04-03.
    go_to(&life, "2026-04-02");
    assert_eq!(run(&app), 0);
    go_to(&life, "2026-04-03");
    assert_eq!(run(&app), 1);
    assert_eq!(run(&app), 0, "sent once, however often the sender looks");
    // Three working days before: Wednesday 04-15. Then the day itself.
    go_to(&life, "2026-04-15");
    assert_eq!(run(&app), 1);
    go_to(&life, "2026-04-20");
    assert_eq!(run(&app), 1);
    go_to(&life, "2026-04-24");
    assert_eq!(run(&app), 0, "four working days overdue: nothing new yet");
    assert_eq!(reminders_of(&app, &unit.head).await, [], "the head hears nothing before work is overdue");

    // Five working days overdue (04-21..04-27): the staff and the head.
    go_to(&life, "2026-04-27");
    assert_eq!(run(&app), 1);
    assert!(reminders_of(&app, &life.office).await.is_empty(), "the office hears from the second overdue reminder");
    // Ten working days overdue, across 劳动节 (05-01..05-05 off; 04-28..30, 05-06, 05-07): Thursday 05-07.
    go_to(&life, "2026-05-06");
    assert_eq!(run(&app), 0);
    go_to(&life, "2026-05-07");
    assert_eq!(run(&app), 1);

    let staff = reminders_of(&app, &unit.staff).await;
    assert_eq!(
        staff,
        [
            ("reminder_soon".to_string(), format!("{label}须于2026-04-20前完成，还有10个工作日。")),
            ("reminder_soon".to_string(), format!("{label}须于2026-04-20前完成，还有3个工作日。")),
            ("reminder_today".to_string(), format!("{label}今天（2026-04-20）到期，请按时完成。")),
            ("reminder_overdue".to_string(), format!("{label}已于2026-04-20到期，已超期5个工作日，请尽快办理。")),
            ("reminder_overdue".to_string(), format!("{label}已于2026-04-20到期，已超期10个工作日，请尽快办理。")),
        ]
    );
    let head: Vec<String> = reminders_of(&app, &unit.head).await.into_iter().map(|(e, _)| e).collect();
    assert_eq!(head, ["reminder_overdue", "reminder_overdue"]);
    let office = reminders_of(&app, &life.office).await;
    assert_eq!(
        office,
        [(
            "overdue_escalated".to_string(),
            format!("{}承办的{label}已于2026-04-20到期，已超期10个工作日。", unit.name)
        )]
    );

    // A clock that jumps back, or a restart, sends nothing again.
    go_to(&life, "2026-04-16");
    assert_eq!(run(&app), 0);
    go_to(&life, "2026-05-07");
    assert_eq!(run(&app), 0);

    // Replied: no more reminders.
    life.reply(&id, &unit, "A").await;
    go_to(&life, "2026-05-14");
    assert_eq!(run(&app), 0);
}

/// Reminded three working days before 04-20, the unit is given until 05-29:
/// the new day has its own reminders, from ten working days before it.
async fn an_extension_starts_the_reminders_afresh_on_the_new_day(app: TestApp) {
    let life = Life::new(&app).await;
    let unit = life.unit().await;
    // The office fixes the reply for Monday 2026-04-20.
    let id = filed_and_assigned_until(&life, &unit, "2026-04-20").await;
    go_to(&life, "2026-04-15");
    assert_eq!(run(&app), 1, "three working days before 04-20");
    let request = life.request_extension(&id, &unit, d("2026-05-29")).await;
    life.decide(&id, &request, json!({"approve": true}), "decide_extension").await;
    assert_eq!(run(&app), 0, "05-29 is far away");
    // Ten working days before Friday 05-29: 05-15.
    go_to(&life, "2026-05-14");
    assert_eq!(run(&app), 0);
    go_to(&life, "2026-05-15");
    assert_eq!(run(&app), 1);
    let last = reminders_of(&app, &unit.staff).await.pop().expect("a reminder");
    assert!(last.1.contains("须于2026-05-29前完成，还有10个工作日"), "{}", last.1);
}
