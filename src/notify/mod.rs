//! Telling people what happened to a proposal (通知). `after_action` runs inside
//! the action's transaction (from `Step::commit`), so a notice and
//! its email are written together with the change and its audit event, or not
//! at all. Who is told what is `domain::notices`; the words are
//! config/mail/ (`mail::templates`); this module gathers the values and writes the rows.

pub mod inbox;
pub mod preferences;

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::config::{MailSettings, WorkflowSettings};
use crate::db::DbConn;
use crate::db::direct::on_backend;
use crate::db::models::notice::{NewEmail, NoticeRow};
use crate::db::models::proposal::ProposalRow;
use crate::db::prepared::execute_kept;
use crate::db::schema::{
    assignments, committee_sessions, deadlines, email_outbox, mail_preferences, notices, proposal_cosigners, proposals,
    unit_requests, units, users,
};
use crate::domain::Role;
use crate::domain::deadlines::OfficeTime;
use crate::domain::notices::{Audience, MailMode, Notice, after};
use crate::domain::workflow::{Action, AssignmentState, CosignerStatus, ProposalState, RequestDecision, RequestKind};
use crate::error::{AppError, AppResult};

/// Writes what `action` (from `before` to `after_row`) tells, to whom it tells
/// it: one notice per person, and an email to each one with an address.
pub fn after_action(
    conn: &mut DbConn,
    ctx: &crate::acting::Ctx,
    action: Action,
    from: ProposalState,
    to: ProposalState,
    p: &ProposalRow,
) -> AppResult<usize> {
    let (workflow, mail, now) = (ctx.workflow, ctx.mail, ctx.now);
    let mut told = 0;
    for (notice, audience) in after(action, from, to, p.handling_round > 1) {
        if audience == Audience::NewlyAssignedUnits {
            told += tell_each_new_unit(conn, ctx, notice, p)?;
            continue;
        }
        let recipients = audience_of(conn, audience, p, now)?;
        if !recipients.is_empty() {
            told += tell(conn, workflow, mail, ctx.office, notice, &recipients, p, now, BTreeMap::new())?;
        }
    }
    Ok(told)
}

/// Each unit this action assigned hears of its own part: a co-handling unit
/// of its opinion's date, the others of their reply's.
fn tell_each_new_unit(
    conn: &mut DbConn,
    ctx: &crate::acting::Ctx,
    notice: Notice,
    p: &ProposalRow,
) -> AppResult<usize> {
    let new: Vec<(String, String, NaiveDateTime, Option<NaiveDateTime>)> = assignments::table
        .filter(assignments::proposal_id.eq(&p.id))
        .filter(assignments::created_at.eq(ctx.now))
        .filter(assignments::state.ne(AssignmentState::Returned))
        .order(assignments::id)
        .select((assignments::id, assignments::unit_id, assignments::due_at, assignments::opinion_due_at))
        .load(conn)?;
    let mut told = 0;
    for (assignment_id, unit_id, due_at, opinion_due_at) in new {
        let people = unit_people(conn, std::slice::from_ref(&unit_id), &[Role::UnitStaff, Role::UnitHead])?;
        let (at, kind) = match opinion_due_at {
            Some(at) => (at, "opinion"),
            None => (due_at, "reply"),
        };
        // Whether this date may still move: its year's calendar is not published.
        let provisional: bool = deadlines::table
            .filter(deadlines::object_id.eq(&assignment_id))
            .filter(deadlines::kind.eq(kind))
            .select(deadlines::provisional)
            .first(conn)
            .optional()?
            .unwrap_or(false);
        let mut extra = BTreeMap::new();
        extra.insert("date", ctx.office.today(at).format("%Y-%m-%d").to_string());
        extra.insert("reason", if opinion_due_at.is_some() { "提出会办意见" } else { "答复" }.to_string());
        if provisional {
            extra.insert("provisional", "1".to_string());
        }
        told += tell(conn, ctx.workflow, ctx.mail, ctx.office, notice, &people, p, ctx.now, extra)?;
    }
    Ok(told)
}

