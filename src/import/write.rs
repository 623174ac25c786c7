//! Writing a plan: each ready row becomes a proposal as its life left it
//! (assignments, the replies, the contact, the rating), with its import key,
//! its search entry when published and one `proposal.import` audit event,
//! all in the caller's one transaction.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::plan::{Plan, Ready, morning};
use crate::audit::{self, Actor, Change, Origin};
use crate::db::models::proposal::{AssignmentRow, ContactRow, CosignerRow, ProposalRow, RatingRow, ReplyRow};
use crate::db::schema::{
    assignments, contacts, import_keys, number_sequences, proposal_cosigners, proposals, ratings, replies,
    search_documents,
};
use crate::db::{DbConn, insert_all};
use crate::domain::deadlines::OfficeTime;
use crate::domain::workflow::{AssignmentState, CosignerStatus, ProposalState, UnitRole};
use crate::error::AppResult;

/// Who imports, and from where.
pub struct Importer<'a> {
    /// The office account the records are entered by.
    pub user_id: &'a str,
    pub actor: &'a Actor,
    pub origin: &'a Origin,
    pub office: &'a OfficeTime,
    pub now: NaiveDateTime,
    /// The file's name, for the audit trail.
    pub file_name: &'a str,
}

/// Rows waiting to be written, a chunk at a time.
#[derive(Default)]
struct Rows {
    proposals: Vec<ProposalRow>,
    cosigners: Vec<CosignerRow>,
    assignments: Vec<AssignmentRow>,
    replies: Vec<ReplyRow>,
    contacts: Vec<ContactRow>,
    ratings: Vec<RatingRow>,
    search: Vec<(String, String, NaiveDateTime)>,
    keys: Vec<(String, String, String, NaiveDateTime)>,
}

/// How many rows are written at a time (and the progress told).
const CHUNK: usize = 500;

/// Writes every ready row of `plan`; `progress` hears how many are written so far.
pub fn write(conn: &mut DbConn, by: &Importer, plan: &Plan, progress: &mut dyn FnMut(usize)) -> AppResult<usize> {
    for (i, chunk) in plan.ready.chunks(CHUNK).enumerate() {
        let mut rows = Rows::default();
        for r in chunk {
            add(&mut rows, by, r);
        }
        insert_all!(conn, proposals::table, rows.proposals);
        insert_all!(conn, proposal_cosigners::table, rows.cosigners);
        insert_all!(conn, assignments::table, rows.assignments);
        insert_all!(conn, replies::table, rows.replies);
        insert_all!(conn, contacts::table, rows.contacts);
        insert_all!(conn, ratings::table, rows.ratings);
        let search: Vec<_> = rows
            .search
            .iter()
            .map(|(id, body, at)| {
                (
                    search_documents::proposal_id.eq(id),
                    search_documents::body.eq(body),
                    search_documents::indexed_at.eq(at),
                )
            })
            .collect();
        insert_all!(conn, search_documents::table, search);
        let keys: Vec<_> = rows
            .keys
            .iter()
            .map(|(key, id, content, at)| {
                (
                    import_keys::row_key.eq(key),
                    import_keys::proposal_id.eq(id),
                    import_keys::content.eq(content),
                    import_keys::imported_at.eq(at),
                )
            })
            .collect();
        insert_all!(conn, import_keys::table, keys);
        for r in chunk {
            let change = Change::new("proposal.import", "proposal", r.id.clone()).after(json!({
                "file": by.file_name, "line": r.record.line, "key": r.key,
                "state": r.record.state.as_str(), "number": r.record.number,
            }));
            audit::record(conn, by.actor, by.origin, change, by.now)?;
        }
        progress(i * CHUNK + chunk.len());
    }
    advance_numbering(conn, plan)?;
    Ok(plan.ready.len())
}

