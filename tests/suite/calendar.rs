//! The working-day calendar, specified against the State Council's published
//! schedules of 2024, 2025 and 2026: every weekday off and every weekend day
//! worked (调休), written out here by hand from the notices, day by day.

use std::process::{Command, Output};

use chrono::{Datelike, NaiveDate, Weekday};
use proposal_desk::domain::calendar::Calendar;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|_| panic!("{s} is a date"))
}

fn calendar() -> Calendar {
    proposal_desk::calendar::built_in().expect("the built-in calendar")
}

/// (year, weekdays off, weekend days worked), as the notices list them.
const PUBLISHED: [(i32, &[&str], &[&str]); 3] = [
    (
        2024,
        &[
            "2024-01-01", // 元旦
            "2024-02-12",
            "2024-02-13",
            "2024-02-14",
            "2024-02-15",
            "2024-02-16", // 春节 02-10..02-17
            "2024-04-04",
            "2024-04-05", // 清明 04-04..04-06
            "2024-05-01",
            "2024-05-02",
            "2024-05-03", // 劳动节 05-01..05-05
            "2024-06-10", // 端午
            "2024-09-16",
            "2024-09-17", // 中秋 09-15..09-17
            "2024-10-01",
            "2024-10-02",
            "2024-10-03",
            "2024-10-04",
            "2024-10-07", // 国庆 10-01..10-07
        ],
        &[
            "2024-02-04",
            "2024-02-18",
            "2024-04-07",
            "2024-04-28",
            "2024-05-11",
            "2024-09-14",
            "2024-09-29",
            "2024-10-12",
        ],
    ),
    (
        2025,
        &[
            "2025-01-01", // 元旦
            "2025-01-28",
            "2025-01-29",
            "2025-01-30",
            "2025-01-31",
            "2025-02-03",
            "2025-02-04", // 春节 01-28..02-04
            "2025-04-04", // 清明 04-04..04-06
            "2025-05-01",
            "2025-05-02",
            "2025-05-05", // 劳动节 05-01..05-05
            "2025-06-02", // 端午 05-31..06-02
            "2025-10-01",
            "2025-10-02",
            "2025-10-03",
            "2025-10-06",
            "2025-10-07",
            "2025-10-08", // 国庆、中秋 10-01..10-08
        ],
        &["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
    ),
    (
        2026,
        &[
            "2026-01-01",
            "2026-01-02", // 元旦 01-01..01-03
            "2026-02-16",
            "2026-02-17",
            "2026-02-18",
            "2026-02-19",
            "2026-02-20",
            "2026-02-23", // 春节 02-15..02-23
            "2026-04-06", // 清明 04-04..04-06
            "2026-05-01",
            "2026-05-04",
            "2026-05-05", // 劳动节 05-01..05-05
            "2026-06-19", // 端午 06-19..06-21
            "2026-09-25", // 中秋 09-25..09-27
            "2026-10-01",
            "2026-10-02",
            "2026-10-05",
            "2026-10-06",
            "2026-10-07", // 国庆 10-01..10-07
        ],
        &["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
    ),
];

#[test]
fn every_day_of_2024_to_2026_is_worked_or_not_as_the_state_council_published() {
    let c = calendar();
    for (year, off, worked) in PUBLISHED {
        let off: Vec<NaiveDate> = off.iter().map(|s| d(s)).collect();
        let worked: Vec<NaiveDate> = worked.iter().map(|s| d(s)).collect();
        for day in d(&format!("{year}-01-01")).iter_days().take_while(|x| x.year() == year) {
            let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            let expected = if weekend { worked.contains(&day) } else { !off.contains(&day) };
            let answer = c.is_working_day(day);
            assert_eq!(answer.value, expected, "{day} ({})", day.weekday());
            assert!(!answer.provisional, "{day} is in a published year");
        }
    }
}

#[test]
fn working_days_run_around_every_holiday_week() {
    let c = calendar();
    // (start, n, the nth working day after it)
    let cases = [
        // 2026 春节: Saturday 02-14 is worked, 02-15..02-23 are off.
        ("2026-02-13", 5, "2026-02-27"),
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-14", 1, "2026-02-24"),
        ("2026-02-27", 1, "2026-02-28"),
        // 2026 元旦: 01-01..01-03 off, Sunday 01-04 worked.
        ("2025-12-31", 1, "2026-01-04"),
        // 2026 劳动节 and the Saturday after it.
        ("2026-04-30", 1, "2026-05-06"),
        ("2026-05-08", 1, "2026-05-09"),
        // 2026 国庆: Sunday 09-20 worked; 10-01..10-07 off; Saturday 10-10 worked.
        ("2026-09-19", 1, "2026-09-20"),
        ("2026-09-30", 1, "2026-10-08"),
        ("2026-10-09", 1, "2026-10-10"),
        ("2026-09-24", 1, "2026-09-28"),
        ("2026-06-18", 1, "2026-06-22"),
        ("2026-04-03", 1, "2026-04-07"),
        // 2025 春节 and 国庆中秋 (eight days).
        ("2025-01-24", 1, "2025-01-26"),
        ("2025-01-27", 1, "2025-02-05"),
        ("2025-02-07", 1, "2025-02-08"),
        ("2025-09-30", 1, "2025-10-09"),
        ("2025-10-10", 1, "2025-10-11"),
        ("2025-05-30", 1, "2025-06-03"),
        ("2025-04-25", 1, "2025-04-27"),
        // 2024 春节 with both its working Sundays, 清明 and 劳动节.
        ("2024-02-02", 1, "2024-02-04"),
        ("2024-02-09", 1, "2024-02-18"),
        ("2024-04-03", 1, "2024-04-07"),
        ("2024-04-27", 1, "2024-04-28"),
        ("2024-04-30", 1, "2024-05-06"),
        ("2024-05-10", 1, "2024-05-11"),
        ("2024-09-13", 1, "2024-09-14"),
        ("2024-09-14", 1, "2024-09-18"),
        ("2024-09-28", 1, "2024-09-29"),
        ("2024-09-30", 1, "2024-10-08"),
        ("2024-10-11", 1, "2024-10-12"),
        // A whole year: 2026 has 365 days, 104 weekend days, 6 of them worked,
        // and 19 weekdays off: 365 - 104 + 6 - 19 = 248 working days.
        ("2025-12-31", 248, "2026-12-31"),
    ];
    for (start, n, expected) in cases {
        let r = c.add_working_days(d(start), n);
        assert_eq!(r.value, d(expected), "{start} + {n} working days");
        assert!(!r.provisional);
        assert_eq!(c.working_days_between(d(start), d(expected)).value, i64::from(n), "{start}..{expected}");
    }
}

#[test]
fn a_deadline_in_a_year_without_a_schedule_is_provisional() {
    let c = calendar();
    let r = c.add_working_days(d("2026-12-25"), 5);
    assert_eq!(r.value, d("2027-01-01"), "plain weekdays: 12-28..12-31, then Friday 2027-01-01");
    assert!(r.provisional);
    assert!(!c.add_working_days(d("2026-12-01"), 5).provisional);
}

fn binary(args: &[&str], calendar_dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_proposal-desk"))
        .args(args)
        .env("PD__CALENDAR__DIR", calendar_dir)
        .env("PD__LOG__LEVEL", "warn")
        .output()
        .expect("run the binary")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A folder the test owns, removed when dropped.
struct Folder(std::path::PathBuf);

impl Folder {
    fn new() -> Folder {
        let path = std::env::temp_dir().join(format!("pd-calendar-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).expect("folder");
        Folder(path)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const YEAR_2027: &str = r#"year = 2027
source = "a test schedule"

[[holiday]]
name = "元旦"
from = 2027-01-01
to = 2027-01-03
"#;

#[test]
fn the_office_checks_a_date_from_the_command_line() {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/calendar");
    let o = binary(&["calendar", "add-working-days", "2026-02-13", "5"], &shipped);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "2026-02-27\n");
    let o = binary(&["calendar", "working-days", "2026-02-13", "2026-02-27"], &shipped);
    assert_eq!(out(&o), "5\n");

    // Into 2027, unpublished: the weekday answer, and a warning beside it.
    let o = binary(&["calendar", "add-working-days", "2026-12-31", "1"], &shipped);
    assert_eq!(out(&o), "2027-01-01\n");
    assert!(err(&o).contains("provisional: no calendar file for 2027"), "{}", err(&o));

    // The office adds 2027's file to the folder: 01-01 is off, so the answer moves.
    let folder = Folder::new();
    std::fs::write(folder.0.join("2027.toml"), YEAR_2027).expect("write");
    let o = binary(&["calendar", "add-working-days", "2026-12-31", "1"], &folder.0);
    assert_eq!(out(&o), "2027-01-04\n");
    assert_eq!(err(&o), "");
    let check = out(&binary(&["calendar", "check"], &folder.0));
    for year in ["2024: ", "2025: ", "2026: ", "2027: 3 days off"] {
        assert!(check.contains(year), "{year}: {check}");
    }
    // Whether next year is missing depends on today; the check says so exactly when it is.
    let next = chrono::Utc::now().year() + 1;
    let warned = check.contains(&format!("warning: no calendar for {next}"));
    assert_eq!(warned, next > 2027, "{check}");
    let shipped_check = out(&binary(&["calendar", "check"], &shipped));
    assert_eq!(shipped_check.contains(&format!("warning: no calendar for {next}")), next > 2026, "{shipped_check}");
}

#[test]
fn a_wrong_calendar_file_stops_start_up_with_its_line() {
    let folder = Folder::new();
    let twice = YEAR_2027
        .replace("to = 2027-01-03", "to = 2027-01-03\n\n[[holiday]]\nname = \"x\"\nfrom = 2027-01-03\nto = 2027-01-03");
    std::fs::write(folder.0.join("2027.toml"), twice).expect("write");
    let o = binary(&["calendar", "check"], &folder.0);
    assert_eq!(o.status.code(), Some(2), "a configuration mistake: {}", err(&o));
    let file = folder.0.join("2027.toml");
    assert!(err(&o).contains(&format!("{}:11: 2027-01-03 is listed twice", file.display())), "{}", err(&o));

    std::fs::write(folder.0.join("2027.toml"), YEAR_2027.replace("2027-01-03", "2028-01-03")).expect("write");
    let o = binary(&["serve"], &folder.0);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains(&format!("{}:7: 2028-01-03 is outside the year 2027", file.display())), "{}", err(&o));
}

both_backends!(a_deadline_running_into_an_unpublished_year_is_marked_provisional);

/// Assigned in March 2026, everything falls in 2026: known. Assigned on
/// 2026-12-01, the reply falls due in 2027, whose calendar is not published:
/// the assignment says so, and its return window, still in 2026, does not.
async fn a_deadline_running_into_an_unpublished_year_is_marked_provisional(app: crate::common::TestApp) {
    use proposal_desk::domain::Role;
    use proposal_desk::domain::workflow::ProposalState;
    let office = app.user(Role::Office).await;
    let assign = |id: String, unit: String, token: String| {
        let app = &app;
        async move {
            let body = serde_json::json!({"version": 1, "lead_unit_id": unit});
            let reply = app.post(&format!("/api/proposals/{id}/assign"), &token, body).await;
            reply.assert_ok();
            reply.body["assignments"][0].clone()
        }
    };
    let march = assign(app.proposal_in(ProposalState::Filed).await.id, app.unit("known"), office.token.clone()).await;
    assert_eq!(march["provisional"], false, "{march}");
    assert_eq!(march["due_at"], "2026-06-02T15:59:59Z");

    // 2026-03-02 + 274 days = 2026-12-01, 09:00 in Beijing.
    app.clock.advance(chrono::Duration::days(274));
    let token = app.token(&office).await;
    let december = assign(app.proposal_in(ProposalState::Filed).await.id, app.unit("unknown"), token).await;
    assert_eq!(december["provisional"], true, "{december}");
    assert_eq!(december["due_at"], "2027-03-01T15:59:59Z");
    // Five working days from Tuesday 2026-12-01: 12-08, all in 2026.
    assert_eq!(december["return_window_ends_at"], "2026-12-08T15:59:59Z");
    let id = december["id"].as_str().expect("id").to_string();
    use diesel::prelude::*;
    use proposal_desk::db::schema::deadlines;
    let rows: Vec<(String, bool, Option<String>)> = app
        .with_conn(|c| {
            deadlines::table
                .filter(deadlines::object_id.eq(&id))
                .order(deadlines::kind)
                .select((deadlines::kind, deadlines::provisional, deadlines::rule))
                .load(c)
        })
        .expect("deadlines");
    assert_eq!(
        rows,
        [
            ("reply".to_string(), true, Some("months:3".to_string())),
            ("return_window".to_string(), false, Some("working_days:5".to_string())),
        ]
    );
}

/// The office adds 2027's file and the service starts again: the provisional
/// return window counted on plain weekdays across New Year moves to its real
/// day, as an audited change by the system, and the unit is told.
async fn adding_next_years_file_counts_provisional_deadlines_again(backend: crate::common::Backend) {
    use crate::common::TestApp;
    use proposal_desk::domain::Role;
    use proposal_desk::domain::workflow::ProposalState;
    let folder = Folder::new();
    let dir = folder.0.display().to_string();
    let Some(app) = TestApp::start_with(backend, "calendar_recount", move |s| s.calendar.dir = dir).await else {
        return;
    };
    // Monday 2026-12-28, 09:00 in Beijing.
    app.clock.advance(chrono::Duration::days(301));
    let (unit, staff, _head) = app.unit_with_people().await;
    let office = app.user(Role::Office).await;
    let f = app.proposal_in(ProposalState::Filed).await;
    let body = serde_json::json!({"version": 1, "lead_unit_id": unit});
    let assigned = app.post(&format!("/api/proposals/{}/assign", f.id), &office.token, body).await;
    assigned.assert_ok();
    let a = &assigned.body["assignments"][0];
    // 12-29, 12-30, 12-31, then Friday 2027-01-01 and Monday 01-04 taken as working days.
    assert_eq!(a["return_window_ends_at"], "2027-01-04T15:59:59Z");
    assert_eq!(a["provisional"], true);

    std::fs::write(folder.0.join("2027.toml"), YEAR_2027).expect("write 2027");
    let mut settings = app.state.settings.as_ref().clone();
    settings.calendar.dir = folder.0.display().to_string();
    let seq = app.last_audit_seq();
    let restarted = proposal_desk::server::prepare(settings, app.state.clock.clone()).expect("start again");
    drop(restarted);
    // 01-01 is off: the fifth working day is Tuesday 01-05. The reply (three months, 2027-03-28) keeps its day.
    let view = app.get(&format!("/api/proposals/{}", f.id), &office.token).await;
    let a = &view.body["assignments"][0];
    assert_eq!(a["return_window_ends_at"], "2027-01-05T15:59:59Z");
    assert_eq!(a["due_at"], "2027-03-28T15:59:59Z");
    assert_eq!(a["provisional"], false);
    let actions: Vec<(String, String, String)> = app.audit_actions_after(seq);
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert!(actions.iter().all(|(action, actor, _)| action == "deadline.recount" && actor == "system"), "{actions:?}");
    let token = app.token(&staff).await;
    let notices = app.get("/api/notices", &token).await;
    let moved: Vec<&str> = notices.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|n| n["event"] == "deadline_moved")
        .filter_map(|n| n["body"].as_str())
        .collect();
    assert_eq!(moved.len(), 1, "only the day that moved is told: {moved:?}");
    assert!(moved[0].contains("申请退回期限由2027-01-04调整为2027-01-05"), "{}", moved[0]);
}

#[actix_web::test]
async fn adding_next_years_file_counts_provisional_deadlines_again_on_sqlite() {
    adding_next_years_file_counts_provisional_deadlines_again(crate::common::Backend::Sqlite).await;
}

#[actix_web::test]
async fn adding_next_years_file_counts_provisional_deadlines_again_on_postgres() {
    adding_next_years_file_counts_provisional_deadlines_again(crate::common::Backend::Postgres).await;
}

both_backends!(an_opinion_before_a_provisional_reply_is_provisional_too);

/// Assigned on 2026-10-15, the reply is due 2027-01-15 (provisional) and the
/// co-handling opinion 30 days before, on 2026-12-16, a published year: it
/// follows the reply, so it is provisional too and is counted again with it.
async fn an_opinion_before_a_provisional_reply_is_provisional_too(app: crate::common::TestApp) {
    use proposal_desk::domain::Role;
    use proposal_desk::domain::workflow::ProposalState;
    app.clock.advance(chrono::Duration::days(227));
    let office = app.user(Role::Office).await;
    let f = app.proposal_in(ProposalState::Filed).await;
    let (lead, co) = (app.unit("op-lead"), app.unit("op-co"));
    let body = serde_json::json!({"version": 1, "lead_unit_id": lead, "co_unit_ids": [co]});
    let assigned = app.post(&format!("/api/proposals/{}/assign", f.id), &office.token, body).await;
    assigned.assert_ok();
    let co_assignment = assigned.body["assignments"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["unit_id"] == co.as_str()))
        .expect("the co unit's assignment")
        .clone();
    assert_eq!(co_assignment["opinion_due_at"], "2026-12-16T15:59:59Z");
    assert_eq!(co_assignment["provisional"], true, "{co_assignment}");
}
