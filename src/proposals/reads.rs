//! Reading proposals as their reader may: the list of those one may see, and
//! one proposal as far as one may see it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::AuthUser;
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::models::proposal::ProposalRow;
use crate::db::schema::{assignments, deadlines, proposal_cosigners, proposals, unit_requests, users};
use crate::domain::Role;
use crate::domain::workflow::{AssignmentState, CosignerStatus, ProposalState, RequestDecision};
use crate::error::{AppError, AppResult};
use crate::ids::ProposalId;
use crate::listing::{Page, PageQuery};
use crate::proposals::view::{ProposalListItem, ProposalView, list_item};
use crate::proposals::{load, standing};

/// Which proposals a list shows, and which page of them.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProposalQuery {
    pub state: Option<ProposalState>,
    pub kind: Option<String>,
    /// Words that must all appear in the title, 案由 or 建议 (space-separated, 1 to 50 characters).
    #[param(max_length = 50)]
    pub q: Option<String>,
    /// 会议: the session it was submitted in.
    pub session_id: Option<String>,
    /// 界别: the proposer's sector.
    pub sector_id: Option<String>,
    /// A unit it was given to (in any round).
    pub unit_id: Option<String>,
    /// Key proposals (重点提案) only, or none of them.
    pub key: Option<bool>,
    /// The key proposals one leader follows.
    pub leader_id: Option<String>,
    /// Only those with a unit's deadline passed and not met.
    pub overdue: Option<bool>,
    /// Only those with a unit's return or extension request waiting for the office.
    pub pending_request: Option<bool>,
    /// Only those waiting to be handled again after 不满意 (filed, in a later round).
    pub unsatisfied: Option<bool>,
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// The filters' own checks (422 with each field's problem).
pub fn check_filters(query: &ProposalQuery) -> AppResult<()> {
    let mut check = crate::validate::Check::new();
    if let Some(text) = &query.q {
        check.text("q", text, 0, 50);
    }
    for (field, value) in [
        ("session_id", &query.session_id),
        ("sector_id", &query.sector_id),
        ("unit_id", &query.unit_id),
        ("leader_id", &query.leader_id),
    ] {
        if value.as_deref().is_some_and(|v| !crate::ids::is_id(v)) {
            check.fail(field, "invalid", "不是有效的编号");
        }
    }
    check.finish()
}

/// The proposals `user` may see that `query`'s filters keep (its page aside), as a query to order and load.
pub fn filtered<'a>(
    user: &AuthUser,
    query: &ProposalQuery,
    now: NaiveDateTime,
) -> proposals::BoxedQuery<'a, crate::db::MultiBackend> {
    let words: Vec<String> = query.q.as_deref().unwrap_or("").split_whitespace().map(str::to_string).collect();
    let mut q = proposals::table.into_boxed();
    match user.role {
        Role::Office => {}
        Role::Member => {
            let cosigned = proposal_cosigners::table
                .filter(proposal_cosigners::user_id.eq(user.id.clone()))
                .filter(proposal_cosigners::status.eq(CosignerStatus::Confirmed).or(
                    proposal_cosigners::status.eq(CosignerStatus::Invited).and(proposal_cosigners::respond_by.ge(now)),
                ))
                .select(proposal_cosigners::proposal_id);
            // Each merged proposer receives the reply of the proposal theirs was merged into.
            let merged_targets = diesel::alias!(proposals as merged);
            let targets = merged_targets
                .filter(merged_targets.field(proposals::proposer_id).eq(user.id.clone()))
                .filter(merged_targets.field(proposals::merged_into_id).is_not_null())
                .select(merged_targets.field(proposals::merged_into_id).assume_not_null());
            q = q.filter(
                proposals::proposer_id
                    .eq(user.id.clone())
                    .or(proposals::id.eq_any(cosigned))
                    .or(proposals::id.eq_any(targets)),
            );
        }
        Role::UnitStaff | Role::UnitHead => {
            let assigned = assignments::table
                .filter(assignments::unit_id.eq(user.unit_id.clone().unwrap_or_default()))
                .filter(assignments::state.ne(AssignmentState::Returned))
                .select(assignments::proposal_id);
            q = q.filter(proposals::id.eq_any(assigned));
        }
        Role::Leader => {
            q = q.filter(proposals::is_key.eq(true)).filter(proposals::key_leader_id.eq(user.id.clone()));
        }
        Role::Admin => q = q.filter(proposals::id.eq("")),
    }
    if let Some(s) = query.state {
        q = q.filter(proposals::state.eq(s));
    }
    if let Some(k) = &query.kind {
        q = q.filter(proposals::kind.eq(k.clone()));
    }
    for word in &words {
        let like = crate::listing::contains_pattern(word);
        q = q.filter(
            proposals::title
                .like(like.clone())
                .escape('\\')
                .or(proposals::reasons.like(like.clone()).escape('\\'))
                .or(proposals::suggestions.like(like).escape('\\')),
        );
    }
    if let Some(s) = &query.session_id {
        q = q.filter(proposals::session_id.eq(s.clone()));
    }
    if let Some(s) = &query.sector_id {
        let members = users::table.filter(users::sector_id.eq(s.clone())).select(users::id);
        q = q.filter(proposals::proposer_id.eq_any(members));
    }
    if let Some(u) = &query.unit_id {
        let given = assignments::table.filter(assignments::unit_id.eq(u.clone())).select(assignments::proposal_id);
        q = q.filter(proposals::id.eq_any(given));
    }
    if let Some(key) = query.key {
        q = q.filter(proposals::is_key.eq(key));
    }
    if let Some(l) = &query.leader_id {
        q = q.filter(proposals::is_key.eq(true)).filter(proposals::key_leader_id.eq(l.clone()));
    }
    if query.overdue == Some(true) {
        let late = deadlines::table
            .inner_join(assignments::table.on(assignments::id.eq(deadlines::object_id)))
            .filter(deadlines::object_type.eq("assignment"))
            .filter(deadlines::met_at.is_null())
            .filter(deadlines::due_at.lt(now))
            .select(assignments::proposal_id);
        q = q.filter(proposals::id.eq_any(late));
    }
    if query.pending_request == Some(true) {
        let waiting = unit_requests::table
            .filter(unit_requests::decision.eq(RequestDecision::Pending))
            .select(unit_requests::proposal_id);
        q = q.filter(proposals::id.eq_any(waiting));
    }
    if query.unsatisfied == Some(true) {
        q = q.filter(proposals::state.eq(ProposalState::Filed)).filter(proposals::handling_round.gt(1));
    }
    q
}