/// Numbers given from now on follow the highest imported one of each session and kind.
fn advance_numbering(conn: &mut DbConn, plan: &Plan) -> AppResult<()> {
    let mut highest: HashMap<(&str, &str), i32> = HashMap::new();
    for r in &plan.ready {
        if let Some(n) = r.record.number {
            let top = highest.entry((r.record.kind.as_str(), r.session_id.as_str())).or_insert(0);
            *top = (*top).max(n);
        }
    }
    for ((kind, session), top) in highest {
        let mine = number_sequences::table
            .filter(number_sequences::kind.eq(kind))
            .filter(number_sequences::session_id.eq(session));
        let last: Option<i32> = mine.select(number_sequences::last_number).first(conn).optional()?;
        match last {
            Some(last) if last >= top => {}
            Some(_) => {
                diesel::update(mine).set(number_sequences::last_number.eq(top)).execute(conn)?;
            }
            None => {
                diesel::insert_into(number_sequences::table)
                    .values((
                        number_sequences::kind.eq(kind),
                        number_sequences::session_id.eq(session),
                        number_sequences::last_number.eq(top),
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// The records of one row.
fn add(rows: &mut Rows, by: &Importer, r: &Ready) {
    let rec = &r.record;
    let day = |d| morning(by.office, d);
    let submitted_at = day(rec.submitted_on);
    let filed_at = day(rec.filed_on);
    let assigned_at = day(rec.assigned_on);
    let replied_at = rec.replied_on.map(day);
    let replied = matches!(
        rec.state,
        ProposalState::Replied | ProposalState::Closed | ProposalState::Published | ProposalState::Withheld
    );
    let closed = matches!(rec.state, ProposalState::Closed | ProposalState::Published | ProposalState::Withheld);
    let ended = replied_at.unwrap_or(filed_at);
    let p = ProposalRow {
        id: r.id.clone(),
        kind: rec.kind.clone(),
        session_id: Some(r.session_id.clone()),
        number: rec.number,
        title: rec.title.clone(),
        reasons: rec.reasons.clone(),
        suggestions: rec.suggestions.clone(),
        topic: rec.topic.clone(),
        submitter_type: rec.submitter_type,
        proposer_id: r.proposer_id.clone(),
        entered_by_id: Some(by.user_id.to_string()),
        state: rec.state,
        is_plenary: Some(r.plenary),
        is_key: rec.is_key,
        merged_into_id: r.merged_into_id.clone(),
        submitted_at: Some(submitted_at),
        filed_at: Some(filed_at),
        closed_at: closed.then_some(ended),
        published_at: (rec.state == ProposalState::Published).then_some(ended),
        created_at: submitted_at,
        updated_at: by.now,
        version: 1,
        submitter_name: rec.submitter_name.clone(),
        handling_round: 1,
        refusal_code: (rec.state == ProposalState::NotFiled).then(|| "other".into()),
        refusal_text: if rec.state == ProposalState::NotFiled { rec.refusal_text.clone() } else { None },
        key_leader_id: r.leader_id.clone(),
        key_mode: rec.key_mode,
        withheld_reason: rec.withheld_reason.clone(),
        replied_at: if replied { replied_at } else { None },
        rating_due_at: None,
    };
    for user_id in &r.cosigner_ids {
        rows.cosigners.push(CosignerRow {
            proposal_id: p.id.clone(),
            user_id: user_id.clone(),
            status: CosignerStatus::Confirmed,
            invited_at: submitted_at,
            respond_by: submitted_at,
            responded_at: Some(submitted_at),
        });
    }
    let mut public_replies = Vec::new();
    for (unit_id, role) in &r.units {
        let role = *role;
        let a = AssignmentRow {
            id: crate::ids::new_id(),
            proposal_id: p.id.clone(),
            unit_id: unit_id.clone(),
            unit_role: role,
            state: AssignmentState::Done,
            assigned_at,
            due_at: r.due_at,
            signed_for_at: Some(assigned_at),
            created_at: assigned_at,
            updated_at: by.now,
            version: 1,
            return_window_ends_at: None,
            opinion_due_at: None,
            contact_waiver: None,
            handling_round: 1,
            opinion_waiver: None,
        };
        if role != UnitRole::Co
            && let Some(at) = replied_at
        {
            let reply = ReplyRow {
                id: crate::ids::new_id(),
                proposal_id: p.id.clone(),
                assignment_id: a.id.clone(),
                grade: rec.grade,
                body: rec.reply.clone(),
                public_body: Some(rec.reply.clone()),
                person_in_charge: None,
                drafted_by_id: None,
                signed_off_by_id: None,
                signed_off_at: Some(at),
                submitted_at: Some(at),
                created_at: at,
                updated_at: by.now,
                version: 1,
                handling_round: 1,
            };
            if let Some(kind) = rec.contact {
                rows.contacts.push(ContactRow {
                    id: crate::ids::new_id(),
                    assignment_id: a.id.clone(),
                    proposal_id: p.id.clone(),
                    kind,
                    contacted_on: rec.replied_on.unwrap_or(rec.assigned_on),
                    summary: String::new(),
                    recorded_by_id: by.user_id.to_string(),
                    created_at: at,
                });
            }
            public_replies.push(rec.reply.clone());
            rows.replies.push(reply);
        }
        rows.assignments.push(a);
    }
    if let (Some(process), Some(result)) = (rec.process, rec.result) {
        rows.ratings.push(RatingRow {
            id: crate::ids::new_id(),
            proposal_id: p.id.clone(),
            reply_id: None,
            rater_id: p.proposer_id.clone(),
            process_rating: process,
            result_rating: result,
            comment: None,
            rated_at: ended,
            handling_round: 1,
        });
    }
    if rec.state == ProposalState::Published {
        rows.search.push((p.id.clone(), crate::search::document(&p, &public_replies), by.now));
    }
    rows.keys.push((r.key.clone(), p.id.clone(), rec.content.clone(), by.now));
    rows.proposals.push(p);
}
