//! The office's review and assignment: 立案 (numbered), 不立案, 转社情民意,
//! 并案, 重点提案 and 交办 to handling units with their deadlines.

use std::collections::HashSet;

use chrono::{Months, NaiveDate};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Ctx, begin, blocked};
use crate::db::DbConn;
use crate::db::backend_specific::next_number;
use crate::db::models::proposal::{AssignmentRow, ProposalRow};
use crate::db::schema::{assignments, committee_sessions, proposals, units, users};
use crate::domain::Role;
use crate::domain::deadlines::Stage;
use crate::domain::workflow::guards::Blocked;
use crate::domain::workflow::table::may_see;
use crate::domain::workflow::{Action, AssignmentState, KeyMode, ProposalState, UnitRole};
use crate::error::{AppError, AppResult};
use crate::ids::ProposalId;
use crate::proposals::access::state_of;
use crate::proposals::deadlines::AssignmentDues;
use crate::proposals::standing;
use crate::validate::Check;

/// The most units one assignment may name in each list.
const MAX_UNITS: usize = 20;
/// The longest note or reason the office writes here, in characters.
const MAX_NOTE_CHARS: usize = 500;
/// `refusal_code` of a proposal converted to a 社情民意 report.
const CONVERTED_CODE: &str = "converted";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseRequest {
    pub version: i32,
    /// One of the configured refusal reasons (`workflow.refusal_reasons`).
    pub reason_code: String,
    /// What the proposer is told, 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason_text: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertRequest {
    pub version: i32,
    /// The office's review note, 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    pub version: i32,
    /// The proposal it joins: same kind, filed (立案) and not yet closed.
    pub into_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkKeyRequest {
    pub version: i32,
    /// An active leader account.
    pub leader_id: String,
    /// "lead" (领办) or "supervise" (督办).
    #[schema(value_type = KeyMode)]
    pub mode: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub version: i32,
    /// 主办: the unit that writes the reply (with `co_unit_ids`).
    pub lead_unit_id: Option<String>,
    /// 会办: units that send their opinion to the lead unit.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub co_unit_ids: Vec<String>,
    /// 分办: two or more units, each replying for its part (no lead or co units).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub separate_unit_ids: Vec<String>,
    /// A fixed reply date (due at 23:59:59 that day in the office's time
    /// zone); after today and at most a year ahead. Without one: the
    /// session's 答复截止日 when it has one still ahead, else the configured rule.
    pub due_on: Option<NaiveDate>,
    /// Each unit its own date, by unit id (overrides `due_on` for that unit);
    /// the same limits as `due_on`.
    #[serde(default)]
    pub unit_due_on: std::collections::BTreeMap<String, NaiveDate>,
}

/// 立案: file the proposal and give it the next number of its kind in its session.
pub fn file(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, version: i32) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::File, Some(version))?;
    let before = &step.before;
    let Some(session_id) = before.session_id.clone() else {
        return Err(blocked(Blocked { code: "no_session", message_zh: "提案未归入届次会议，不能立案" }));
    };
    let number = next_number(conn, &before.kind, &session_id)?;
    let mut after = before.clone();
    after.number = Some(number);
    after.filed_at = Some(ctx.now);
    after.state = ProposalState::Filed;
    step.commit(conn, ctx, after, Some(json!({ "number": number, "session_id": session_id })))
}

/// 不立案: refuse filing, with one of the configured reason codes and a text the proposer reads.
pub fn refuse(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, body: RefuseRequest) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::RefuseFiling, Some(body.version))?;
    let before = &step.before;
    let mut check = Check::new();
    if !ctx.workflow.refusal_reasons.iter().any(|r| r.code == body.reason_code) {
        check.fail("reason_code", "invalid", "请选择不予立案的理由");
    }
    check.long_text("reason_text", &body.reason_text, 1, MAX_NOTE_CHARS);
    check.finish()?;
    let mut after = before.clone();
    after.refusal_code = Some(body.reason_code);
    after.refusal_text = Some(body.reason_text.trim().into());
    after.state = ProposalState::NotFiled;
    step.commit(conn, ctx, after, None)
}

/// 转社情民意: turn the proposal into a public-opinion report, with the office's note.
pub fn convert(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, body: ConvertRequest) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::Convert, Some(body.version))?;
    let before = &step.before;
    let mut check = Check::new();
    check.long_text("note", &body.note, 1, MAX_NOTE_CHARS);
    check.finish()?;
    let mut after = before.clone();
    after.refusal_code = Some(CONVERTED_CODE.into());
    after.refusal_text = Some(body.note.trim().into());
    after.state = ProposalState::Converted;
    step.commit(conn, ctx, after, None)
}

