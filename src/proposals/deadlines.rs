//! The `deadlines` rows the office chases: one per assignment and kind of
//! work (reply, co-handling opinion, return window), opened when the stage
//! starts, moved by an approved extension, met when the work is done or the
//! unit is released; and one per commitment of a B reply (承诺事项), open
//! until the office marks it fulfilled.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::config::{DeadlineRules, WorkflowSettings};
use crate::db::DbConn;
use crate::db::models::proposal::{AssignmentRow, ProposalRow};
use crate::db::schema::{assignments, commitments, deadlines};
use crate::domain::deadlines::{Due, OfficeTime, Span, Stage};
use crate::domain::workflow::{AssignmentState, UnitRole};
use crate::error::AppResult;

/// A deadline as stored.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = deadlines)]
pub struct DeadlineRow {
    pub id: String,
    pub object_type: String,
    pub object_id: String,
    /// reply | opinion | return_window | commitment
    pub kind: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub due_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub met_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
    /// The office's day it was counted from, when it was counted by a rule.
    pub counted_from: Option<NaiveDate>,
    /// The rule it was counted by (`Span::code`); a co-handling opinion
    /// keeps its reply's rule and falls the configured days before it.
    pub rule: Option<String>,
    /// Counted on plain weekdays through a year whose calendar is not published.
    pub provisional: bool,
}

/// A deadline counted now: when it falls due, from which day and by which rule.
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    pub due: Due,
    pub from: NaiveDate,
    pub rule: Option<Span>,
}

/// The deadlines of an assignment being made.
#[derive(Debug, Clone, Copy)]
pub struct AssignmentDues {
    /// The reply (a lead or separate unit) or the date the opinion's reply is due.
    pub reply: Counted,
    /// A co-handling unit's opinion (会办意见).
    pub opinion: Option<Counted>,
    /// The window to ask to be released (退回).
    pub return_window: Option<Counted>,
}

impl AssignmentDues {
    /// The deadlines of a unit assigned now in `stage` (the first reply or a
    /// re-handling), on the office's day `reply_on` when it chose one.
    pub fn count(
        office: &OfficeTime,
        rules: &DeadlineRules,
        kind: &str,
        role: UnitRole,
        stage: Stage,
        now: NaiveDateTime,
        reply_on: Option<NaiveDate>,
    ) -> AssignmentDues {
        let today = office.today(now);
        let rule = match reply_on {
            Some(day) => Span::Fixed(day),
            None => rules.rule(kind, stage),
        };
        let reply = Counted { due: office.due_after(today, rule), from: today, rule: Some(rule) };
        let opinion = (role == UnitRole::Co).then(|| Counted {
            due: opinion_due(office, reply.due, today, rules.co_opinion_days_before_reply),
            ..reply
        });
        let return_window = (stage == Stage::Reply).then(|| {
            let rule = rules.rule(kind, Stage::ReturnWindow);
            Counted { due: office.due_after(today, rule), from: today, rule: Some(rule) }
        });
        AssignmentDues { reply, opinion, return_window }
    }
}

/// 会办意见: a co-handling unit's opinion falls `days_before` its reply's
/// day. A reply due soon leaves no time for that: the opinion then gets at
/// least the next working day after `from` (never later than the reply), not
/// a past day.
pub fn opinion_due(office: &OfficeTime, reply: Due, from: NaiveDate, days_before: u32) -> Due {
    let due = office.days_before(reply, days_before);
    if due.on > from {
        return due;
    }
    let next = office.due_after(from, Span::WorkingDays(1));
    if next.on < reply.on { next } else { reply }
}

/// The day the office chose for assignment `a`'s work, if it chose one (a
/// unit taking over from a released one keeps it).
pub fn chosen_day(conn: &mut DbConn, a: &AssignmentRow) -> AppResult<Option<NaiveDate>> {
    let rules: Vec<Option<String>> = deadlines::table
        .filter(deadlines::object_type.eq("assignment"))
        .filter(deadlines::object_id.eq(&a.id))
        .filter(deadlines::kind.eq_any(["reply", "opinion"]))
        .select(deadlines::rule)
        .load(conn)?;
    Ok(rules.iter().flatten().find_map(|code| match Span::from_code(code) {
        Some(Span::Fixed(day)) => Some(day),
        _ => None,
    }))
}

