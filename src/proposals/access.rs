//! The one path every proposal action takes: load, stand, decide, change, audit.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::audit::{self, Change};
use crate::auth::AuthUser;
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::direct::on_backend;
use crate::db::models::proposal::ProposalRow;
use crate::db::prepared::execute_kept;
use crate::db::schema::{assignments, proposal_cosigners, proposals};
use crate::domain::Role;
use crate::domain::workflow::table::Leads;
use crate::domain::workflow::{
    Action, AssignmentState, CosignerStatus, KeyMode, ProposalState, Refusal, Standing, UnitRole, decide,
};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::ids::ProposalId;

pub use crate::acting::Ctx;

pub fn load(conn: &mut DbConn, id: &str) -> AppResult<ProposalRow> {
    if !crate::ids::is_id(id) {
        return Err(AppError::not_found());
    }
    Ok(on_backend!(conn, |c| proposals::table.find(id).select(ProposalRow::as_select()).first(c))?)
}

/// The proposal's state (typed since it was read: an unknown one was refused then).
pub fn state_of(p: &ProposalRow) -> AppResult<ProposalState> {
    Ok(p.state)
}

/// How `user` stands to `p`. A member who proposed a proposal merged into
/// this one stands as its proposer: each merged proposer receives the reply.
pub fn standing(
    conn: &mut DbConn,
    user: Option<&AuthUser>,
    p: &ProposalRow,
    workflow: &WorkflowSettings,
    now: NaiveDateTime,
) -> AppResult<Standing> {
    let Some(user) = user else { return Ok(Standing::public()) };
    let mut s = Standing::of(user.role);
    match user.role {
        Role::Member => {
            s.is_proposer = p.proposer_id == user.id || {
                let merged: i64 = on_backend!(conn, |c| {
                    proposals::table
                        .filter(proposals::merged_into_id.eq(&p.id))
                        .filter(proposals::proposer_id.eq(&user.id))
                        .count()
                        .get_result(c)
                })?;
                merged > 0
            };
            let invited: i64 = on_backend!(conn, |c| {
                proposal_cosigners::table
                    .filter(proposal_cosigners::proposal_id.eq(&p.id))
                    .filter(proposal_cosigners::user_id.eq(&user.id))
                    // An invitation counts once confirmed, or while it may still be
                    // answered: one left unanswered past its window drops off (落选).
                    .filter(
                        proposal_cosigners::status.eq(CosignerStatus::Confirmed).or(proposal_cosigners::status
                            .eq(CosignerStatus::Invited)
                            .and(proposal_cosigners::respond_by.ge(now))),
                    )
                    .count()
                    .get_result(c)
            })?;
            s.is_cosigner = invited > 0;
            if s.is_cosigner && workflow.cosigners_rate {
                let confirmed: i64 = on_backend!(conn, |c| {
                    proposal_cosigners::table
                        .filter(proposal_cosigners::proposal_id.eq(&p.id))
                        .filter(proposal_cosigners::user_id.eq(&user.id))
                        .filter(proposal_cosigners::status.eq(CosignerStatus::Confirmed))
                        .count()
                        .get_result(c)
                })?;
                s.cosigner_rates = confirmed > 0;
            }
        }
        Role::UnitStaff | Role::UnitHead => {
            if let Some(unit) = &user.unit_id {
                let role: Option<String> = on_backend!(conn, |c| {
                    assignments::table
                        .filter(assignments::proposal_id.eq(&p.id))
                        .filter(assignments::unit_id.eq(unit))
                        .filter(assignments::state.ne(AssignmentState::Returned))
                        .select(assignments::unit_role)
                        .first(c)
                })
                .optional()?;
                s.unit_role = role.as_deref().and_then(UnitRole::parse);
            }
        }
        Role::Leader => s.is_key_leader = p.is_key && p.key_leader_id.as_deref() == Some(user.id.as_str()),
        Role::Office | Role::Admin => {}
    }
    Ok(s)
}

/// An action that may go ahead: the proposal as it was, how the caller stands
/// to it, and the action itself, named once here and committed by [`Step::commit`].
pub struct Step {
    pub action: Action,
    pub before: ProposalRow,
    pub standing: Standing,
}