/// 并案: merge the proposal into a filed one of the same kind; its proposer then
/// stands as a proposer of that one and receives its reply.
pub fn merge(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, body: MergeRequest) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::Merge, Some(body.version))?;
    let before = &step.before;
    let target: Option<ProposalRow> = if crate::ids::is_id(&body.into_id) {
        proposals::table.find(&body.into_id).select(ProposalRow::as_select()).first(conn).optional()?
    } else {
        None
    };
    let Some(target) = target else {
        return Err(AppError::invalid_field("into_id", "not_found", "并入的提案不存在"));
    };
    let target_state = state_of(&target)?;
    if !may_see(&standing(conn, Some(ctx.user), &target, ctx.workflow, ctx.now)?, target_state) {
        return Err(AppError::invalid_field("into_id", "not_found", "并入的提案不存在"));
    }
    if target.id == before.id {
        return Err(AppError::invalid_field("into_id", "same_proposal", "不能并入自身"));
    }
    if target.kind != before.kind {
        return Err(AppError::invalid_field("into_id", "other_kind", "只能并入同一类别的提案"));
    }
    if !matches!(target_state, ProposalState::Filed | ProposalState::Handling | ProposalState::Replied) {
        return Err(AppError::invalid_field("into_id", "not_open", "只能并入已立案且尚未办结的提案"));
    }
    let mut after = before.clone();
    after.merged_into_id = Some(target.id.clone());
    after.state = ProposalState::Merged;
    let record = json!({ "into_id": target.id, "into_number": target.number });
    step.commit(conn, ctx, after, Some(record))
}

/// 重点提案: mark the proposal key, with the leader who leads (领办) or supervises (督办) it.
pub fn mark_key(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, body: MarkKeyRequest) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::MarkKey, Some(body.version))?;
    let before = &step.before;
    let mut check = Check::new();
    let leader: Option<(Role, bool)> = if crate::ids::is_id(&body.leader_id) {
        users::table.find(&body.leader_id).select((users::role, users::disabled)).first(conn).optional()?
    } else {
        None
    };
    if leader != Some((Role::Leader, false)) {
        check.fail("leader_id", "not_found", "须指定在册的领导");
    }
    let mode = KeyMode::parse(&body.mode);
    if mode.is_none() {
        check.fail("mode", "invalid", "方式应为 lead（领办）或 supervise（督办）");
    }
    check.finish()?;
    let mut after = before.clone();
    after.is_key = true;
    after.key_leader_id = Some(body.leader_id);
    after.key_mode = mode;
    step.commit(conn, ctx, after, None)
}

/// Which list a unit came from: its field name and the part it plays.
struct Named {
    unit_id: String,
    field: &'static str,
    role: UnitRole,
}

/// The units of an assignment in one of its two forms: a lead unit with any
/// co-handling units (主办/会办), or two or more separate units (分办).
fn assignment_form(body: &AssignRequest, today: NaiveDate) -> AppResult<Vec<Named>> {
    let mut check = Check::new();
    match &body.lead_unit_id {
        Some(_) => {
            if !body.separate_unit_ids.is_empty() {
                check.fail("separate_unit_ids", "mixed_forms", "主办/会办与分办只能选择一种");
            }
        }
        None => {
            if !body.co_unit_ids.is_empty() {
                check.fail("co_unit_ids", "lead_required", "会办单位须配合主办单位");
            }
            match body.separate_unit_ids.len() {
                0 if body.co_unit_ids.is_empty() => {
                    check.fail("lead_unit_id", "required", "请指定主办单位，或两个以上的分办单位")
                }
                1 => {
                    check.fail("separate_unit_ids", "too_few", "分办至少需要两个单位；只有一个单位时请作为主办单位交办")
                }
                _ => {}
            }
        }
    }
    for (field, list) in [("co_unit_ids", &body.co_unit_ids), ("separate_unit_ids", &body.separate_unit_ids)] {
        if list.len() > MAX_UNITS {
            check.fail(field, "too_many", format!("最多 {MAX_UNITS} 个单位"));
        }
    }
    let mut units: Vec<Named> = Vec::new();
    if let Some(lead) = &body.lead_unit_id {
        units.push(Named { unit_id: lead.clone(), field: "lead_unit_id", role: UnitRole::Lead });
    }
    units.extend(body.co_unit_ids.iter().map(|u| Named {
        unit_id: u.clone(),
        field: "co_unit_ids",
        role: UnitRole::Co,
    }));
    units.extend(body.separate_unit_ids.iter().map(|u| Named {
        unit_id: u.clone(),
        field: "separate_unit_ids",
        role: UnitRole::Separate,
    }));
    let mut seen = HashSet::new();
    let mut duplicated = HashSet::new();
    for u in &units {
        if !seen.insert(u.unit_id.as_str()) && duplicated.insert(u.field) {
            check.fail(u.field, "duplicate", "同一单位不能重复交办");
        }
    }
    let named: HashSet<&str> = units.iter().map(|u| u.unit_id.as_str()).collect();
    if body.unit_due_on.keys().any(|unit| !named.contains(unit.as_str())) {
        check.fail("unit_due_on", "not_assigned", "只能为本次交办的单位指定期限");
    }
    for (field, due_on) in
        body.due_on.iter().map(|d| ("due_on", *d)).chain(body.unit_due_on.values().map(|d| ("unit_due_on", *d)))
    {
        check.date(field, due_on);
        if due_on <= today {
            check.fail(field, "too_early", "答复期限须晚于今天");
        } else if today.checked_add_months(Months::new(12)).is_none_or(|limit| due_on > limit) {
            check.fail(field, "too_late", "答复期限不能超过一年");
        }
    }
    check.finish()?;
    Ok(units)
}