/// Opens the deadline `kind` of assignment `a`.
pub fn open(
    conn: &mut DbConn,
    a: &AssignmentRow,
    kind: &str,
    counted: Counted,
    now: NaiveDateTime,
) -> AppResult<DeadlineRow> {
    let row = DeadlineRow {
        id: crate::ids::new_id(),
        object_type: "assignment".into(),
        object_id: a.id.clone(),
        kind: kind.into(),
        due_at: counted.due.at,
        met_at: None,
        created_at: now,
        counted_from: Some(counted.from),
        rule: counted.rule.map(|r| r.code()),
        provisional: counted.due.provisional,
    };
    diesel::insert_into(deadlines::table).values(&row).execute(conn)?;
    Ok(row)
}

/// Opens the deadlines of a new assignment: its work (the reply, or a
/// co-handling unit's opinion) and, when it has one, its return window.
pub fn open_for_assignment(
    conn: &mut DbConn,
    a: &AssignmentRow,
    dues: &AssignmentDues,
    now: NaiveDateTime,
) -> AppResult<Vec<DeadlineRow>> {
    let mut opened = vec![match dues.opinion {
        Some(opinion) => open(conn, a, "opinion", opinion, now)?,
        None => open(conn, a, "reply", dues.reply, now)?,
    }];
    if let Some(window) = dues.return_window {
        opened.push(open(conn, a, "return_window", window, now)?);
    }
    Ok(opened)
}

/// The assignment's open deadlines (of `kind`, or all when `None`) are met now.
pub fn meet(conn: &mut DbConn, assignment_id: &str, kind: Option<&str>, now: NaiveDateTime) -> AppResult<()> {
    let open = deadlines::table
        .filter(deadlines::object_type.eq("assignment"))
        .filter(deadlines::object_id.eq(assignment_id))
        .filter(deadlines::met_at.is_null());
    match kind {
        Some(kind) => {
            diesel::update(open.filter(deadlines::kind.eq(kind))).set(deadlines::met_at.eq(now)).execute(conn)?
        }
        None => diesel::update(open).set(deadlines::met_at.eq(now)).execute(conn)?,
    };
    Ok(())
}

/// A deadline whose day moved is reminded afresh, on its new day's schedule.
pub fn forget_reminders(conn: &mut DbConn, deadline_ids: &[String]) -> AppResult<()> {
    diesel::delete(
        crate::db::schema::reminders::table.filter(crate::db::schema::reminders::deadline_id.eq_any(deadline_ids)),
    )
    .execute(conn)?;
    Ok(())
}

/// The assignment's open reply deadline moves to the day `on`, due at
/// `due_at` (an approved extension): a day chosen, no longer provisional,
/// and reminded afresh.
pub fn move_reply(conn: &mut DbConn, assignment_id: &str, on: NaiveDate, due_at: NaiveDateTime) -> AppResult<()> {
    let moved: Vec<String> = deadlines::table
        .filter(deadlines::object_type.eq("assignment"))
        .filter(deadlines::object_id.eq(assignment_id))
        .filter(deadlines::kind.eq("reply"))
        .filter(deadlines::met_at.is_null())
        .select(deadlines::id)
        .load(conn)?;
    forget_reminders(conn, &moved)?;
    diesel::update(
        deadlines::table
            .filter(deadlines::object_type.eq("assignment"))
            .filter(deadlines::object_id.eq(assignment_id))
            .filter(deadlines::kind.eq("reply"))
            .filter(deadlines::met_at.is_null()),
    )
    .set((deadlines::due_at.eq(due_at), deadlines::rule.eq(Span::Fixed(on).code()), deadlines::provisional.eq(false)))
    .execute(conn)?;
    Ok(())
}

/// How many lead or separate units of the proposal's current round still owe
/// their reply (neither submitted nor released).
pub fn replies_outstanding(conn: &mut DbConn, p: &ProposalRow) -> AppResult<i64> {
    Ok(assignments::table
        .filter(assignments::proposal_id.eq(&p.id))
        .filter(assignments::handling_round.eq(p.handling_round))
        .filter(assignments::unit_role.eq_any([UnitRole::Lead, UnitRole::Separate]))
        .filter(assignments::state.ne_all([AssignmentState::Done, AssignmentState::Returned]))
        .count()
        .get_result(conn)?)
}