/// Loads the proposal and checks that the caller may take `action` now
/// (404 when they may not see it, 403 when it is not theirs, 409 with the
/// current state and the allowed actions when the state is wrong, 409 when
/// `version` is stale).
pub fn begin(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, action: Action, version: Option<i32>) -> AppResult<Step> {
    let p = load(conn, id.as_str())?;
    let standing = standing(conn, Some(ctx.user), &p, ctx.workflow, ctx.now)?;
    if ctx.user.must_change_password {
        return Err(AppError::forbidden().with_detail("请先修改初始密码"));
    }
    match decide(action, state_of(&p)?, &standing) {
        Ok(_) => {}
        Err(Refusal::Hidden) => return Err(AppError::not_found()),
        Err(Refusal::NotPermitted) => return Err(AppError::forbidden()),
        Err(Refusal::WrongState { current, allowed }) => return Err(wrong_state(current, &allowed)),
    }
    if let Some(v) = version
        && v != p.version
    {
        return Err(AppError::stale(p.version));
    }
    Ok(Step { action, before: p, standing })
}

impl Step {
    /// Saves the proposal's new row (version + 1, refused if someone else saved
    /// first), records the action's one audit event, with any sub-record it
    /// created or changed as `record`, and writes the notices the action sends.
    pub fn commit(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        after: ProposalRow,
        record: Option<Value>,
    ) -> AppResult<ProposalRow> {
        self.commit_as(conn, ctx, &audit_action(self.action), after, record)
    }

    /// [`Step::commit`], with the audit event named `audit_name` instead of the
    /// action's own name: for a change the table permits as part of a wider
    /// action (e.g. `proposal.attachment_added` under `edit_draft`).
    pub fn commit_as(
        &self,
        conn: &mut DbConn,
        ctx: &Ctx,
        audit_name: &str,
        mut after: ProposalRow,
        record: Option<Value>,
    ) -> AppResult<ProposalRow> {
        let (action, before) = (self.action, &self.before);
        let from = state_of(before)?;
        let to = state_of(&after)?;
        let fits = match crate::domain::workflow::table::leads_to(action) {
            Leads::Stays => from == to,
            Leads::To(s) => s == to,
            Leads::Depends(options) => options.contains(&to),
        };
        if !fits {
            return Err(AppError::internal(format!(
                "{} may not lead from {} to {}",
                action.as_str(),
                from.as_str(),
                to.as_str()
            )));
        }
        after.version = before.version + 1;
        after.updated_at = ctx.now;
        // Kept prepared: an action changes the same columns each time, so its few texts repeat.
        let saved = execute_kept(
            conn,
            diesel::update(proposals::table.find(&before.id).filter(proposals::version.eq(before.version)))
                .set(ProposalChanges::between(before, &after)),
        )?;
        if saved == 0 {
            return Err(AppError::stale(before.version));
        }
        let (was, now_is) = what_changed(before, &after);
        let mut after_json = json!({ "proposal": now_is });
        if let Some(r) = record {
            after_json["record"] = r;
        }
        let change = Change::new(audit_name.to_string(), "proposal", before.id.clone())
            .before(json!({ "proposal": was }))
            .after(after_json);
        crate::notify::after_action(conn, ctx, action, from, to, &after)?;
        // Last: on PostgreSQL the event holds the audit chain's lock until the
        // commit, and every other write waits for it meanwhile.
        audit::record(conn, &ctx.user.actor(), ctx.origin, change, ctx.now)?;
        Ok(after)
    }
}

fn wrong_state(current: ProposalState, allowed: &[Action]) -> AppError {
    AppError::new(ErrorKind::InvalidTransition)
        .with_detail(format!("当前状态为「{}」", current.label_zh()))
        .with_extra("current_state", json!(current.as_str()))
        .with_extra("allowed_actions", json!(allowed.iter().map(|a| a.as_str()).collect::<Vec<_>>()))
}

/// A rule beyond the table stopped the action (409 with its code).
pub fn blocked(b: crate::domain::workflow::guards::Blocked) -> AppError {
    AppError::new(ErrorKind::InvalidTransition).with_detail(b.message_zh).with_extra("rule", json!(b.code))
}

/// The stable audit action name of a workflow action, e.g. `proposal.file`.
pub fn audit_action(action: Action) -> String {
    format!("proposal.{}", action.as_str())
}