/// The accounts an audience names for this proposal and this moment.
pub fn audience_of(
    conn: &mut DbConn,
    audience: Audience,
    p: &ProposalRow,
    now: NaiveDateTime,
) -> AppResult<Vec<String>> {
    let unit_people =
        |conn: &mut DbConn, unit_ids: Vec<String>| unit_people(conn, &unit_ids, &[Role::UnitStaff, Role::UnitHead]);
    Ok(match audience {
        Audience::Proposers => proposers(conn, p)?,
        Audience::NewInvitees => proposal_cosigners::table
            .filter(proposal_cosigners::proposal_id.eq(&p.id))
            .filter(proposal_cosigners::invited_at.eq(now))
            .filter(proposal_cosigners::status.eq(CosignerStatus::Invited))
            .select(proposal_cosigners::user_id)
            .load(conn)?,
        Audience::NewlyAssignedUnits => {
            let units: Vec<String> = assignments::table
                .filter(assignments::proposal_id.eq(&p.id))
                .filter(assignments::created_at.eq(now))
                .filter(assignments::state.ne(AssignmentState::Returned))
                .select(assignments::unit_id)
                .load(conn)?;
            unit_people(conn, units)?
        }
        Audience::DecidedRequestUnit => {
            let units: Vec<String> = unit_requests::table
                .inner_join(assignments::table.on(assignments::id.eq(unit_requests::assignment_id)))
                .filter(unit_requests::proposal_id.eq(&p.id))
                .filter(unit_requests::decided_at.eq(now))
                .select(assignments::unit_id)
                .load(conn)?;
            unit_people(conn, units)?
        }
        Audience::Office => users::table
            .filter(users::role.eq(Role::Office))
            .filter(users::disabled.eq(false))
            .order(users::username)
            .select(users::id)
            .load(conn)?,
        Audience::KeyLeader => match (&p.key_leader_id, p.is_key) {
            (Some(leader), true) => vec![leader.clone()],
            _ => Vec::new(),
        },
    })
}

/// The active accounts of these units in these roles.
pub fn unit_people(conn: &mut DbConn, unit_ids: &[String], roles: &[Role]) -> AppResult<Vec<String>> {
    if unit_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table
        .filter(users::unit_id.eq_any(unit_ids))
        .filter(users::role.eq_any(roles))
        .filter(users::disabled.eq(false))
        .order(users::username)
        .select(users::id)
        .load(conn)?)
}

/// Writes `notice` to each of `recipients`: a notice, and for those with an
/// address an email now or in their next digest, as each chose (or as their
/// role's default says). `extra` adds or replaces placeholders' values.
#[allow(clippy::too_many_arguments)]
pub fn tell(
    conn: &mut DbConn,
    workflow: &WorkflowSettings,
    mail: &MailSettings,
    office: &OfficeTime,
    notice: Notice,
    recipients: &[String],
    p: &ProposalRow,
    now: NaiveDateTime,
    extra: BTreeMap<&'static str, String>,
) -> AppResult<usize> {
    let mut values = values(conn, workflow, office, notice, p, now)?;
    values.extend(extra);
    values.entry("link").or_insert_with(|| mail.templates.link(&format!("/proposals/{}", p.id)));
    let words = mail.templates.notice(notice, &values).map_err(|e| AppError::internal(format!("{e:#}")))?;
    let (subject, body) = (words.subject.clone(), words.body.clone());
    // Each recipient with the mode they chose for this notice, if they chose one,
    // in one query. Most notices tell one person (the proposer): `= ?` is a
    // statement SQLite keeps prepared, `IN (?, …)` one it prepares anew each time.
    let chose = mail_preferences::user_id.eq(users::id).and(mail_preferences::notice.eq(notice.as_str()));
    let columns = (users::id, users::email, users::role, mail_preferences::mode.nullable());
    let people: Vec<Person> = match recipients {
        [one] => on_backend!(conn, |c| {
            users::table.left_join(mail_preferences::table.on(chose)).filter(users::id.eq(one)).select(columns).load(c)
        })?,
        _ => users::table
            .left_join(mail_preferences::table.on(chose))
            .filter(users::id.eq_any(recipients))
            .select(columns)
            .load(conn)?,
    };
    for (user_id, email, role, chosen) in &people {
        let mode = chosen.as_deref().and_then(MailMode::parse).unwrap_or_else(|| mail.default_mode(*role));
        let row = NoticeRow {
            id: crate::ids::new_id(),
            user_id: user_id.clone(),
            proposal_id: p.id.clone(),
            event: notice.as_str().into(),
            subject: subject.clone(),
            body: body.clone(),
            created_at: now,
            read_at: None,
        };
        execute_kept(conn, diesel::insert_into(notices::table).values(&row))?;
        if let Some(digest) = mode.digest() {
            diesel::update(notices::table.find(&row.id)).set(notices::digest.eq(digest)).execute(conn)?;
            continue;
        }
        if mode == MailMode::None {
            continue;
        }
        if let Some(address) = email.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            let mail = NewEmail {
                id: crate::ids::new_id(),
                to_address: address.into(),
                template: format!("notice.{}", notice.as_str()),
                subject: subject.clone(),
                body_text: words.text.clone(),
                body_html: Some(words.html.clone()),
                created_at: now,
                send_after: now,
            };
            execute_kept(conn, diesel::insert_into(email_outbox::table).values(&mail))?;
        }
    }
    Ok(people.len())
}

