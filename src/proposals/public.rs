//! What everybody may read without signing in: published proposals and the
//! public versions of their replies. Nothing else of a proposal leaves here:
//! never a reply's internal text, its person in charge, contacts or ratings.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::schema::{assignments, committee_sessions, proposals, replies, sectors, units, users};
use crate::domain::workflow::guards::Grade;
use crate::domain::workflow::{KeyMode, ProposalState};
use crate::error::{AppError, AppResult};
use crate::ids::ProposalId;
use crate::proposals::numbering::label;

/// Filters of the public list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PublicQuery {
    /// 会议: the session it was filed in.
    pub session_id: Option<String>,
    /// 界别: the proposer's sector.
    pub sector_id: Option<String>,
    /// A unit that handled it.
    pub unit_id: Option<String>,
    /// A grade one of its replies was given.
    pub grade: Option<Grade>,
    /// Key proposals (重点提案) only, or none of them.
    pub key: Option<bool>,
    /// "proposal" or "suggestion".
    pub kind: Option<String>,
    /// 全文检索: words that must appear, as written, in the title, 案由, 建议
    /// or a reply's public version (1 to 50 characters); words separated by
    /// spaces must all appear.
    #[param(min_length = 1, max_length = 50)]
    pub q: Option<String>,
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// A published proposal in the public list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicListItem {
    pub id: String,
    /// e.g. 一届一次会议第12号提案
    pub number_label: Option<String>,
    pub title: String,
    /// The proposer's name, or the collective submitter's (e.g. 民盟区委).
    pub submitter: String,
    /// The proposer's sector (界别).
    pub sector: Option<String>,
    pub is_key: bool,
    /// The grades of its replies (A, B or C).
    pub grades: Vec<Grade>,
    /// The units that handled it.
    pub units: Vec<String>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub published_at: Option<NaiveDateTime>,
}

/// A published proposal as the public reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicProposal {
    pub id: String,
    pub number_label: Option<String>,
    pub title: String,
    /// 案由
    pub reasons: String,
    /// 建议
    pub suggestions: String,
    pub topic: String,
    pub submitter: String,
    pub sector: Option<String>,
    pub session_name: Option<String>,
    pub is_key: bool,
    /// How a key proposal was followed: `lead` (领办, by a government leader)
    /// or `supervise` (督办, by a committee leader); none for other proposals.
    pub key_mode: Option<KeyMode>,
    /// 领办 or 督办.
    pub key_mode_label: Option<String>,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub published_at: Option<NaiveDateTime>,
    pub replies: Vec<PublicReply>,
}

/// A session, sector or unit the public list can be filtered by.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicChoice {
    pub id: String,
    pub name: String,
}

/// The public version of a reply (答复公开稿).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicReply {
    pub unit_name: String,
    pub grade: Option<Grade>,
    pub public_body: String,
    #[serde(serialize_with = "crate::timestamps::utc_opt")]
    pub submitted_at: Option<NaiveDateTime>,
}

/// The columns of a proposal the public answers are built from, with its
/// proposer's name and sector and its session (one query).
#[derive(Queryable)]
pub struct Head {
    pub id: String,
    pub kind: String,
    pub number: Option<i32>,
    pub title: String,
    pub submitter_type: String,
    pub submitter_name: Option<String>,
    pub is_key: bool,
    pub published_at: Option<NaiveDateTime>,
    pub handling_round: i32,
    /// The proposer's display name.
    pub proposer: Option<String>,
    /// The proposer's sector's name.
    pub sector: Option<String>,
    pub session: Option<String>,
    pub session_id: Option<String>,
    pub sector_id: Option<String>,
}

impl Head {
    /// The proposal's line in the public list.
    pub fn into_item(self, workflow: &WorkflowSettings, grades: Vec<Grade>, units: Vec<String>) -> PublicListItem {
        PublicListItem {
            number_label: number_label(workflow, &self.kind, self.number, self.session.as_deref()),
            submitter: submitter(&self.submitter_type, self.submitter_name, self.proposer),
            sector: self.sector,
            is_key: self.is_key,
            grades,
            units,
            published_at: self.published_at,
            title: self.title,
            id: self.id,
        }
    }
}

/// reasons, suggestions, topic, key mode: what the detail adds to [`Head`].
type Body = (String, String, String, Option<String>);

/// unit name, grade, public body, submitted at (none of them for a proposal without a reply)
type ReplyLine = (Option<String>, Option<String>, Option<String>, Option<NaiveDateTime>);

/// The columns of [`Head`].
type HeadColumns = (
    proposals::id,
    proposals::kind,
    proposals::number,
    proposals::title,
    proposals::submitter_type,
    proposals::submitter_name,
    proposals::is_key,
    proposals::published_at,
    proposals::handling_round,
    diesel::dsl::Nullable<users::display_name>,
    diesel::dsl::Nullable<sectors::name>,
    diesel::dsl::Nullable<committee_sessions::name>,
    proposals::session_id,
    diesel::dsl::Nullable<users::sector_id>,
);

pub fn not_published() -> AppError {
    AppError::not_found().with_detail("该提案不存在或尚未公开")
}

fn submitter(submitter_type: &str, submitter_name: Option<String>, proposer: Option<String>) -> String {
    match submitter_name {
        Some(name) if submitter_type != "member" => name,
        _ => proposer.unwrap_or_default(),
    }
}

fn number_label(workflow: &WorkflowSettings, kind: &str, number: Option<i32>, session: Option<&str>) -> Option<String> {
    number.zip(session).map(|(n, s)| label(s, n, workflow.noun(kind)))
}

