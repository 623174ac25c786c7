//! The two row statements every figure is counted from: one row per counted
//! proposal and one per assignment of a numbered proposal, each with its 0/1
//! flags as docs/statistics.md defines them. Written once for SQLite and
//! PostgreSQL; `facts.rs` reads them for one proposal or for all.

/// The states of a numbered proposal whose replies are all in.
const REPLIED: &str = "('replied', 'closed', 'published', 'withheld')";
/// 满意 or 基本满意.
const SATISFIED: &str = "('satisfied', 'basically_satisfied')";

/// One row per counted proposal (left draft, handed in to a session) whose
/// row satisfies `scope` (a condition on `p`): its groups and its 0/1 flags.
pub fn proposal_rows(scope: &str) -> String {
    format!(
        "          SELECT p.id AS proposal_id, p.kind AS kind, p.session_id AS session_id,
            p.is_plenary AS is_plenary, p.submitted_at AS submitted_at,
            p.key_mode AS key_mode, p.key_leader_id AS leader_id,
            CASE WHEN EXISTS (SELECT 1 FROM proposal_cosigners pc WHERE pc.proposal_id = p.id
              AND pc.status = 'confirmed') THEN 1 ELSE 0 END AS joint,
            u.sector_id AS sector_id, p.topic AS topic, p.submitter_type AS submitter_type,
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
          WHERE {scope} AND p.state <> 'draft' AND p.session_id IS NOT NULL"
    )
}

/// One row per assignment of a numbered proposal satisfying `scope`, with
/// the unit's submitted reply of the current round, if any, and its flags.
pub fn assignment_rows(scope: &str) -> String {
    // A live assignment: given and not yet replied (submission makes it
    // `done`) nor returned, of a proposal still in handling, in its round.
    let live = "p.state = 'handling' AND a.state IN ('assigned', 'received') AND a.handling_round = p.handling_round";
    format!(
        "          SELECT u.sector_id AS sector_id, p.topic AS topic, p.submitter_type AS submitter_type,
            CASE WHEN p.is_key THEN 'true' ELSE 'false' END AS key_group,
            a.unit_id AS unit_id, a.proposal_id AS proposal_id,
            a.assigned_at AS assigned_at, r.submitted_at AS replied_at,
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
          WHERE {scope} AND p.number IS NOT NULL"
    )
}
