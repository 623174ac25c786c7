//! 开放数据: a session's published proposals and the public versions of their
//! replies, read a chunk at a time for the open-data downloads. Only what the
//! public pages show: `public::one` builds each record.

use diesel::prelude::*;

use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::schema::proposals;
use crate::domain::workflow::ProposalState;
use crate::error::AppResult;
use crate::ids::ProposalId;
use crate::proposals::public::{PublicProposal, one};

const CHUNK: usize = 200;

/// Calls `each` with the session's published proposals, by number, a chunk at a time.
pub fn for_each_chunk(
    conn: &mut DbConn,
    session_id: &str,
    workflow: &WorkflowSettings,
    mut each: impl FnMut(Vec<PublicProposal>) -> AppResult<()>,
) -> AppResult<()> {
    let ids: Vec<String> = proposals::table
        .filter(proposals::session_id.eq(session_id))
        .filter(proposals::state.eq(ProposalState::Published))
        .order((proposals::kind.asc(), proposals::number.asc(), proposals::id.asc()))
        .select(proposals::id)
        .load(conn)?;
    for chunk in ids.chunks(CHUNK) {
        let mut records = Vec::with_capacity(chunk.len());
        for id in chunk {
            let Some(id) = ProposalId::parse(id) else { continue };
            records.push(one(conn, &id, workflow)?);
        }
        each(records)?;
    }
    Ok(())
}