/// The proposals `user` may see, newest first.
pub fn list_visible(
    conn: &mut DbConn,
    user: &AuthUser,
    query: ProposalQuery,
    now: NaiveDateTime,
    workflow: &WorkflowSettings,
) -> AppResult<Page<ProposalListItem>> {
    let (page, per_page) = PageQuery { page: query.page, per_page: query.per_page }.resolve()?;
    check_filters(&query)?;
    let visible = || filtered(user, &query, now);
    let total: i64 = visible().count().get_result(conn)?;
    let rows: Vec<ProposalRow> = visible()
        .order((proposals::updated_at.desc(), proposals::id.asc()))
        .limit(per_page)
        .offset((page - 1) * per_page)
        .select(ProposalRow::as_select())
        .load(conn)?;
    let items = rows.into_iter().map(|p| list_item(conn, p, workflow)).collect::<AppResult<Vec<_>>>()?;
    Ok(Page { items, total, page, per_page })
}

/// One proposal, as far as `user` may see it, with what they may do now;
/// one they may not see answers as if it did not exist.
pub fn get_visible(
    conn: &mut DbConn,
    user: &AuthUser,
    id: &ProposalId,
    now: NaiveDateTime,
    workflow: &WorkflowSettings,
) -> AppResult<ProposalView> {
    let p = load(conn, id.as_str())?;
    let s = standing(conn, Some(user), &p, workflow, now)?;
    let state = crate::proposals::access::state_of(&p)?;
    if !crate::domain::workflow::table::may_see_full(&s, state) {
        return Err(AppError::not_found());
    }
    crate::workflow::view_for(conn, user, p, workflow, now)
}

/// A proposal another may be merged into (并案), for the office to pick.
#[derive(Debug, Clone)]
pub struct MergeCandidate {
    pub id: String,
    pub label: String,
    pub title: String,
}

/// The proposals `p` may be merged into: of its kind, filed and not yet
/// closed, itself left out; those whose titles share the most words with
/// its title come first, then the newest.
pub fn merge_candidates(conn: &mut DbConn, p: &ProposalView) -> AppResult<Vec<MergeCandidate>> {
    const LISTED: usize = 30;
    let open = [ProposalState::Filed, ProposalState::Handling, ProposalState::Replied];
    let rows: Vec<(String, Option<String>, Option<i32>, String)> = proposals::table
        .left_join(
            crate::db::schema::committee_sessions::table
                .on(crate::db::schema::committee_sessions::id.nullable().eq(proposals::session_id)),
        )
        .filter(proposals::kind.eq(&p.kind))
        .filter(proposals::state.eq_any(open))
        .filter(proposals::id.ne(&p.id))
        .order((proposals::filed_at.desc(), proposals::id.asc()))
        .limit(2000)
        .select((
            proposals::id,
            crate::db::schema::committee_sessions::name.nullable(),
            proposals::number,
            proposals::title,
        ))
        .load(conn)?;
    let own: std::collections::HashSet<String> = crate::search::text::words(&p.title).into_iter().collect();
    let mut scored: Vec<(usize, usize, MergeCandidate)> = rows
        .into_iter()
        .enumerate()
        .map(|(order, (id, session, number, title))| {
            let shared = crate::search::text::words(&title).into_iter().filter(|w| own.contains(w)).count();
            let label = match (session, number) {
                (Some(s), Some(n)) => crate::proposals::numbering::label(&s, n, &p.kind_noun),
                _ => String::new(),
            };
            (shared, order, MergeCandidate { id, label, title })
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(scored.into_iter().take(LISTED).map(|(_, _, c)| c).collect())
}
