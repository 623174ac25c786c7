//! 提案汇总表: the office's list of proposals with the columns offices keep,
//! filtered as on the proposals page, read a few hundred at a time so that an
//! export of any size streams instead of piling up in memory.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::AuthUser;
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::schema::{assignments, committee_sessions, proposals, ratings, replies, sectors, units, users};
use crate::domain::workflow::guards::Satisfaction;
use crate::domain::workflow::{AssignmentState, ProposalState};
use crate::error::AppResult;
use crate::proposals::numbering::label;
use crate::proposals::reads::{ProposalQuery, check_filters, filtered};

/// The columns, in order.
pub const HEADERS: [&str; 13] = [
    "序号",
    "案号",
    "标题",
    "提案人",
    "界别",
    "类别",
    "主办单位",
    "会办单位",
    "状态",
    "答复类别",
    "过程满意度",
    "结果满意度",
    "是否公开",
];

/// How many proposals are read at a time.
const CHUNK: usize = 500;

/// One line of the table, as text.
pub type Line = [String; 13];

/// Calls `each` with the lines of the proposals `user` may see that `query`
/// keeps, by session and number, a chunk at a time; the first line is 序号 1.
pub fn for_each_chunk(
    conn: &mut DbConn,
    user: &AuthUser,
    query: &ProposalQuery,
    now: NaiveDateTime,
    workflow: &WorkflowSettings,
    mut each: impl FnMut(Vec<Line>) -> AppResult<()>,
) -> AppResult<()> {
    check_filters(query)?;
    let ids: Vec<String> = filtered(user, query, now)
        .order((proposals::session_id.asc(), proposals::number.asc(), proposals::created_at.asc(), proposals::id.asc()))
        .select(proposals::id)
        .load(conn)?;
    let sessions: HashMap<String, String> = committee_sessions::table
        .select((committee_sessions::id, committee_sessions::name))
        .load(conn)?
        .into_iter()
        .collect();
    let sector_names: HashMap<String, String> =
        sectors::table.select((sectors::id, sectors::name)).load(conn)?.into_iter().collect();
    let unit_names: HashMap<String, String> =
        units::table.select((units::id, units::name)).load(conn)?.into_iter().collect();
    let mut n = 0usize;
    for chunk in ids.chunks(CHUNK) {
        let lines = chunk_lines(conn, chunk, &sessions, &sector_names, &unit_names, workflow, &mut n)?;
        each(lines)?;
    }
    Ok(())
}

/// (id, number, title, kind, session, topic, state, submitter type, submitter name, round, proposer's id, name and sector).
type Head = (
    String,
    Option<i32>,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    i32,
    String,
    String,
    Option<String>,
);

fn chunk_lines(
    conn: &mut DbConn,
    ids: &[String],
    sessions: &HashMap<String, String>,
    sector_names: &HashMap<String, String>,
    unit_names: &HashMap<String, String>,
    workflow: &WorkflowSettings,
    n: &mut usize,
) -> AppResult<Vec<Line>> {
    let heads: Vec<Head> = proposals::table
        .inner_join(users::table.on(users::id.eq(proposals::proposer_id)))
        .filter(proposals::id.eq_any(ids))
        .select((
            proposals::id,
            proposals::number,
            proposals::title,
            proposals::kind,
            proposals::session_id,
            proposals::topic,
            proposals::state,
            proposals::submitter_type,
            proposals::submitter_name,
            proposals::handling_round,
            proposals::proposer_id,
            users::display_name,
            users::sector_id,
        ))
        .load(conn)?;
    let given: Vec<(String, String, String, i32)> = assignments::table
        .filter(assignments::proposal_id.eq_any(ids))
        .filter(assignments::state.ne(AssignmentState::Returned))
        .order((assignments::proposal_id, assignments::assigned_at))
        .select((assignments::proposal_id, assignments::unit_id, assignments::unit_role, assignments::handling_round))
        .load(conn)?;
    let grades: Vec<(String, i32, Option<String>)> = replies::table
        .filter(replies::proposal_id.eq_any(ids))
        .filter(replies::submitted_at.is_not_null())
        .select((replies::proposal_id, replies::handling_round, replies::grade))
        .load(conn)?;
    let rated: Vec<(String, i32, String, String, String)> = ratings::table
        .filter(ratings::proposal_id.eq_any(ids))
        .select((
            ratings::proposal_id,
            ratings::handling_round,
            ratings::rater_id,
            ratings::process_rating,
            ratings::result_rating,
        ))
        .load(conn)?;
    let mut by_id: HashMap<String, Head> = heads.into_iter().map(|h| (h.0.clone(), h)).collect();
    let mut lines = Vec::with_capacity(ids.len());
    for id in ids {
        let Some((
            id,
            number,
            title,
            kind,
            session,
            topic,
            state,
            submitter_type,
            submitter_name,
            round,
            proposer_id,
            proposer,
            sector,
        )) = by_id.remove(id)
        else {
            continue;
        };
        let units_in = |role: &str| {
            let mut names: Vec<&str> = given
                .iter()
                .filter(|(p, _, r, h)| *p == id && r == role && *h == round)
                .filter_map(|(_, u, _, _)| unit_names.get(u).map(String::as_str))
                .collect();
            names.dedup();
            names.join("、")
        };
        let grade = grades
            .iter()
            .filter(|(p, h, _)| *p == id && *h == round)
            .filter_map(|(_, _, g)| g.clone())
            .collect::<Vec<_>>()
            .join("、");
        // The proposer's own rating of the current round.
        let rating = rated.iter().find(|(p, h, rater, _, _)| *p == id && *h == round && *rater == proposer_id);
        let satisfaction = |code: &str| Satisfaction::parse(code).map(|s| s.label_zh().to_string()).unwrap_or_default();
        let (process, result) =
            rating.map_or((String::new(), String::new()), |r| (satisfaction(&r.3), satisfaction(&r.4)));
        let state = ProposalState::parse(&state);
        *n += 1;
        lines.push([
            n.to_string(),
            number
                .zip(session.as_ref().and_then(|s| sessions.get(s)))
                .map(|(num, s)| label(s, num, workflow.noun(&kind)))
                .unwrap_or_default(),
            title,
            match submitter_name {
                Some(name) if submitter_type != "member" => name,
                _ => proposer,
            },
            sector.and_then(|s| sector_names.get(&s).cloned()).unwrap_or_default(),
            topic,
            units_in("lead"),
            units_in("co"),
            state.map(|s| s.label_zh().to_string()).unwrap_or_default(),
            grade,
            process,
            result,
            if state == Some(ProposalState::Published) { "是" } else { "否" }.to_string(),
        ]);
    }
    Ok(lines)
}