/// The heads of those of `ids` that are published.
pub fn heads_of(conn: &mut DbConn, ids: &[String]) -> AppResult<Vec<Head>> {
    Ok(proposals::table
        .left_join(users::table.on(users::id.eq(proposals::proposer_id)))
        .left_join(sectors::table.on(sectors::id.nullable().eq(users::sector_id)))
        .left_join(committee_sessions::table.on(committee_sessions::id.nullable().eq(proposals::session_id)))
        .filter(proposals::id.eq_any(ids))
        .filter(proposals::state.eq(ProposalState::Published))
        .select(head_columns())
        .load(conn)?)
}

fn head_columns() -> HeadColumns {
    (
        proposals::id,
        proposals::kind,
        proposals::number,
        proposals::title,
        proposals::submitter_type,
        proposals::submitter_name,
        proposals::is_key,
        proposals::published_at,
        proposals::handling_round,
        users::display_name.nullable(),
        sectors::name.nullable(),
        committee_sessions::name.nullable(),
        proposals::session_id,
        users::sector_id.nullable(),
    )
}

/// One published proposal with the public versions of its replies. Anything
/// not published answers 404, as if it did not exist.
pub fn one(conn: &mut DbConn, id: &ProposalId, workflow: &WorkflowSettings) -> AppResult<PublicProposal> {
    // One query, a row per submitted reply of the current round (or one row
    // without a reply): a reader's first look at a proposal is one round trip.
    let found: Vec<(Body, Head, ReplyLine)> = proposals::table
        .left_join(users::table.on(users::id.eq(proposals::proposer_id)))
        .left_join(sectors::table.on(sectors::id.nullable().eq(users::sector_id)))
        .left_join(committee_sessions::table.on(committee_sessions::id.nullable().eq(proposals::session_id)))
        .left_join(
            replies::table.on(replies::proposal_id
                .eq(proposals::id)
                .and(replies::handling_round.eq(proposals::handling_round))
                .and(replies::submitted_at.is_not_null())),
        )
        .left_join(assignments::table.on(assignments::id.nullable().eq(replies::assignment_id.nullable())))
        .left_join(units::table.on(units::id.nullable().eq(assignments::unit_id.nullable())))
        .filter(proposals::id.eq(id.as_str()))
        .filter(proposals::state.eq(ProposalState::Published))
        .order((replies::submitted_at.asc(), replies::id.asc()))
        .select((
            (proposals::reasons, proposals::suggestions, proposals::topic, proposals::key_mode),
            head_columns(),
            (
                units::name.nullable(),
                replies::grade.nullable(),
                replies::public_body.nullable(),
                replies::submitted_at.nullable(),
            ),
        ))
        .load(conn)?;
    let mut rows = found.into_iter();
    let Some(((reasons, suggestions, topic, key_mode), head, first)) = rows.next() else {
        return Err(not_published());
    };
    let rows: Vec<ReplyLine> = std::iter::once(first).chain(rows.map(|(_, _, line)| line)).collect();
    let Head {
        id,
        kind,
        number,
        title,
        submitter_type,
        submitter_name,
        is_key,
        published_at,
        proposer,
        sector,
        session,
        ..
    } = head;
    let replies = rows
        .into_iter()
        .filter_map(|(unit_name, grade, public_body, submitted_at)| {
            // The row of a proposal without a reply has no unit.
            let unit_name = unit_name?;
            let public_body = public_body.filter(|b| !b.trim().is_empty())?;
            Some(PublicReply { unit_name, grade: grade.as_deref().and_then(Grade::parse), public_body, submitted_at })
        })
        .collect();
    Ok(PublicProposal {
        number_label: number_label(workflow, &kind, number, session.as_deref()),
        submitter: submitter(&submitter_type, submitter_name, proposer),
        session_name: session,
        id,
        title,
        reasons,
        suggestions,
        topic,
        sector,
        key_mode: key_mode.as_deref().and_then(KeyMode::parse).filter(|_| is_key),
        key_mode_label: key_mode
            .as_deref()
            .and_then(KeyMode::parse)
            .filter(|_| is_key)
            .map(|m| m.label_zh().to_string()),
        is_key,
        published_at,
        replies,
    })
}

/// A list the public list can be filtered by.
#[derive(Debug, Clone, Copy)]
pub enum Choices {
    Sessions,
    Sectors,
    Units,
}

/// The sessions, sectors or units the public may filter by.
pub fn choices(conn: &mut DbConn, which: Choices) -> AppResult<Vec<PublicChoice>> {
    match which {
        Choices::Sessions => sessions(conn),
        Choices::Sectors => sectors(conn),
        Choices::Units => units(conn),
    }
}

/// Every session, newest first: the public list's session filter.
pub fn sessions(conn: &mut DbConn) -> AppResult<Vec<PublicChoice>> {
    let rows: Vec<(String, String)> = committee_sessions::table
        .order((committee_sessions::opens_on.desc(), committee_sessions::id.asc()))
        .select((committee_sessions::id, committee_sessions::name))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, name)| PublicChoice { id, name }).collect())
}

/// The sectors (界别) in use, in their order.
pub fn sectors(conn: &mut DbConn) -> AppResult<Vec<PublicChoice>> {
    let rows: Vec<(String, String)> = sectors::table
        .filter(sectors::active.eq(true))
        .order((sectors::sort_order.asc(), sectors::name.asc()))
        .select((sectors::id, sectors::name))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, name)| PublicChoice { id, name }).collect())
}

/// The handling units in use, by name.
pub fn units(conn: &mut DbConn) -> AppResult<Vec<PublicChoice>> {
    let rows: Vec<(String, String)> = units::table
        .filter(units::active.eq(true))
        .order((units::name.asc(), units::id.asc()))
        .select((units::id, units::name))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, name)| PublicChoice { id, name }).collect())
}
