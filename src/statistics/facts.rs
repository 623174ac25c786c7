//! A proposal's facts for the statistics: where it is counted (kind, session,
//! stage, day of handing in), the groups it belongs to, its tallies (its own,
//! and each unit's part) and the due dates of its live assignments; read
//! from its records with the same row statements the recount groups
//! (`queries.rs`), so that both count by one definition.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamp};
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::db::backend_specific::{SqlParam, load_by_name};
use crate::domain::deadlines::OfficeTime;
use crate::domain::statistics::Dimension;
use crate::domain::statistics::scope::Stage;
use crate::domain::statistics::tally::Tally;
use crate::statistics::queries::{assignment_rows, proposal_rows};

/// The dimension name of the whole scope's row.
pub const TOTAL: &str = "total";

/// The groups a proposal belongs to (its key in each breakdown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Groups {
    pub sector: Option<String>,
    pub topic: String,
    pub submitter_type: String,
    /// individual, joint or collective.
    pub submitter_kind: String,
    pub key: bool,
    pub key_mode: Option<String>,
    pub leader: Option<String>,
    /// plenary or between.
    pub stage: String,
}

impl Groups {
    /// (dimension, value) of every row the proposal is counted in, the total
    /// first. A missing sector is the value "" (未注明界别); mode and leader
    /// break down key proposals only.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![
            (TOTAL, String::new()),
            (Dimension::Sector.as_str(), self.sector.clone().unwrap_or_default()),
            (Dimension::Topic.as_str(), self.topic.clone()),
            (Dimension::SubmitterType.as_str(), self.submitter_type.clone()),
            (Dimension::SubmitterKind.as_str(), self.submitter_kind.clone()),
            (Dimension::Key.as_str(), self.key.to_string()),
            (Dimension::Stage.as_str(), self.stage.clone()),
        ];
        if self.key {
            rows.push((Dimension::KeyMode.as_str(), self.key_mode.clone().unwrap_or_default()));
            rows.push((Dimension::Leader.as_str(), self.leader.clone().unwrap_or_default()));
        }
        rows
    }
}

/// One counted proposal's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub proposal_id: String,
    pub kind: String,
    pub session_id: String,
    pub stage: Stage,
    pub day: NaiveDate,
    pub groups: Groups,
    /// The proposal's own tally under "", each unit's part under its id.
    pub tallies: BTreeMap<String, Tally>,
    /// Each live assignment's unit and due date (overdue once it has passed).
    pub live: Vec<(String, NaiveDateTime)>,
}

#[derive(QueryableByName)]
struct ProposalRow {
    #[diesel(sql_type = Text)]
    proposal_id: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    session_id: String,
    #[diesel(sql_type = Nullable<Bool>)]
    is_plenary: Option<bool>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    submitted_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Text>)]
    key_mode: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    leader_id: Option<String>,
    #[diesel(sql_type = Integer)]
    joint: i32,
    #[diesel(sql_type = Nullable<Text>)]
    sector_id: Option<String>,
    #[diesel(sql_type = Text)]
    topic: String,
    #[diesel(sql_type = Text)]
    submitter_type: String,
    #[diesel(sql_type = Text)]
    key_group: String,
    #[diesel(sql_type = Integer)]
    filed: i32,
    #[diesel(sql_type = Integer)]
    merged: i32,
    #[diesel(sql_type = Integer)]
    after_merging: i32,
    #[diesel(sql_type = Integer)]
    replied: i32,
    #[diesel(sql_type = Integer)]
    on_time: i32,
    #[diesel(sql_type = Integer)]
    contacted: i32,
    #[diesel(sql_type = Integer)]
    rated: i32,
    #[diesel(sql_type = Integer)]
    process_ok: i32,
    #[diesel(sql_type = Integer)]
    result_ok: i32,
    #[diesel(sql_type = Integer)]
    closed: i32,
    #[diesel(sql_type = Integer)]
    published: i32,
}

#[derive(QueryableByName)]
struct AssignmentRow {
    #[diesel(sql_type = Text)]
    unit_id: String,
    #[diesel(sql_type = Text)]
    proposal_id: String,
    #[diesel(sql_type = Timestamp)]
    assigned_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    replied_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Integer)]
    kept: i32,
    #[diesel(sql_type = Integer)]
    to_reply: i32,
    #[diesel(sql_type = Integer)]
    replied: i32,
    #[diesel(sql_type = Integer)]
    on_time: i32,
    #[diesel(sql_type = Integer)]
    contacted: i32,
    #[diesel(sql_type = Integer)]
    grade_a: i32,
    #[diesel(sql_type = Integer)]
    grade_b: i32,
    #[diesel(sql_type = Integer)]
    grade_c: i32,
    #[diesel(sql_type = Integer)]
    rated: i32,
    #[diesel(sql_type = Integer)]
    process_ok: i32,
    #[diesel(sql_type = Integer)]
    result_ok: i32,
    #[diesel(sql_type = Nullable<Timestamp>)]
    live_due: Option<NaiveDateTime>,
}

