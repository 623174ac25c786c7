//! 催办: sending the reminders that have come. For each open reply, opinion
//! or commitment deadline due within the schedule's reach, the latest step that has come
//! (`domain::reminders::latest_step`) is claimed in `reminders` and, in the
//! same transaction, told to the unit's staff (its head too once overdue,
//! the office too from the configured overdue step on) as notices and
//! outbox emails. A step claimed once is never sent again, and a step
//! earlier than one already sent is never sent: a restart, a second
//! instance or a clock that jumps back sends nothing twice.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::config::Settings;
use crate::db::Db;
use crate::db::models::proposal::ProposalRow;
use crate::db::schema::{assignments, commitments, deadlines, proposals, reminders, units};
use crate::domain::Role;
use crate::domain::deadlines::OfficeTime;
use crate::domain::notices::Audience;
use crate::domain::notices::Notice;
use crate::domain::reminders::{Step, latest_step};
use crate::error::AppResult;
use crate::notify;

/// A deadline whose reminder step has come.
pub struct Due {
    pub deadline_id: String,
    pub due_at: NaiveDateTime,
    pub kind: String,
    pub step: Step,
}

/// The open reply and opinion deadlines whose latest reminder step has come
/// by `now` and was not sent yet: one range read on the index of open
/// deadlines by due time, the calendar, then the steps already sent.
pub fn due_now(
    conn: &mut crate::db::DbConn,
    settings: &Settings,
    office: &OfficeTime,
    now: NaiveDateTime,
) -> AppResult<Vec<Due>> {
    let schedule = &settings.reminders.schedule;
    let today = office.today(now);
    let reach = schedule.before_working_days.iter().copied().max().unwrap_or(0);
    let horizon = office.end_of(office.calendar.last_day_within(today, reach).value);
    let candidates: Vec<(String, NaiveDateTime, String)> = deadlines::table
        .filter(deadlines::met_at.is_null())
        .filter(deadlines::due_at.le(horizon))
        .filter(deadlines::object_type.eq("assignment"))
        .filter(deadlines::kind.eq_any(["reply", "opinion", crate::proposals::deadlines::COMMITMENT]))
        .order(deadlines::due_at.asc())
        .select((deadlines::id, deadlines::due_at, deadlines::kind))
        .load(conn)?;
    let due: Vec<Due> = candidates
        .into_iter()
        .filter_map(|(deadline_id, due_at, kind)| {
            let step = latest_step(&office.calendar, schedule, office.today(due_at), today)?;
            Some(Due { deadline_id, due_at, kind, step })
        })
        .collect();
    let mut sent: std::collections::HashMap<String, i32> = std::collections::HashMap::new();
    for chunk in due.chunks(5000) {
        let ids: Vec<&str> = chunk.iter().map(|d| d.deadline_id.as_str()).collect();
        let rows: Vec<(String, Option<i32>)> = reminders::table
            .filter(reminders::deadline_id.eq_any(ids))
            .group_by(reminders::deadline_id)
            .select((reminders::deadline_id, diesel::dsl::max(reminders::step_order)))
            .load(conn)?;
        sent.extend(rows.into_iter().filter_map(|(id, order)| order.map(|o| (id, o))));
    }
    Ok(due.into_iter().filter(|d| sent.get(&d.deadline_id).is_none_or(|o| *o < d.step.order())).collect())
}

/// Sends every reminder that has come by `now`; answers how many deadlines were reminded.
pub fn send_due(db: &Db, settings: &Settings, office: &OfficeTime, now: NaiveDateTime) -> AppResult<usize> {
    let due = due_now(&mut *db.get()?, settings, office, now)?;
    let mut reminded = 0;
    for d in due {
        let sent =
            db.write_blocking(|conn| remind(conn, settings, office, &d.deadline_id, &d.kind, d.due_at, d.step, now))?;
        reminded += usize::from(sent);
    }
    Ok(reminded)
}

