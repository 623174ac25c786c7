//! Full-text search over what the public may read: published proposals, their
//! title, 案由 and 建议, and the public versions of their replies. A proposal is
//! indexed when it is published, in the same transaction.

pub mod text;

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

/// The ids of indexed proposals whose text contains `query`; `None` when the
/// query has nothing to search for.
pub fn matching(conn: &mut DbConn, query: &str) -> AppResult<Option<Vec<String>>> {
    let words = text::words(query);
    if words.is_empty() {
        return Ok(None);
    }
    Ok(Some(crate::db::backend_specific::search_phrase(conn, &words, MAX_MATCHES)?))
}