/// Every reply of the round is in: the proposal is replied, the proposer's
/// rating window opens, and the round's other deadlines (return windows, an
/// opinion never sent) close with it.
pub fn open_rating(
    conn: &mut DbConn,
    p: &mut ProposalRow,
    now: NaiveDateTime,
    workflow: &WorkflowSettings,
    office: &OfficeTime,
) -> AppResult<()> {
    p.state = crate::domain::workflow::ProposalState::Replied;
    p.replied_at = Some(now);
    p.rating_due_at = Some(office.due_from(now, workflow.deadlines.rule(&p.kind, Stage::Rating)).at);
    close_all(conn, &p.id, now)
}

/// Every open deadline of the work on the proposal's assignments closes now
/// (its stage ended for every unit concerned). A B reply's commitments stay
/// open: they are followed up after the reply, until fulfilled.
pub fn close_all(conn: &mut DbConn, proposal_id: &str, now: NaiveDateTime) -> AppResult<()> {
    let ids = assignments::table.filter(assignments::proposal_id.eq(proposal_id)).select(assignments::id);
    diesel::update(
        deadlines::table
            .filter(deadlines::object_type.eq("assignment"))
            .filter(deadlines::object_id.eq_any(ids))
            .filter(deadlines::kind.ne(COMMITMENT))
            .filter(deadlines::met_at.is_null()),
    )
    .set(deadlines::met_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// The kind of deadline of a B reply's commitment (承诺事项).
pub const COMMITMENT: &str = "commitment";

/// B 类跟踪: each commitment of the reply just submitted is a deadline of
/// the assignment that made it, due at the end of its target day (a day the
/// unit chose: nothing is counted, so nothing is provisional).
pub fn open_commitments(
    conn: &mut DbConn,
    a: &AssignmentRow,
    reply_id: &str,
    office: &OfficeTime,
    now: NaiveDateTime,
) -> AppResult<Vec<DeadlineRow>> {
    let promised: Vec<(String, NaiveDate)> = commitments::table
        .filter(commitments::reply_id.eq(reply_id))
        .order(commitments::created_at.asc())
        .select((commitments::id, commitments::target_date))
        .load(conn)?;
    let mut opened = Vec::with_capacity(promised.len());
    for (commitment_id, target) in promised {
        let due = Due { on: target, at: office.end_of(target), provisional: false };
        let counted = Counted { due, from: office.today(now), rule: Some(Span::Fixed(target)) };
        let row = open(conn, a, COMMITMENT, counted, now)?;
        diesel::update(commitments::table.find(&commitment_id))
            .set(commitments::deadline_id.eq(&row.id))
            .execute(conn)?;
        opened.push(row);
    }
    Ok(opened)
}

/// The commitment is fulfilled (or its reply superseded): its deadline closes.
pub fn meet_commitment(conn: &mut DbConn, commitment_id: &str, now: NaiveDateTime) -> AppResult<()> {
    let deadline: Option<Option<String>> =
        commitments::table.find(commitment_id).select(commitments::deadline_id).first(conn).optional()?;
    if let Some(Some(id)) = deadline {
        diesel::update(deadlines::table.find(id).filter(deadlines::met_at.is_null()))
            .set(deadlines::met_at.eq(now))
            .execute(conn)?;
    }
    Ok(())
}

/// Every open commitment deadline of the proposal closes: the replies that
/// made them were rated 不满意 and are handled again.
pub fn close_commitments(conn: &mut DbConn, proposal_id: &str, now: NaiveDateTime) -> AppResult<()> {
    let ids = commitments::table
        .filter(commitments::proposal_id.eq(proposal_id))
        .filter(commitments::deadline_id.is_not_null())
        .select(commitments::deadline_id.assume_not_null());
    diesel::update(deadlines::table.filter(deadlines::id.eq_any(ids)).filter(deadlines::met_at.is_null()))
        .set(deadlines::met_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// How many open deadlines are provisional (their year has no calendar file yet).
pub fn provisional_count(db: &crate::db::Db) -> AppResult<i64> {
    let mut conn = db.get()?;
    Ok(deadlines::table
        .filter(deadlines::met_at.is_null())
        .filter(deadlines::provisional.eq(true))
        .count()
        .get_result(&mut conn)?)
}