/// The facts of those of `ids` that are counted (left draft, handed in to a
/// session); the others have none.
pub fn of(conn: &mut DbConn, ids: &[String], office: &OfficeTime) -> diesel::QueryResult<Vec<Facts>> {
    let mut all = Vec::with_capacity(ids.len());
    // Chunks keep each statement under every backend's bound-parameter limit.
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let scope = format!("p.id IN ({marks})");
        let params: Vec<SqlParam> = chunk.iter().map(|id| SqlParam::Text(id.clone())).collect();
        let proposals: Vec<ProposalRow> = load_by_name(conn, &proposal_rows(&scope), &params)?;
        let assignments: Vec<AssignmentRow> = load_by_name(conn, &assignment_rows(&scope), &params)?;
        all.extend(assemble(proposals, assignments, office));
    }
    Ok(all)
}

/// The ids of every counted proposal of the archive.
pub fn counted_ids(conn: &mut DbConn) -> diesel::QueryResult<Vec<String>> {
    use crate::db::schema::proposals;
    use diesel::prelude::*;
    proposals::table
        .filter(proposals::state.ne("draft"))
        .filter(proposals::session_id.is_not_null())
        .select(proposals::id)
        .load(conn)
}

fn assemble(proposals: Vec<ProposalRow>, assignments: Vec<AssignmentRow>, office: &OfficeTime) -> Vec<Facts> {
    let mut by_proposal: BTreeMap<String, Vec<AssignmentRow>> = BTreeMap::new();
    for a in assignments {
        by_proposal.entry(a.proposal_id.clone()).or_default().push(a);
    }
    proposals
        .into_iter()
        .map(|p| {
            let units = by_proposal.remove(&p.proposal_id).unwrap_or_default();
            facts(p, units, office)
        })
        .collect()
}

fn facts(p: ProposalRow, units: Vec<AssignmentRow>, office: &OfficeTime) -> Facts {
    let mut own = Tally {
        submitted: 1,
        filed: i64::from(p.filed),
        merged: i64::from(p.merged),
        after_merging: i64::from(p.after_merging),
        replied: i64::from(p.replied),
        replied_on_time: i64::from(p.on_time),
        contacted: i64::from(p.contacted),
        rated: i64::from(p.rated),
        process_satisfied: i64::from(p.process_ok),
        result_satisfied: i64::from(p.result_ok),
        both_satisfied: i64::from(p.process_ok * p.result_ok),
        closed: i64::from(p.closed),
        published: i64::from(p.published),
        ..Tally::default()
    };
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut live = Vec::new();
    for a in units {
        if let Some(due) = a.live_due {
            live.push((a.unit_id.clone(), due));
        }
        let days = match a.replied_at {
            Some(at) if a.replied == 1 => {
                let from = office.today(a.assigned_at);
                let to = office.today(at);
                office.calendar.working_days_between(from, to).value.max(0)
            }
            _ => 0,
        };
        let part = Tally {
            assigned: i64::from(a.kept),
            to_reply: i64::from(a.to_reply),
            replies: i64::from(a.replied),
            replied_on_time: i64::from(a.on_time),
            contacted: i64::from(a.contacted),
            rated: i64::from(a.rated),
            process_satisfied: i64::from(a.process_ok),
            result_satisfied: i64::from(a.result_ok),
            both_satisfied: i64::from(a.process_ok * a.result_ok),
            grade_a: i64::from(a.grade_a),
            grade_b: i64::from(a.grade_b),
            grade_c: i64::from(a.grade_c),
            reply_working_days: days,
            replies_timed: i64::from(a.replied),
            ..Tally::default()
        };
        own.replies += part.replies;
        own.grade_a += part.grade_a;
        own.grade_b += part.grade_b;
        own.grade_c += part.grade_c;
        own.reply_working_days += part.reply_working_days;
        own.replies_timed += part.replies_timed;
        let entry = tallies.entry(a.unit_id).or_default();
        // A unit counts a proposal once however many of its assignments were kept.
        let assigned = entry.assigned.max(part.assigned);
        *entry = entry.plus(&part);
        entry.assigned = assigned;
    }
    tallies.insert(String::new(), own);
    let submitter_kind = if p.submitter_type != "member" {
        "collective"
    } else if p.joint == 1 {
        "joint"
    } else {
        "individual"
    };
    let day = p.submitted_at.map(|at| office.today(at)).unwrap_or_default();
    Facts {
        proposal_id: p.proposal_id,
        kind: p.kind,
        session_id: p.session_id,
        stage: Stage::of(p.is_plenary),
        day,
        groups: Groups {
            sector: p.sector_id,
            topic: p.topic,
            submitter_type: p.submitter_type,
            submitter_kind: submitter_kind.to_string(),
            key: p.key_group == "true",
            key_mode: p.key_mode,
            leader: p.leader_id,
            stage: Stage::of(p.is_plenary).as_str().to_string(),
        },
        tallies,
        live,
    }
}
