//! The office's statistics for one session and kind: the figures defined in
//! `domain::statistics`, filled by the grouped queries in `queries.rs`, with
//! names for the groups, and kept in memory while nothing has changed.

pub mod cache;
pub mod queries;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::schema::{committee_sessions, sectors, units};
use crate::domain::statistics::{
    NO_SECTOR_LABEL, ProposalCounts, ProposalRates, UnitCounts, UnitRates, key_label, submitter_type_label,
};
use crate::domain::workflow::SubmitterType;
use crate::error::{AppError, AppResult};

pub use cache::Cache;

/// The session a report is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionRef {
    pub id: String,
    pub name: String,
}

/// Proposal-level figures of a group (or of the whole session).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposalFigures {
    pub counts: ProposalCounts,
    pub rates: ProposalRates,
}

impl From<ProposalCounts> for ProposalFigures {
    fn from(counts: ProposalCounts) -> Self {
        ProposalFigures { rates: counts.rates(), counts }
    }
}

/// One row of a proposal-level breakdown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposalGroupRow {
    /// What the rows are grouped by: the sector's id, the topic, the
    /// submitter type's code, or "true"/"false" for key; null for proposals
    /// whose proposer has no sector.
    pub key: Option<String>,
    /// How the office reads it (界别名称, 类别, 提出者类型, 重点提案).
    pub label: String,
    #[serde(flatten)]
    pub figures: ProposalFigures,
}

/// One handling unit's row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitFigures {
    pub unit_id: String,
    pub name: String,
    pub counts: UnitCounts,
    pub rates: UnitRates,
}

/// The whole report of a session and kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub session: SessionRef,
    /// "proposal" (提案) or "suggestion" (建议): counted separately.
    pub kind: String,
    /// The moment the figures were computed for (overdue is as of then).
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub as_of: NaiveDateTime,
    pub totals: ProposalFigures,
    pub by_sector: Vec<ProposalGroupRow>,
    pub by_unit: Vec<UnitFigures>,
    pub by_topic: Vec<ProposalGroupRow>,
    pub by_submitter_type: Vec<ProposalGroupRow>,
    pub by_key: Vec<ProposalGroupRow>,
}

/// The session's name, or 404.
pub fn session(conn: &mut DbConn, session_id: &str) -> AppResult<SessionRef> {
    let name: Option<String> =
        committee_sessions::table.find(session_id).select(committee_sessions::name).first(conn).optional()?;
    name.map(|name| SessionRef { id: session_id.into(), name })
        .ok_or_else(|| AppError::not_found().with_detail("该会议不存在"))
}