/// What the audit trail keeps of an action on a proposal: each column it
/// changed, with its value before and after (the event that created the
/// proposal holds every column, so the whole record can be followed from
/// there). Only the changes: a proposal's texts run to pages, and writing
/// and hashing them twice on every action was an eighth of a submit's time.
fn what_changed(before: &ProposalRow, after: &ProposalRow) -> (Value, Value) {
    // The texts are the bulk of a row and most actions leave them as they
    // were: the rows are compared without them (a copy is cheaper than
    // turning pages of text into JSON twice), and each text on its own.
    let (Ok(Value::Object(mut was)), Ok(Value::Object(mut now_is))) =
        (serde_json::to_value(without_texts(before)), serde_json::to_value(without_texts(after)))
    else {
        return (Value::Null, Value::Null);
    };
    was.retain(|column, value| now_is.get(column) != Some(value));
    now_is.retain(|column, _| was.contains_key(column));
    for (column, old, new) in [
        ("title", &before.title, &after.title),
        ("reasons", &before.reasons, &after.reasons),
        ("suggestions", &before.suggestions, &after.suggestions),
        ("topic", &before.topic, &after.topic),
    ] {
        if old != new {
            was.insert(column.into(), Value::String(old.clone()));
            now_is.insert(column.into(), Value::String(new.clone()));
        }
    }
    (Value::Object(was), Value::Object(now_is))
}

/// `p` with its texts left empty, for [`what_changed`].
fn without_texts(p: &ProposalRow) -> ProposalRow {
    ProposalRow {
        title: String::new(),
        reasons: String::new(),
        suggestions: String::new(),
        topic: String::new(),
        ..p.clone()
    }
}

/// The columns a workflow action changed, and only those: SQLite rewrites
/// the entries of every index over a column an UPDATE sets, even to the same
/// value, and `proposals` has a dozen (a fifth of a submit's time in a perf
/// profile when every column was set). `None` leaves a column as it is;
/// `Some(None)` clears a nullable one.
#[derive(AsChangeset)]
#[diesel(table_name = proposals)]
struct ProposalChanges<'a> {
    session_id: Option<Option<&'a str>>,
    number: Option<Option<i32>>,
    title: Option<&'a str>,
    reasons: Option<&'a str>,
    suggestions: Option<&'a str>,
    topic: Option<&'a str>,
    state: Option<ProposalState>,
    is_plenary: Option<Option<bool>>,
    is_key: Option<bool>,
    merged_into_id: Option<Option<&'a str>>,
    submitted_at: Option<Option<NaiveDateTime>>,
    filed_at: Option<Option<NaiveDateTime>>,
    closed_at: Option<Option<NaiveDateTime>>,
    published_at: Option<Option<NaiveDateTime>>,
    updated_at: Option<NaiveDateTime>,
    version: Option<i32>,
    handling_round: Option<i32>,
    refusal_code: Option<Option<&'a str>>,
    refusal_text: Option<Option<&'a str>>,
    key_leader_id: Option<Option<&'a str>>,
    key_mode: Option<Option<KeyMode>>,
    withheld_reason: Option<Option<&'a str>>,
    replied_at: Option<Option<NaiveDateTime>>,
    rating_due_at: Option<Option<NaiveDateTime>>,
}

/// `after`'s value of a column where it differs from `before`'s.
fn changed<T: PartialEq>(before: T, after: T) -> Option<T> {
    (before != after).then_some(after)
}

impl<'a> ProposalChanges<'a> {
    fn between(b: &'a ProposalRow, a: &'a ProposalRow) -> Self {
        ProposalChanges {
            session_id: changed(b.session_id.as_deref(), a.session_id.as_deref()),
            number: changed(b.number, a.number),
            title: changed(b.title.as_str(), a.title.as_str()),
            reasons: changed(b.reasons.as_str(), a.reasons.as_str()),
            suggestions: changed(b.suggestions.as_str(), a.suggestions.as_str()),
            topic: changed(b.topic.as_str(), a.topic.as_str()),
            state: changed(b.state, a.state),
            is_plenary: changed(b.is_plenary, a.is_plenary),
            is_key: changed(b.is_key, a.is_key),
            merged_into_id: changed(b.merged_into_id.as_deref(), a.merged_into_id.as_deref()),
            submitted_at: changed(b.submitted_at, a.submitted_at),
            filed_at: changed(b.filed_at, a.filed_at),
            closed_at: changed(b.closed_at, a.closed_at),
            published_at: changed(b.published_at, a.published_at),
            updated_at: changed(b.updated_at, a.updated_at),
            version: changed(b.version, a.version),
            handling_round: changed(b.handling_round, a.handling_round),
            refusal_code: changed(b.refusal_code.as_deref(), a.refusal_code.as_deref()),
            refusal_text: changed(b.refusal_text.as_deref(), a.refusal_text.as_deref()),
            key_leader_id: changed(b.key_leader_id.as_deref(), a.key_leader_id.as_deref()),
            key_mode: changed(b.key_mode, a.key_mode),
            withheld_reason: changed(b.withheld_reason.as_deref(), a.withheld_reason.as_deref()),
            replied_at: changed(b.replied_at, a.replied_at),
            rating_due_at: changed(b.rating_due_at, a.rating_due_at),
        }
    }
}
