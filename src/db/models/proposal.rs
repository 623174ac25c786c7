//! Rows of the workflow's tables.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::domain::workflow::guards::{Grade, Satisfaction};
use crate::domain::workflow::{
    AssignmentState, ContactKind, CosignerStatus, KeyMode, ProposalState, RequestDecision, RequestKind, SubmitterType,
    UnitRole,
};

use crate::db::schema::{
    assignments, co_opinions, commitment_progress, commitments, contacts, proposal_cosigners, proposals, ratings,
    replies, unit_requests,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = proposals)]
pub struct ProposalRow {
    pub id: String,
    /// "proposal" (提案) or "suggestion" (人大代表建议).
    pub kind: String,
    pub session_id: Option<String>,
    pub number: Option<i32>,
    pub title: String,
    /// 案由
    pub reasons: String,
    /// 建议
    pub suggestions: String,
    pub topic: String,
    pub submitter_type: SubmitterType,
    pub proposer_id: String,
    pub entered_by_id: Option<String>,
    pub state: ProposalState,
    pub is_plenary: Option<bool>,
    pub is_key: bool,
    pub merged_into_id: Option<String>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub submitted_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub filed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub closed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub published_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub updated_at: NaiveDateTime,
    pub version: i32,
    /// The collective submitter's name (界别, 党派, 人民团体, 专门委员会).
    pub submitter_name: Option<String>,
    pub handling_round: i32,
    pub refusal_code: Option<String>,
    pub refusal_text: Option<String>,
    pub key_leader_id: Option<String>,
    /// 领办 or 督办.
    pub key_mode: Option<KeyMode>,
    pub withheld_reason: Option<String>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub replied_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub rating_due_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = proposal_cosigners)]
pub struct CosignerRow {
    pub proposal_id: String,
    pub user_id: String,
    pub status: CosignerStatus,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub invited_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub respond_by: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub responded_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = assignments)]
pub struct AssignmentRow {
    pub id: String,
    pub proposal_id: String,
    pub unit_id: String,
    pub unit_role: UnitRole,
    pub state: AssignmentState,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub assigned_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub due_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub signed_for_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub updated_at: NaiveDateTime,
    pub version: i32,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub return_window_ends_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub opinion_due_at: Option<NaiveDateTime>,
    pub contact_waiver: Option<String>,
    pub handling_round: i32,
    /// Why the office let the lead reply without this co-handling unit's opinion.
    pub opinion_waiver: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = replies)]
pub struct ReplyRow {
    pub id: String,
    pub proposal_id: String,
    pub assignment_id: String,
    pub grade: Option<Grade>,
    pub body: String,
    pub public_body: Option<String>,
    pub person_in_charge: Option<String>,
    pub drafted_by_id: Option<String>,
    pub signed_off_by_id: Option<String>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub signed_off_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub submitted_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub updated_at: NaiveDateTime,
    pub version: i32,
    pub handling_round: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = ratings)]
pub struct RatingRow {
    pub id: String,
    pub proposal_id: String,
    pub reply_id: Option<String>,
    pub rater_id: String,
    pub process_rating: Satisfaction,
    pub result_rating: Satisfaction,
    pub comment: Option<String>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub rated_at: NaiveDateTime,
    pub handling_round: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = contacts)]
pub struct ContactRow {
    pub id: String,
    pub assignment_id: String,
    pub proposal_id: String,
    pub kind: ContactKind,
    pub contacted_on: NaiveDate,
    pub summary: String,
    pub recorded_by_id: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = co_opinions)]
pub struct OpinionRow {
    pub id: String,
    pub assignment_id: String,
    pub proposal_id: String,
    pub body: String,
    pub sent_by_id: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub sent_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = unit_requests)]
pub struct UnitRequestRow {
    pub id: String,
    pub assignment_id: String,
    pub proposal_id: String,
    pub kind: RequestKind,
    pub reason: String,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub requested_due_at: Option<NaiveDateTime>,
    pub requested_by_id: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub requested_at: NaiveDateTime,
    pub decision: RequestDecision,
    pub decision_note: Option<String>,
    pub decided_by_id: Option<String>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = commitments)]
pub struct CommitmentRow {
    pub id: String,
    pub reply_id: String,
    pub proposal_id: String,
    pub description: String,
    pub target_date: NaiveDate,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub fulfilled_at: Option<NaiveDateTime>,
    pub fulfilled_by_id: Option<String>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = commitment_progress)]
pub struct ProgressRow {
    pub id: String,
    pub commitment_id: String,
    pub note: String,
    pub reported_by_id: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub reported_at: NaiveDateTime,
}
