//! Full-text search over what the public may read: published proposals, their
//! title, 案由 and 建议, and the public versions of their replies. A proposal is
//! indexed when it is published, in the same transaction.

pub mod text;

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::proposal::ProposalRow;
use crate::db::schema::{replies, search_documents};
use crate::error::AppResult;

/// The most proposals one search considers; the list pages through them.
pub const MAX_MATCHES: i64 = 5000;

/// The searchable text of a published proposal.
pub fn document(p: &ProposalRow, public_replies: &[String]) -> String {
    let mut all = format!("{}\n{}\n{}", p.title, p.reasons, p.suggestions);
    for r in public_replies {
        all.push('\n');
        all.push_str(r);
    }
    text::indexed(&all)
}

/// Puts `p` (just published) into the search index, with the public versions
/// of its current round's submitted replies.
pub fn index_published(conn: &mut DbConn, p: &ProposalRow, now: NaiveDateTime) -> AppResult<()> {
    let public: Vec<Option<String>> = replies::table
        .filter(replies::proposal_id.eq(&p.id))
        .filter(replies::handling_round.eq(p.handling_round))
        .filter(replies::submitted_at.is_not_null())
        .select(replies::public_body)
        .load(conn)?;
    let public: Vec<String> = public.into_iter().flatten().collect();
    let body = document(p, &public);
    diesel::delete(search_documents::table.find(&p.id)).execute(conn)?;
    diesel::insert_into(search_documents::table)
        .values((
            search_documents::proposal_id.eq(&p.id),
            search_documents::body.eq(body),
            search_documents::indexed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The ids of indexed proposals whose text contains every term of `query`
/// (terms are separated by spaces; each is found as written, a single
/// character too); `None` when the query has nothing to search for.
pub fn matching(conn: &mut DbConn, query: &str) -> AppResult<Option<Vec<String>>> {
    let terms: Vec<Vec<String>> = query.split_whitespace().map(text::words).filter(|w| !w.is_empty()).collect();
    if terms.is_empty() {
        return Ok(None);
    }
    // One character is in no pair of its own at a run's end: look for it in the stored pairs.
    let (single, phrases): (Vec<Vec<String>>, Vec<Vec<String>>) =
        terms.into_iter().partition(|w| matches!(w.as_slice(), [one] if one.chars().count() == 1));
    let mut found: Option<HashSet<String>> = None;
    if !phrases.is_empty() {
        found = Some(crate::db::backend_specific::search_phrases(conn, &phrases, MAX_MATCHES)?.into_iter().collect());
    }
    for one in single.iter().flatten() {
        let ids = search_documents::table
            .filter(search_documents::body.like(format!("%{one}%")))
            .select(search_documents::proposal_id)
            .limit(MAX_MATCHES)
            .load::<String>(conn)?;
        found = Some(match found {
            None => ids.into_iter().collect(),
            Some(before) => ids.into_iter().filter(|id| before.contains(id)).collect(),
        });
    }
    Ok(found.map(|ids| ids.into_iter().collect()))
}