/// A recipient: id, email address, role, and the mode they chose for the notice at hand.
type Person = (String, Option<String>, Role, Option<String>);

/// The proposer and the proposers of every proposal merged into this one:
/// each of them receives the reply (并案).
pub fn proposers(conn: &mut DbConn, p: &ProposalRow) -> AppResult<Vec<String>> {
    let mut ids: Vec<String> = on_backend!(conn, |c| {
        proposals::table.filter(proposals::merged_into_id.eq(&p.id)).select(proposals::proposer_id).load(c)
    })?;
    ids.insert(0, p.proposer_id.clone());
    ids.dedup();
    Ok(ids)
}

/// The placeholders' values for this notice.
fn values(
    conn: &mut DbConn,
    workflow: &WorkflowSettings,
    office: &OfficeTime,
    notice: Notice,
    p: &ProposalRow,
    now: NaiveDateTime,
) -> AppResult<BTreeMap<&'static str, String>> {
    let mut v = BTreeMap::new();
    v.insert("kind", workflow.noun(&p.kind).to_string());
    v.insert("title", p.title.clone());
    v.insert("label", label_of(conn, workflow, p)?);
    // The office's day of a moment: a deadline at 23:59:59 Beijing is 15:59:59 UTC.
    let day = |t: NaiveDateTime| office.today(t).format("%Y-%m-%d").to_string();
    match notice {
        Notice::Invited => {
            let name: String = users::table.find(&p.proposer_id).select(users::display_name).first(conn)?;
            v.insert("name", p.submitter_name.clone().unwrap_or(name));
            let by: Option<NaiveDateTime> = proposal_cosigners::table
                .filter(proposal_cosigners::proposal_id.eq(&p.id))
                .filter(proposal_cosigners::invited_at.eq(now))
                .select(proposal_cosigners::respond_by)
                .first(conn)
                .optional()?;
            v.insert("date", by.map(day).unwrap_or_default());
        }
        Notice::Refused => {
            let reason = p
                .refusal_code
                .as_deref()
                .and_then(|code| workflow.refusal_reasons.iter().find(|r| r.code == code))
                .map(|r| r.label.clone())
                .unwrap_or_default();
            let text = p.refusal_text.as_deref().map(str::trim).filter(|t| !t.is_empty());
            v.insert(
                "reason",
                match text {
                    Some(t) => format!("{reason}。{t}"),
                    None => reason,
                },
            );
        }
        Notice::Merged => {
            let target = match &p.merged_into_id {
                Some(id) => {
                    let t: ProposalRow = proposals::table.find(id).select(ProposalRow::as_select()).first(conn)?;
                    format!("{}《{}》", label_of(conn, workflow, &t)?, t.title)
                }
                None => String::new(),
            };
            v.insert("name", target);
        }
        Notice::Assigned | Notice::Rehandling => {
            let names: Vec<String> = assignments::table
                .inner_join(units::table)
                .filter(assignments::proposal_id.eq(&p.id))
                .filter(assignments::handling_round.eq(p.handling_round))
                .filter(assignments::state.ne(AssignmentState::Returned))
                .order(assignments::created_at.asc())
                .select(units::name)
                .load(conn)?;
            v.insert("name", names.join("、"));
            if notice == Notice::Rehandling {
                let due: Option<NaiveDateTime> = assignments::table
                    .filter(assignments::proposal_id.eq(&p.id))
                    .filter(assignments::handling_round.eq(p.handling_round))
                    .select(diesel::dsl::max(assignments::due_at))
                    .first(conn)?;
                v.insert("date", due.map(day).unwrap_or_default());
            }
        }
        Notice::Replied => {
            v.insert("date", p.rating_due_at.map(day).unwrap_or_default());
        }
        Notice::Withheld => {
            v.insert("reason", p.withheld_reason.clone().unwrap_or_default());
        }
        Notice::UnitAssigned | Notice::UnitRehandling => {
            let due: Option<NaiveDateTime> = assignments::table
                .filter(assignments::proposal_id.eq(&p.id))
                .filter(assignments::created_at.eq(now))
                .select(diesel::dsl::max(assignments::due_at))
                .first(conn)?;
            v.insert("date", due.map(day).unwrap_or_default());
        }
        Notice::RequestReceived | Notice::RequestDecided => {
            type Asked = (String, String, String, Option<String>, String, NaiveDateTime, Option<NaiveDateTime>);
            let requests: Vec<Asked> = unit_requests::table
                .inner_join(assignments::table.on(assignments::id.eq(unit_requests::assignment_id)))
                .inner_join(units::table.on(units::id.eq(assignments::unit_id)))
                .filter(unit_requests::proposal_id.eq(&p.id))
                .select((
                    unit_requests::kind,
                    unit_requests::reason,
                    unit_requests::decision,
                    unit_requests::decision_note,
                    units::name,
                    unit_requests::requested_at,
                    unit_requests::decided_at,
                ))
                .load(conn)?;
            // The request this very action made or decided.
            let this = requests.into_iter().find(|r| match notice {
                Notice::RequestReceived => r.5 == now,
                _ => r.6 == Some(now),
            });
            if let Some((kind, reason, decision, note, unit, _, _)) = this {
                let asked = if kind == RequestKind::Return.as_str() { "退回申请" } else { "延期申请" };
                v.insert("name", unit);
                let said = match notice {
                    Notice::RequestReceived => format!("{asked}：{reason}"),
                    _ => {
                        let verdict =
                            if decision == RequestDecision::Approved.as_str() { "同意" } else { "不同意" };
                        let note = note.map(|n| format!("。{n}")).unwrap_or_default();
                        format!("{asked}，办公室{verdict}{note}")
                    }
                };
                v.insert("reason", said);
            }
        }
        Notice::Submitted
        | Notice::Filed
        | Notice::Converted
        | Notice::Published
        | Notice::Unsatisfied
        | Notice::KeyReplied
        | Notice::KeyRated
        // A reminder's values are the reminder's own (`crate::reminders`).
        | Notice::ReminderSoon
        | Notice::ReminderToday
        | Notice::ReminderOverdue
        | Notice::OverdueEscalated
        | Notice::DeadlineMoved => {}
    }
    Ok(v)
}

/// "一届一次会议第12号提案", or nothing before filing.
fn label_of(conn: &mut DbConn, workflow: &WorkflowSettings, p: &ProposalRow) -> AppResult<String> {
    let (Some(number), Some(session_id)) = (p.number, p.session_id.as_deref()) else { return Ok(String::new()) };
    let session: String = committee_sessions::table.find(session_id).select(committee_sessions::name).first(conn)?;
    Ok(crate::proposals::numbering::label(&session, number, workflow.noun(&p.kind)))
}
