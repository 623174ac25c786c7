//! What the API shows of a proposal: the whole of it to those who may see it
//! whole, with what they may do next; sub-records by who needs them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::access::state_of;
use super::numbering::label;
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::direct::on_backend;
use crate::db::models::attachment::AttachmentMeta;
use crate::db::models::proposal::{
    AssignmentRow, CommitmentRow, ContactRow, CosignerRow, OpinionRow, ProposalRow, RatingRow, ReplyRow, UnitRequestRow,
};
use crate::db::schema::{
    assignments, co_opinions, commitments, committee_sessions, contacts, deadlines, proposal_attachments,
    proposal_cosigners, ratings, replies, unit_requests, units, users,
};
use crate::domain::Role;
use crate::domain::workflow::{Action, KeyMode, ProposalState, Standing, SubmitterType, allowed_actions};
use crate::error::AppResult;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: String,
    /// "proposal" (提案) or "suggestion" (建议).
    pub kind: String,
    /// The kind's word: 提案 or 建议.
    pub kind_noun: String,
    pub number: Option<i32>,
    /// e.g. 一届一次会议第12号提案
    pub number_label: Option<String>,
    pub session_id: Option<String>,
    pub session_name: Option<String>,
    pub title: String,
    pub reasons: String,
    pub suggestions: String,
    pub topic: String,
    pub submitter_type: SubmitterType,
    pub submitter_name: Option<String>,
    pub proposer_id: String,
    pub proposer_name: String,
    pub entered_by_id: Option<String>,
    pub state: ProposalState,
    pub state_label: String,
    pub is_plenary: Option<bool>,
    pub is_key: bool,
    pub key_leader_id: Option<String>,
    pub key_mode: Option<KeyMode>,
    pub merged_into_id: Option<String>,
    pub handling_round: i32,
    pub refusal_code: Option<String>,
    /// The configured wording of `refusal_code` (`workflow.refusal_reasons`), which the proposer reads.
    pub refusal_label: Option<String>,
    pub refusal_text: Option<String>,
    pub withheld_reason: Option<String>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub submitted_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub filed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub replied_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub rating_due_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub closed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub published_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub updated_at: NaiveDateTime,
    pub version: i32,
    /// What the caller may do now.
    pub allowed_actions: Vec<Action>,
    pub cosigners: Vec<CosignerRow>,
    pub assignments: Vec<AssignmentView>,
    /// Submitted replies, and the caller's own unit's drafts.
    pub replies: Vec<ReplyRow>,
    pub ratings: Vec<RatingRow>,
    /// Contacts, opinions and requests: for the office and the assigned units.
    pub contacts: Vec<ContactRow>,
    pub opinions: Vec<OpinionRow>,
    pub requests: Vec<UnitRequestRow>,
    pub commitments: Vec<CommitmentRow>,
    /// The files attached to the proposal (metadata; the bytes are downloaded one by one).
    pub attachments: Vec<AttachmentMeta>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    #[serde(flatten)]
    pub assignment: AssignmentRow,
    pub unit_name: String,
    /// An open deadline of this assignment runs through a year whose
    /// calendar is not published yet: counted on plain weekdays, to be
    /// counted again when the year's calendar file is added.
    pub provisional: bool,
}

/// A short line for lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalListItem {
    pub id: String,
    pub kind: String,
    pub number: Option<i32>,
    pub number_label: Option<String>,
    pub title: String,
    pub state: ProposalState,
    pub state_label: String,
    pub is_key: bool,
    pub proposer_name: String,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub submitted_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

fn session_name(conn: &mut DbConn, id: &Option<String>) -> AppResult<Option<String>> {
    Ok(match id {
        Some(id) => on_backend!(conn, |c| committee_sessions::table.find(id).select(committee_sessions::name).first(c))
            .optional()?,
        None => None,
    })
}

fn user_name(conn: &mut DbConn, id: &str) -> AppResult<String> {
    Ok(on_backend!(conn, |c| users::table.find(id).select(users::display_name).first(c))
        .optional()?
        .unwrap_or_default())
}

pub fn list_item(conn: &mut DbConn, p: ProposalRow, settings: &WorkflowSettings) -> AppResult<ProposalListItem> {
    let state = state_of(&p)?;
    let session = session_name(conn, &p.session_id)?;
    Ok(ProposalListItem {
        number_label: p.number.zip(session).map(|(n, s)| label(&s, n, settings.noun(&p.kind))),
        proposer_name: user_name(conn, &p.proposer_id)?,
        id: p.id,
        kind: p.kind,
        number: p.number,
        title: p.title,
        state,
        state_label: state.label_zh().into(),
        is_key: p.is_key,
        submitted_at: p.submitted_at,
        updated_at: p.updated_at,
        version: p.version,
    })
}