/// The report, computed now, and the latest moment at which its overdue
/// counts still hold by time alone (None: no live assignment is ahead).
pub fn compute(
    conn: &mut DbConn,
    session: SessionRef,
    kind: &str,
    now: NaiveDateTime,
) -> AppResult<(Report, Option<NaiveDateTime>)> {
    let proposal_rows = queries::proposal_groups(conn, &session.id, kind)?;
    let assignment_rows = queries::assignment_groups(conn, &session.id, kind, now)?;

    let mut proposal_counts: HashMap<(String, Option<String>), ProposalCounts> = HashMap::new();
    for g in proposal_rows {
        proposal_counts.insert(
            (g.dim, g.group_key),
            ProposalCounts {
                submitted: g.submitted,
                filed: g.filed,
                merged: g.merged,
                after_merging: g.after_merging,
                replied: g.replied,
                replied_on_time: g.replied_on_time,
                contacted: g.contacted,
                rated: g.rated,
                process_satisfied: g.process_satisfied,
                result_satisfied: g.result_satisfied,
                both_satisfied: g.both_satisfied,
                closed: g.closed,
                published: g.published,
                ..ProposalCounts::default()
            },
        );
    }
    let mut next_due = None;
    let mut unit_counts: Vec<(String, UnitCounts)> = Vec::new();
    for g in assignment_rows {
        if g.dim == "total" {
            next_due = g.next_due;
        }
        let unit = UnitCounts {
            assigned: g.assigned,
            to_reply: g.to_reply,
            replies: g.replies,
            replies_on_time: g.replies_on_time,
            contacted: g.contacted,
            rated: g.rated,
            process_satisfied: g.process_satisfied,
            result_satisfied: g.result_satisfied,
            both_satisfied: g.both_satisfied,
            grade_a: g.grade_a,
            grade_b: g.grade_b,
            grade_c: g.grade_c,
            overdue: g.overdue,
        };
        if g.dim == "unit" {
            if let Some(unit_id) = g.group_key {
                unit_counts.push((unit_id, unit));
            }
            continue;
        }
        // The assignment-level part of a proposal-level group: every group
        // with assignments also has proposals, so it is already there.
        let counts = proposal_counts.entry((g.dim, g.group_key)).or_default();
        counts.units_involved = g.units_involved;
        counts.replies = g.replies;
        counts.grade_a = g.grade_a;
        counts.grade_b = g.grade_b;
        counts.grade_c = g.grade_c;
        counts.overdue = g.overdue;
    }

    let totals = proposal_counts.remove(&("total".to_string(), None)).unwrap_or_default();
    let mut groups: HashMap<String, Vec<(Option<String>, ProposalCounts)>> = HashMap::new();
    for ((dim, key), counts) in proposal_counts {
        groups.entry(dim).or_default().push((key, counts));
    }
    let mut take = |dim: &str| groups.remove(dim).unwrap_or_default();

    let sector_names = sector_order(conn)?;
    let mut by_sector: Vec<ProposalGroupRow> = take("sector")
        .into_iter()
        .map(|(key, counts)| {
            let label = key
                .as_ref()
                .and_then(|k| sector_names.get(k))
                .map_or_else(|| NO_SECTOR_LABEL.to_string(), |(_, name)| name.clone());
            ProposalGroupRow { key, label, figures: counts.into() }
        })
        .collect();
    by_sector.sort_by_key(|r| {
        let rank = r.key.as_ref().and_then(|k| sector_names.get(k)).map(|(rank, _)| *rank);
        (rank.is_none(), rank, r.label.clone())
    });

    let mut by_topic: Vec<ProposalGroupRow> = take("topic")
        .into_iter()
        .map(|(key, counts)| ProposalGroupRow { label: key.clone().unwrap_or_default(), key, figures: counts.into() })
        .collect();
    by_topic.sort_by(|a, b| b.figures.counts.submitted.cmp(&a.figures.counts.submitted).then(a.label.cmp(&b.label)));

    let mut by_submitter_type: Vec<ProposalGroupRow> = take("submitter_type")
        .into_iter()
        .map(|(key, counts)| ProposalGroupRow {
            label: submitter_type_label(key.as_deref().unwrap_or_default()).to_string(),
            key,
            figures: counts.into(),
        })
        .collect();
    by_submitter_type.sort_by_key(|r| {
        let code = r.key.clone().unwrap_or_default();
        let order = SubmitterType::ALL.iter().position(|t| t.as_str() == code).unwrap_or(SubmitterType::ALL.len());
        (order, code)
    });

    let mut by_key: Vec<ProposalGroupRow> = take("key")
        .into_iter()
        .map(|(key, counts)| ProposalGroupRow {
            label: key_label(key.as_deref() == Some("true")).to_string(),
            key,
            figures: counts.into(),
        })
        .collect();
    // Key proposals first.
    by_key.sort_by_key(|r| r.key.as_deref() != Some("true"));

    let unit_names = unit_order(conn, unit_counts.iter().map(|(id, _)| id.as_str()).collect())?;
    let mut by_unit: Vec<UnitFigures> = unit_counts
        .into_iter()
        .map(|(unit_id, counts)| UnitFigures {
            name: unit_names.get(&unit_id).map(|(_, n)| n.clone()).unwrap_or_default(),
            rates: counts.rates(),
            counts,
            unit_id,
        })
        .collect();
    by_unit.sort_by(|a, b| {
        let code = |id: &str| unit_names.get(id).map(|(c, _)| c.clone()).unwrap_or_default();
        code(&a.unit_id).cmp(&code(&b.unit_id)).then(a.unit_id.cmp(&b.unit_id))
    });

    let report = Report {
        session,
        kind: kind.to_string(),
        as_of: now,
        totals: totals.into(),
        by_sector,
        by_unit,
        by_topic,
        by_submitter_type,
        by_key,
    };
    Ok((report, next_due))
}

/// Every sector's place in the list and name (a short table).
fn sector_order(conn: &mut DbConn) -> AppResult<HashMap<String, (usize, String)>> {
    let rows: Vec<(String, String)> = sectors::table
        .order((sectors::sort_order.asc(), sectors::code.asc()))
        .select((sectors::id, sectors::name))
        .load(conn)?;
    Ok(rows.into_iter().enumerate().map(|(rank, (id, name))| (id, (rank, name))).collect())
}

/// The code and name of each unit in the report.
fn unit_order(conn: &mut DbConn, ids: Vec<&str>) -> AppResult<HashMap<String, (String, String)>> {
    let mut names = HashMap::new();
    // Chunks keep the statement under every backend's bound-parameter limit.
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, String)> =
            units::table.filter(units::id.eq_any(chunk)).select((units::id, units::code, units::name)).load(conn)?;
        names.extend(rows.into_iter().map(|(id, code, name)| (id, (code, name))));
    }
    Ok(names)
}

/// The session and kind asked for; an unknown session answers 404.
pub async fn session_report(
    state: &crate::state::AppState,
    session_id: String,
    kind: Option<String>,
) -> AppResult<std::sync::Arc<Report>> {
    let kind = kind.unwrap_or_else(|| "proposal".into());
    let mut check = crate::validate::Check::new();
    if state.settings.workflow.kind(&kind).is_none() {
        check.fail("kind", "invalid", "未知的类别");
    }
    check.finish()?;
    if !crate::ids::is_id(&session_id) {
        return Err(crate::error::AppError::not_found().with_detail("该会议不存在"));
    }
    let now = state.clock.now();
    let cache = state.statistics.clone();
    state
        .db
        .read(move |conn| {
            let session = crate::statistics::session(conn, &session_id)?;
            cache.report(conn, session, &kind, now)
        })
        .await
}