/// One deadline's reminder, in one transaction; false when it was sent before.
#[allow(clippy::too_many_arguments)]
fn remind(
    conn: &mut crate::db::DbConn,
    settings: &Settings,
    office: &OfficeTime,
    deadline_id: &str,
    kind: &str,
    due_at: NaiveDateTime,
    step: Step,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let latest: Option<i32> = reminders::table
        .filter(reminders::deadline_id.eq(deadline_id))
        .select(diesel::dsl::max(reminders::step_order))
        .first(conn)?;
    if latest.is_some_and(|order| order >= step.order()) {
        return Ok(false);
    }
    // Met since the search (a reply submitted meanwhile): nothing to remind.
    let open: i64 = deadlines::table
        .filter(deadlines::id.eq(deadline_id))
        .filter(deadlines::met_at.is_null())
        .count()
        .get_result(conn)?;
    if open == 0 {
        return Ok(false);
    }
    if !crate::db::backend_specific::claim_reminder(conn, deadline_id, &step.code(), step.order(), now)? {
        return Ok(false);
    }
    let (p, unit_id, unit_name, provisional): (ProposalRow, String, String, bool) = deadlines::table
        .inner_join(assignments::table.on(assignments::id.eq(deadlines::object_id)))
        .inner_join(proposals::table.on(proposals::id.eq(assignments::proposal_id)))
        .inner_join(units::table.on(units::id.eq(assignments::unit_id)))
        .filter(deadlines::id.eq(deadline_id))
        .select((ProposalRow::as_select(), units::id, units::name, deadlines::provisional))
        .first(conn)?;
    let today = office.today(now);
    let due = office.today(due_at);
    let mut extra = BTreeMap::new();
    let reason = match kind {
        "opinion" => "会办意见".to_string(),
        crate::proposals::deadlines::COMMITMENT => {
            let promised: Option<String> = commitments::table
                .filter(commitments::deadline_id.eq(deadline_id))
                .select(commitments::description)
                .first(conn)
                .optional()?;
            format!("承诺事项“{}”", promised.unwrap_or_default())
        }
        _ => "答复".to_string(),
    };
    extra.insert("reason", reason);
    extra.insert("date", due.format("%Y-%m-%d").to_string());
    extra.insert("name", unit_name);
    if provisional {
        extra.insert("provisional", "1".to_string());
    }
    let days = office.calendar.working_days_between(today, due).value;
    extra.insert("days", days.abs().to_string());
    let (notice, roles): (Notice, &[Role]) = match step {
        Step::Before(_) => (Notice::ReminderSoon, &[Role::UnitStaff]),
        Step::Day => (Notice::ReminderToday, &[Role::UnitStaff]),
        Step::Overdue(_) => (Notice::ReminderOverdue, &[Role::UnitStaff, Role::UnitHead]),
    };
    let wf = &settings.workflow;
    let people = notify::unit_people(conn, std::slice::from_ref(&unit_id), roles)?;
    notify::tell(conn, wf, &settings.mail, office, notice, &people, &p, now, extra.clone())?;
    if step.escalates(&settings.reminders.schedule) {
        let office_people = notify::audience_of(conn, Audience::Office, &p, now)?;
        notify::tell(conn, wf, &settings.mail, office, Notice::OverdueEscalated, &office_people, &p, now, extra)?;
    }
    Ok(true)
}

/// Runs the reminders and the digests in the background of `serve`, every `reminders.poll_seconds`.
pub fn spawn_worker(
    db: Db,
    settings: std::sync::Arc<Settings>,
    office: std::sync::Arc<OfficeTime>,
    clock: crate::clock::SharedClock,
) -> anyhow::Result<()> {
    std::thread::Builder::new().name("reminders".into()).spawn(move || {
        let mut warned_on: Option<chrono::NaiveDate> = None;
        loop {
            let now = clock.now();
            match send_due(&db, &settings, &office, now) {
                Ok(0) => {}
                Ok(n) => tracing::info!(deadlines = n, "reminders sent"),
                Err(e) => tracing::error!(error = %e, "reminders pass failed"),
            }
            match crate::mail::digest::send_digests(&db, &settings, &office, now) {
                Ok(0) => {}
                Ok(n) => tracing::info!(digests = n, "digests queued"),
                Err(e) => tracing::error!(error = %e, "digests pass failed"),
            }
            // Once a day: how many open deadlines are only provisional.
            let today = office.today(now);
            if warned_on != Some(today) {
                warned_on = Some(today);
                match crate::proposals::deadlines::provisional_count(&db) {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(
                        deadlines = n,
                        "open deadlines are provisional: their year has no calendar file yet (see `proposal-desk calendar check`)"
                    ),
                    Err(e) => tracing::error!(error = %e, "counting provisional deadlines failed"),
                }
            }
            std::thread::sleep(std::time::Duration::from_secs(settings.reminders.poll_seconds));
        }
    })?;
    Ok(())
}