pub fn full(
    conn: &mut DbConn,
    p: ProposalRow,
    standing: &Standing,
    unit_id: Option<&str>,
    settings: &WorkflowSettings,
) -> AppResult<ProposalView> {
    let state = state_of(&p)?;
    let session = session_name(conn, &p.session_id)?;
    let insider = standing.is(Role::Office) || standing.unit_role.is_some();
    let cosigners = on_backend!(conn, |c| {
        proposal_cosigners::table
            .filter(proposal_cosigners::proposal_id.eq(&p.id))
            .order(proposal_cosigners::invited_at.asc())
            .select(CosignerRow::as_select())
            .load(c)
    })?;
    let assignment_rows: Vec<(AssignmentRow, String)> = on_backend!(conn, |c| {
        assignments::table
            .inner_join(units::table)
            .filter(assignments::proposal_id.eq(&p.id))
            .order(assignments::assigned_at.asc())
            .select((AssignmentRow::as_select(), units::name))
            .load(c)
    })?;
    let provisional: Vec<String> = on_backend!(conn, |c| {
        deadlines::table
            .filter(deadlines::object_type.eq("assignment"))
            .filter(deadlines::object_id.eq_any(assignment_rows.iter().map(|(a, _)| a.id.clone())))
            .filter(deadlines::provisional.eq(true))
            .filter(deadlines::met_at.is_null())
            .select(deadlines::object_id)
            .load(c)
    })?;
    let own_assignments: Vec<String> = assignment_rows
        .iter()
        .filter(|(a, _)| Some(a.unit_id.as_str()) == unit_id)
        .map(|(a, _)| a.id.clone())
        .collect();
    let replies = on_backend!(conn, |c| {
        replies::table
            .filter(replies::proposal_id.eq(&p.id))
            .order(replies::created_at.asc())
            .select(ReplyRow::as_select())
            .load(c)
    })?
    .into_iter()
    .filter(|r| r.submitted_at.is_some() || own_assignments.contains(&r.assignment_id))
    .collect();
    let ratings = on_backend!(conn, |c| {
        ratings::table
            .filter(ratings::proposal_id.eq(&p.id))
            .order(ratings::rated_at.asc())
            .select(RatingRow::as_select())
            .load(c)
    })?;
    let (contacts, opinions, requests) = if insider {
        (
            on_backend!(conn, |c| {
                contacts::table
                    .filter(contacts::proposal_id.eq(&p.id))
                    .order(contacts::created_at.asc())
                    .select(ContactRow::as_select())
                    .load(c)
            })?,
            on_backend!(conn, |c| {
                co_opinions::table
                    .filter(co_opinions::proposal_id.eq(&p.id))
                    .order(co_opinions::sent_at.asc())
                    .select(OpinionRow::as_select())
                    .load(c)
            })?,
            on_backend!(conn, |c| {
                unit_requests::table
                    .filter(unit_requests::proposal_id.eq(&p.id))
                    .order(unit_requests::requested_at.asc())
                    .select(UnitRequestRow::as_select())
                    .load(c)
            })?,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let commitments = on_backend!(conn, |c| {
        commitments::table
            .filter(commitments::proposal_id.eq(&p.id))
            .order(commitments::target_date.asc())
            .select(CommitmentRow::as_select())
            .load(c)
    })?;
    let attachments = attachments_of(conn, &p.id)?;
    let refusal_label = p
        .refusal_code
        .as_deref()
        .and_then(|code| settings.refusal_reasons.iter().find(|r| r.code == code))
        .map(|r| r.label.clone());
    Ok(ProposalView {
        refusal_label,
        number_label: p.number.zip(session.clone()).map(|(n, s)| label(&s, n, settings.noun(&p.kind))),
        kind_noun: settings.noun(&p.kind).to_string(),
        session_name: session,
        proposer_name: user_name(conn, &p.proposer_id)?,
        allowed_actions: allowed_actions(state, standing),
        state,
        state_label: state.label_zh().into(),
        cosigners,
        assignments: assignment_rows
            .into_iter()
            .map(|(assignment, unit_name)| {
                let provisional = provisional.contains(&assignment.id);
                AssignmentView { assignment, unit_name, provisional }
            })
            .collect(),
        replies,
        ratings,
        contacts,
        opinions,
        requests,
        commitments,
        attachments,
        id: p.id,
        kind: p.kind,
        number: p.number,
        session_id: p.session_id,
        title: p.title,
        reasons: p.reasons,
        suggestions: p.suggestions,
        topic: p.topic,
        submitter_type: p.submitter_type,
        submitter_name: p.submitter_name,
        proposer_id: p.proposer_id,
        entered_by_id: p.entered_by_id,
        is_plenary: p.is_plenary,
        is_key: p.is_key,
        key_leader_id: p.key_leader_id,
        key_mode: p.key_mode,
        merged_into_id: p.merged_into_id,
        handling_round: p.handling_round,
        refusal_code: p.refusal_code,
        refusal_text: p.refusal_text,
        withheld_reason: p.withheld_reason,
        submitted_at: p.submitted_at,
        filed_at: p.filed_at,
        replied_at: p.replied_at,
        rating_due_at: p.rating_due_at,
        closed_at: p.closed_at,
        published_at: p.published_at,
        created_at: p.created_at,
        updated_at: p.updated_at,
        version: p.version,
    })
}

/// A proposal's attachments, oldest first, without their bytes.
pub fn attachments_of(conn: &mut DbConn, proposal_id: &str) -> AppResult<Vec<AttachmentMeta>> {
    Ok(on_backend!(conn, |c| {
        proposal_attachments::table
            .filter(proposal_attachments::proposal_id.eq(proposal_id))
            .order((proposal_attachments::created_at.asc(), proposal_attachments::id.asc()))
            .select(AttachmentMeta::as_select())
            .load(c)
    })?)
}
