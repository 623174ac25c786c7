//! The two grouped statements behind a report. Each builds its rows once in a
//! CTE (one per proposal, one per assignment) and groups them five or six
//! ways with UNION ALL, so a whole session with every breakdown is two round
//! trips, whatever its size. Written once for SQLite and PostgreSQL.

use chrono::NaiveDateTime;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::db::DbConn;
use crate::db::backend_specific::{SqlParam, load_by_name};

/// The states of a numbered proposal whose replies are all in.
const REPLIED: &str = "('replied', 'closed', 'published', 'withheld')";
/// 满意 or 基本满意.
const SATISFIED: &str = "('satisfied', 'basically_satisfied')";

/// One group of the proposal-level statement.
#[derive(Debug, QueryableByName)]
pub struct ProposalGroup {
    #[diesel(sql_type = Text)]
    pub dim: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub group_key: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub submitted: i64,
    #[diesel(sql_type = BigInt)]
    pub filed: i64,
    #[diesel(sql_type = BigInt)]
    pub merged: i64,
    #[diesel(sql_type = BigInt)]
    pub after_merging: i64,
    #[diesel(sql_type = BigInt)]
    pub replied: i64,
    #[diesel(sql_type = BigInt)]
    pub replied_on_time: i64,
    #[diesel(sql_type = BigInt)]
    pub contacted: i64,
    #[diesel(sql_type = BigInt)]
    pub rated: i64,
    #[diesel(sql_type = BigInt)]
    pub process_satisfied: i64,
    #[diesel(sql_type = BigInt)]
    pub result_satisfied: i64,
    #[diesel(sql_type = BigInt)]
    pub both_satisfied: i64,
    #[diesel(sql_type = BigInt)]
    pub closed: i64,
    #[diesel(sql_type = BigInt)]
    pub published: i64,
}

/// One group of the assignment-level statement.
#[derive(Debug, QueryableByName)]
pub struct AssignmentGroup {
    #[diesel(sql_type = Text)]
    pub dim: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub group_key: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub units_involved: i64,
    #[diesel(sql_type = BigInt)]
    pub assigned: i64,
    #[diesel(sql_type = BigInt)]
    pub to_reply: i64,
    #[diesel(sql_type = BigInt)]
    pub replies: i64,
    #[diesel(sql_type = BigInt)]
    pub replies_on_time: i64,
    #[diesel(sql_type = BigInt)]
    pub contacted: i64,
    #[diesel(sql_type = BigInt)]
    pub rated: i64,
    #[diesel(sql_type = BigInt)]
    pub process_satisfied: i64,
    #[diesel(sql_type = BigInt)]
    pub result_satisfied: i64,
    #[diesel(sql_type = BigInt)]
    pub both_satisfied: i64,
    #[diesel(sql_type = BigInt)]
    pub grade_a: i64,
    #[diesel(sql_type = BigInt)]
    pub grade_b: i64,
    #[diesel(sql_type = BigInt)]
    pub grade_c: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    /// The earliest due date still ahead of `now` among the live
    /// assignments: until then, the overdue counts cannot change by time alone.
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub next_due: Option<NaiveDateTime>,
}

