use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{committee_sessions, committee_terms};

/// 届: a committee term.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = committee_terms)]
pub struct TermRow {
    pub id: String,
    pub number: i32,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

/// 次会议: a session of a term. Proposals submitted within the plenary window
/// are plenary proposals (大会提案); others are between-session (平时提案).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = committee_sessions)]
pub struct SessionRow {
    pub id: String,
    pub term_id: String,
    pub number: i32,
    pub name: String,
    pub opens_on: NaiveDate,
    pub plenary_window_start: NaiveDate,
    pub plenary_window_end: NaiveDate,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub updated_at: NaiveDateTime,
    pub version: i32,
    /// 答复截止日: the day every first reply of this session's proposals is
    /// due, when the office fixes one (instead of `workflow.deadlines.reply`).
    pub replies_due_on: Option<NaiveDate>,
}
