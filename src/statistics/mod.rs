//! The office's statistics for any scope and kind: the figures defined in
//! `domain::statistics`, summed from every proposal's facts (`store.rs`,
//! read from the records by `facts.rs` with the rows of `queries.rs`), with
//! names and an order for the groups.

pub mod facts;
pub mod key_list;
pub mod queries;
pub mod scope;
pub mod store;
pub mod tables;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::schema::{sectors, units, users};
use crate::domain::statistics::scope::Stage;
use crate::domain::statistics::{
    Dimension, NO_SECTOR_LABEL, ProposalCounts, ProposalRates, UnitCounts, UnitRates, key_label, key_mode_label,
    submitter_kind_label, submitter_type_label,
};
use crate::domain::workflow::SubmitterType;
use crate::error::{AppError, AppResult};

pub use scope::{Scope, ScopeQuery, ScopeView};
pub use store::Store;

/// The session a report is about.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SessionRef {
    pub id: String,
    pub name: String,
}

/// Proposal-level figures of a group (or of the whole scope).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProposalFigures {
    pub counts: ProposalCounts,
    pub rates: ProposalRates,
    /// 平均办理用时: working days from assignment to each submitted reply of
    /// the current round, on average, to one decimal; null without replies.
    pub average_reply_working_days: Option<f64>,
}

impl ProposalFigures {
    fn of((counts, average_reply_working_days): (ProposalCounts, Option<f64>)) -> Self {
        ProposalFigures { rates: counts.rates(), counts, average_reply_working_days }
    }
}

/// One row of a proposal-level breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProposalGroupRow {
    /// What the rows are grouped by: the sector's id, the topic, the
    /// submitter type's or kind's code, "true"/"false" for key, the key
    /// mode's code or the leader's id; null for proposals whose proposer has
    /// no sector (or key proposals without a mode or leader yet).
    pub key: Option<String>,
    /// How the office reads it (界别名称, 类别, 提出者类型, 提出方式, 重点提案, 领办/督办, 领导).
    pub label: String,
    #[serde(flatten)]
    pub figures: ProposalFigures,
}

/// One handling unit's row.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UnitFigures {
    pub unit_id: String,
    pub name: String,
    pub counts: UnitCounts,
    pub rates: UnitRates,
    /// 平均办理用时 of its replies (working days), null without replies.
    pub average_reply_working_days: Option<f64>,
    /// Its place in the ranking of units (1 first): by 按期办复率, then
    /// 双满意率, then 面商率, higher first; units with nothing to reply last.
    /// Units that compare equal share a place.
    pub rank: usize,
}

/// The whole report of a scope and kind.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Report {
    /// Which proposals are counted.
    pub scope: ScopeView,
    /// The session, when the scope is one session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionRef>,
    /// "proposal" (提案) or "suggestion" (建议): counted separately.
    pub kind: String,
    /// The moment the figures were computed for (overdue is as of then).
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub as_of: NaiveDateTime,
    pub totals: ProposalFigures,
    pub by_sector: Vec<ProposalGroupRow>,
    /// In the units' code order; `rank` gives the ranking.
    pub by_unit: Vec<UnitFigures>,
    pub by_topic: Vec<ProposalGroupRow>,
    pub by_submitter_type: Vec<ProposalGroupRow>,
    /// 个人提案, 联名提案 (with confirmed co-signers), 集体提案.
    pub by_submitter_kind: Vec<ProposalGroupRow>,
    pub by_key: Vec<ProposalGroupRow>,
    /// Key proposals by 领办 / 督办.
    pub by_key_mode: Vec<ProposalGroupRow>,
    /// Key proposals by the leader who leads or supervises them.
    pub by_leader: Vec<ProposalGroupRow>,
    /// 大会提案 first, then 平时提案.
    pub by_stage: Vec<ProposalGroupRow>,
}

/// The report of `scope` as of `now`, summed from the facts as they stand.
pub fn compute(
    conn: &mut DbConn,
    store: &Store,
    office: &crate::domain::deadlines::OfficeTime,
    scope: Scope,
    now: NaiveDateTime,
) -> AppResult<Report> {
    let ask = store::Ask { kind: &scope.kind, span: &scope.span, stage: scope.stage, now };
    let sums = store.sums(conn, office, &ask)?;
    assemble(conn, scope, sums, now)
}