/// `SELECT <dim>, <key>, <aggregates> FROM <cte> [GROUP BY <key>]` for the
/// total and each breakdown, joined with UNION ALL.
fn union_of_groups(cte: &str, aggregates: &str, groupings: &[(&str, Option<&str>)]) -> String {
    groupings
        .iter()
        .map(|(dim, key)| match key {
            None => format!("SELECT '{dim}' AS dim, CAST(NULL AS TEXT) AS group_key, {aggregates} FROM {cte}"),
            Some(key) => format!("SELECT '{dim}', {key}, {aggregates} FROM {cte} GROUP BY {key}"),
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL\n")
}

/// The groupings every proposal-level figure is broken down by.
const PROPOSAL_GROUPINGS: [(&str, Option<&str>); 5] = [
    ("total", None),
    ("sector", Some("sector_id")),
    ("topic", Some("topic")),
    ("submitter_type", Some("submitter_type")),
    ("key", Some("key_group")),
];

/// The proposals of one session and kind that left draft, one row each.
pub fn proposal_groups(conn: &mut DbConn, session_id: &str, kind: &str) -> diesel::QueryResult<Vec<ProposalGroup>> {
    let cte = format!(
        "WITH f AS (
          SELECT u.sector_id AS sector_id, p.topic AS topic, p.submitter_type AS submitter_type,
            CASE WHEN p.is_key THEN 'true' ELSE 'false' END AS key_group,
            CASE WHEN p.number IS NOT NULL OR p.state = 'merged' THEN 1 ELSE 0 END AS filed,
            CASE WHEN p.state = 'merged' THEN 1 ELSE 0 END AS merged,
            CASE WHEN p.number IS NOT NULL THEN 1 ELSE 0 END AS after_merging,
            CASE WHEN p.number IS NOT NULL AND p.state IN {REPLIED} THEN 1 ELSE 0 END AS replied,
            CASE WHEN p.number IS NOT NULL AND p.state IN {REPLIED} AND NOT EXISTS (
                SELECT 1 FROM replies r JOIN assignments a ON a.id = r.assignment_id
                WHERE r.proposal_id = p.id AND r.handling_round = p.handling_round
                  AND r.submitted_at IS NOT NULL AND r.submitted_at > a.due_at)
              THEN 1 ELSE 0 END AS on_time,
            CASE WHEN p.number IS NOT NULL AND p.state IN {REPLIED} AND EXISTS (
                SELECT 1 FROM contacts c WHERE c.proposal_id = p.id AND c.kind IN ('visit', 'meeting'))
              THEN 1 ELSE 0 END AS contacted,
            CASE WHEN rt.id IS NOT NULL THEN 1 ELSE 0 END AS rated,
            CASE WHEN rt.process_rating IN {SATISFIED} THEN 1 ELSE 0 END AS process_ok,
            CASE WHEN rt.result_rating IN {SATISFIED} THEN 1 ELSE 0 END AS result_ok,
            CASE WHEN p.number IS NOT NULL AND p.state IN ('closed', 'published', 'withheld') THEN 1 ELSE 0 END AS closed,
            CASE WHEN p.number IS NOT NULL AND p.state = 'published' THEN 1 ELSE 0 END AS published
          FROM proposals p
          LEFT JOIN users u ON u.id = p.proposer_id
          LEFT JOIN ratings rt ON p.number IS NOT NULL AND p.state IN {REPLIED}
            AND rt.proposal_id = p.id AND rt.handling_round = p.handling_round AND rt.rater_id = p.proposer_id
          WHERE p.session_id = ? AND p.kind = ? AND p.state <> 'draft'
        )\n"
    );
    let aggregates = "COUNT(*) AS submitted, COALESCE(SUM(filed), 0) AS filed, COALESCE(SUM(merged), 0) AS merged, \
        COALESCE(SUM(after_merging), 0) AS after_merging, COALESCE(SUM(replied), 0) AS replied, \
        COALESCE(SUM(on_time), 0) AS replied_on_time, COALESCE(SUM(contacted), 0) AS contacted, \
        COALESCE(SUM(rated), 0) AS rated, COALESCE(SUM(process_ok), 0) AS process_satisfied, \
        COALESCE(SUM(result_ok), 0) AS result_satisfied, COALESCE(SUM(process_ok * result_ok), 0) AS both_satisfied, \
        COALESCE(SUM(closed), 0) AS closed, COALESCE(SUM(published), 0) AS published";
    let sql = cte + &union_of_groups("f", aggregates, &PROPOSAL_GROUPINGS);
    load_by_name(conn, &sql, &[SqlParam::Text(session_id.into()), SqlParam::Text(kind.into())])
}

/// The assignments of the numbered proposals of one session and kind, one
/// row each with the unit's reply of the current round, if submitted.
pub fn assignment_groups(
    conn: &mut DbConn,
    session_id: &str,
    kind: &str,
    now: NaiveDateTime,
) -> diesel::QueryResult<Vec<AssignmentGroup>> {
    // A live assignment: given and not yet replied (submission makes it
    // `done`) nor returned, of a proposal still in handling, in its round.
    let live = "p.state = 'handling' AND a.state IN ('assigned', 'received') AND a.handling_round = p.handling_round";
    let cte = format!(
        "WITH f AS (
          SELECT u.sector_id AS sector_id, p.topic AS topic, p.submitter_type AS submitter_type,
            CASE WHEN p.is_key THEN 'true' ELSE 'false' END AS key_group,
            a.unit_id AS unit_id, a.proposal_id AS proposal_id,
            CASE WHEN a.state <> 'returned' THEN 1 ELSE 0 END AS kept,
            CASE WHEN a.state <> 'returned' AND a.handling_round = p.handling_round
              AND a.unit_role IN ('lead', 'separate') THEN 1 ELSE 0 END AS to_reply,
            CASE WHEN r.id IS NOT NULL THEN 1 ELSE 0 END AS replied,
            CASE WHEN r.id IS NOT NULL AND r.submitted_at <= a.due_at THEN 1 ELSE 0 END AS on_time,
            CASE WHEN r.id IS NOT NULL AND EXISTS (
                SELECT 1 FROM contacts c WHERE c.assignment_id = a.id AND c.kind IN ('visit', 'meeting'))
              THEN 1 ELSE 0 END AS contacted,
            CASE WHEN r.grade = 'A' THEN 1 ELSE 0 END AS grade_a,
            CASE WHEN r.grade = 'B' THEN 1 ELSE 0 END AS grade_b,
            CASE WHEN r.grade = 'C' THEN 1 ELSE 0 END AS grade_c,
            CASE WHEN rt.id IS NOT NULL THEN 1 ELSE 0 END AS rated,
            CASE WHEN rt.process_rating IN {SATISFIED} THEN 1 ELSE 0 END AS process_ok,
            CASE WHEN rt.result_rating IN {SATISFIED} THEN 1 ELSE 0 END AS result_ok,
            CASE WHEN {live} AND a.unit_role IN ('lead', 'separate') THEN a.due_at
              WHEN {live} AND a.unit_role = 'co' AND NOT EXISTS (
                SELECT 1 FROM co_opinions o WHERE o.assignment_id = a.id) THEN a.opinion_due_at
              END AS live_due
          FROM proposals p
          JOIN assignments a ON a.proposal_id = p.id
          LEFT JOIN users u ON u.id = p.proposer_id
          LEFT JOIN replies r ON a.state <> 'returned' AND r.assignment_id = a.id
            AND r.handling_round = p.handling_round AND r.submitted_at IS NOT NULL
          LEFT JOIN ratings rt ON r.id IS NOT NULL AND p.state IN {REPLIED}
            AND rt.proposal_id = p.id AND rt.handling_round = p.handling_round AND rt.rater_id = p.proposer_id
          WHERE p.session_id = ? AND p.kind = ? AND p.number IS NOT NULL
        )\n"
    );
    let aggregates = "COUNT(DISTINCT CASE WHEN kept = 1 THEN unit_id END) AS units_involved, \
        COUNT(DISTINCT CASE WHEN kept = 1 THEN proposal_id END) AS assigned, \
        COALESCE(SUM(to_reply), 0) AS to_reply, COALESCE(SUM(replied), 0) AS replies, \
        COALESCE(SUM(on_time), 0) AS replies_on_time, COALESCE(SUM(contacted), 0) AS contacted, \
        COALESCE(SUM(rated), 0) AS rated, COALESCE(SUM(process_ok), 0) AS process_satisfied, \
        COALESCE(SUM(result_ok), 0) AS result_satisfied, COALESCE(SUM(process_ok * result_ok), 0) AS both_satisfied, \
        COALESCE(SUM(grade_a), 0) AS grade_a, COALESCE(SUM(grade_b), 0) AS grade_b, \
        COALESCE(SUM(grade_c), 0) AS grade_c, \
        COALESCE(SUM(CASE WHEN live_due < ? THEN 1 ELSE 0 END), 0) AS overdue, \
        MIN(CASE WHEN live_due >= ? THEN live_due END) AS next_due";
    let mut groupings = PROPOSAL_GROUPINGS.to_vec();
    groupings.push(("unit", Some("unit_id")));
    let sql = cte + &union_of_groups("f", aggregates, &groupings);
    let mut params = vec![SqlParam::Text(session_id.into()), SqlParam::Text(kind.into())];
    for _ in &groupings {
        params.push(SqlParam::Timestamp(now));
        params.push(SqlParam::Timestamp(now));
    }
    load_by_name(conn, &sql, &params)
}