/// 交办: give the proposal to its handling units, each with its reply (or
/// opinion) deadline and its return window, recorded as deadlines to chase.
pub fn assign(conn: &mut DbConn, ctx: &Ctx, id: &ProposalId, body: AssignRequest) -> AppResult<ProposalRow> {
    let step = begin(conn, ctx, id, Action::Assign, Some(body.version))?;
    let before = &step.before;
    let now = ctx.now;
    let named = assignment_form(&body, ctx.office.today(now))?;
    let mut check = Check::new();
    let mut faulty = HashSet::new();
    for u in &named {
        let active: Option<bool> = if crate::ids::is_id(&u.unit_id) {
            units::table.find(&u.unit_id).select(units::active).first(conn).optional()?
        } else {
            None
        };
        if active != Some(true) && faulty.insert(u.field) {
            check.fail(u.field, "not_found", "承办单位不存在或已停用");
        }
        let live: i64 = assignments::table
            .filter(assignments::proposal_id.eq(&before.id))
            .filter(assignments::unit_id.eq(&u.unit_id))
            .filter(assignments::handling_round.eq(before.handling_round))
            .filter(assignments::state.ne(AssignmentState::Returned))
            .count()
            .get_result(conn)?;
        if live > 0 && faulty.insert(u.field) {
            check.fail(u.field, "already_assigned", "该单位已在办理此提案");
        }
    }
    check.finish()?;

    // A round after 不满意 (重新办理) counts the re-handling rule, with no return window.
    let stage = Stage::of_round(before.handling_round);
    // 答复截止日: the session's fixed day for first replies, while it is still ahead.
    let session_day = match (&before.session_id, stage) {
        (Some(session), Stage::Reply) => committee_sessions::table
            .find(session)
            .select(committee_sessions::replies_due_on)
            .first::<Option<NaiveDate>>(conn)
            .optional()?
            .flatten()
            .filter(|day| *day > ctx.office.today(now)),
        _ => None,
    };
    let mut created = Vec::new();
    let mut chased = Vec::new();
    for u in named {
        let dues = AssignmentDues::count(
            ctx.office,
            &ctx.workflow.deadlines,
            &before.kind,
            u.role,
            stage,
            now,
            body.unit_due_on.get(&u.unit_id).copied().or(body.due_on).or(session_day),
        );
        let row = AssignmentRow {
            id: crate::ids::new_id(),
            proposal_id: before.id.clone(),
            unit_id: u.unit_id,
            unit_role: u.role,
            state: AssignmentState::Assigned,
            assigned_at: now,
            due_at: dues.reply.due.at,
            signed_for_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
            return_window_ends_at: dues.return_window.map(|w| w.due.at),
            opinion_due_at: dues.opinion.map(|o| o.due.at),
            contact_waiver: None,
            opinion_waiver: None,
            handling_round: before.handling_round,
        };
        diesel::insert_into(assignments::table).values(&row).execute(conn)?;
        chased.extend(crate::proposals::deadlines::open_for_assignment(conn, &row, &dues, now)?);
        created.push(row);
    }
    let mut after = before.clone();
    after.state = ProposalState::Handling;
    let record = json!({ "assignments": created, "deadlines": chased });
    step.commit(conn, ctx, after, Some(record))
}