fn assemble(conn: &mut DbConn, scope: Scope, sums: store::Sums, now: NaiveDateTime) -> AppResult<Report> {
    let mut groups: HashMap<String, Vec<(Option<String>, ProposalFigures)>> = HashMap::new();
    let mut totals = None;
    for ((dim, value), figures) in sums.groups {
        let figures = ProposalFigures::of(figures);
        if dim == facts::TOTAL {
            totals = Some(figures);
            continue;
        }
        let key = (!value.is_empty()).then_some(value);
        groups.entry(dim).or_default().push((key, figures));
    }
    let totals = totals.unwrap_or_else(|| ProposalFigures::of((ProposalCounts::default(), None)));
    let mut take = |dim: Dimension| groups.remove(dim.as_str()).unwrap_or_default();
    let row = |key: Option<String>, label: String, figures: ProposalFigures| ProposalGroupRow { key, label, figures };

    let sector_names = sector_order(conn)?;
    let mut by_sector: Vec<ProposalGroupRow> = take(Dimension::Sector)
        .into_iter()
        .map(|(key, figures)| {
            let label = key
                .as_ref()
                .and_then(|k| sector_names.get(k))
                .map_or_else(|| NO_SECTOR_LABEL.to_string(), |(_, name)| name.clone());
            row(key, label, figures)
        })
        .collect();
    by_sector.sort_by_key(|r| {
        let rank = r.key.as_ref().and_then(|k| sector_names.get(k)).map(|(rank, _)| *rank);
        (rank.is_none(), rank, r.label.clone())
    });

    let mut by_topic: Vec<ProposalGroupRow> = take(Dimension::Topic)
        .into_iter()
        .map(|(key, figures)| row(key.clone(), key.unwrap_or_default(), figures))
        .collect();
    by_topic.sort_by(|a, b| b.figures.counts.submitted.cmp(&a.figures.counts.submitted).then(a.label.cmp(&b.label)));

    let mut by_submitter_type: Vec<ProposalGroupRow> = take(Dimension::SubmitterType)
        .into_iter()
        .map(|(key, figures)| {
            row(key.clone(), submitter_type_label(key.as_deref().unwrap_or_default()).into(), figures)
        })
        .collect();
    by_submitter_type.sort_by_key(|r| {
        let code = r.key.clone().unwrap_or_default();
        let order = SubmitterType::ALL.iter().position(|t| t.as_str() == code).unwrap_or(SubmitterType::ALL.len());
        (order, code)
    });

    let kind_order = ["individual", "joint", "collective"];
    let mut by_submitter_kind: Vec<ProposalGroupRow> = take(Dimension::SubmitterKind)
        .into_iter()
        .map(|(key, figures)| {
            row(key.clone(), submitter_kind_label(key.as_deref().unwrap_or_default()).into(), figures)
        })
        .collect();
    by_submitter_kind.sort_by_key(|r| kind_order.iter().position(|k| Some(*k) == r.key.as_deref()));

    let mut by_key: Vec<ProposalGroupRow> = take(Dimension::Key)
        .into_iter()
        .map(|(key, figures)| row(key.clone(), key_label(key.as_deref() == Some("true")).into(), figures))
        .collect();
    // Key proposals first.
    by_key.sort_by_key(|r| r.key.as_deref() != Some("true"));

    let mut by_key_mode: Vec<ProposalGroupRow> = take(Dimension::KeyMode)
        .into_iter()
        .map(|(key, figures)| row(key.clone(), key_mode_label(key.as_deref().unwrap_or_default()).into(), figures))
        .collect();
    by_key_mode.sort_by_key(|r| (r.key.is_none(), r.key.clone()));

    let leaders = take(Dimension::Leader);
    let leader_names = user_names(conn, leaders.iter().filter_map(|(k, _)| k.as_deref()).collect())?;
    let mut by_leader: Vec<ProposalGroupRow> = leaders
        .into_iter()
        .map(|(key, figures)| {
            let label = key.as_ref().and_then(|k| leader_names.get(k)).cloned().unwrap_or_else(|| "未指定".into());
            row(key, label, figures)
        })
        .collect();
    by_leader.sort_by(|a, b| {
        b.figures
            .counts
            .submitted
            .cmp(&a.figures.counts.submitted)
            .then(a.key.is_none().cmp(&b.key.is_none()))
            .then(a.label.cmp(&b.label))
    });

    let mut by_stage: Vec<ProposalGroupRow> = take(Dimension::Stage)
        .into_iter()
        .map(|(key, figures)| {
            let stage = key.as_deref().and_then(Stage::parse).unwrap_or(Stage::Between);
            row(key, stage.label().into(), figures)
        })
        .collect();
    by_stage.sort_by_key(|r| r.key.as_deref() != Some(Stage::Plenary.as_str()));

    let unit_names = unit_order(conn, sums.units.keys().map(String::as_str).collect())?;
    let mut by_unit: Vec<UnitFigures> = sums
        .units
        .into_iter()
        .map(|(unit_id, (counts, average_reply_working_days))| UnitFigures {
            name: unit_names.get(&unit_id).map(|(_, n)| n.clone()).unwrap_or_default(),
            rates: counts.rates(),
            counts,
            average_reply_working_days,
            rank: 0,
            unit_id,
        })
        .collect();
    rank_units(&mut by_unit);
    by_unit.sort_by(|a, b| {
        let code = |id: &str| unit_names.get(id).map(|(c, _)| c.clone()).unwrap_or_default();
        code(&a.unit_id).cmp(&code(&b.unit_id)).then(a.unit_id.cmp(&b.unit_id))
    });

    Ok(Report {
        scope: scope.view,
        session: scope.session,
        kind: scope.kind,
        as_of: now,
        totals,
        by_sector,
        by_unit,
        by_topic,
        by_submitter_type,
        by_submitter_kind,
        by_key,
        by_key_mode,
        by_leader,
        by_stage,
    })
}

/// Sets each unit's `rank`: by on-time reply rate, then double satisfaction,
/// then contact rate, higher first; a unit with nothing to reply comes last.
fn rank_units(units: &mut [UnitFigures]) {
    let tenths = |p: Option<f64>| p.map_or(-1, |p| (p * 10.0).round() as i64);
    let merit = |u: &UnitFigures| {
        (
            tenths(u.rates.on_time_reply_rate.percent),
            tenths(u.rates.double_satisfaction_rate.percent),
            tenths(u.rates.contact_rate.percent),
        )
    };
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|a, b| merit(&units[*b]).cmp(&merit(&units[*a])));
    let mut previous = None;
    for (position, index) in order.iter().enumerate() {
        let m = merit(&units[*index]);
        let rank = match previous {
            Some((pm, pr)) if pm == m => pr,
            _ => position + 1,
        };
        units[*index].rank = rank;
        previous = Some((m, rank));
    }
}

/// The names of the users `ids` (the leaders of key proposals).
fn user_names(conn: &mut DbConn, ids: Vec<&str>) -> AppResult<HashMap<String, String>> {
    let mut names = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> =
            users::table.filter(users::id.eq_any(chunk)).select((users::id, users::display_name)).load(conn)?;
        names.extend(rows);
    }
    Ok(names)
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

/// The report of `scope`, computed now.
pub async fn report(state: &crate::state::AppState, scope: Scope) -> AppResult<Report> {
    let now = state.clock.now();
    let (store, office) = (state.statistics.clone(), state.office.clone());
    state.db.read(move |conn| compute(conn, &store, &office, scope, now)).await
}

/// The report of one session and kind (the public's statistics); an unknown session answers 404.
pub async fn session_report(
    state: &crate::state::AppState,
    session_id: String,
    kind: Option<String>,
) -> AppResult<(SessionRef, Report)> {
    let query = ScopeQuery { session_id: Some(session_id), kind, ..ScopeQuery::default() };
    let scope = {
        let workflow = state.settings.workflow.clone();
        state.db.read(move |conn| scope::resolve(conn, &workflow, query)).await?
    };
    let report = report(state, scope).await?;
    let session = report.session.clone().ok_or_else(AppError::not_found)?;
    Ok((session, report))
}
