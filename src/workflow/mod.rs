//! The workflow's operations: one function per action, outside the edges.
//! The JSON API calls them today; the pages, the reminder jobs and the import
//! call the same functions.
//!
//! Every operation has one shape: it takes the connection (inside the
//! caller's one write transaction), who acts ([`Ctx`]: the user, the
//! request's origin, the time and the settings) and a typed input; it
//! `begin`s the action (load, stand, ask the domain), changes the records,
//! and `commit`s (saves the proposal, writes the action's one audit event and
//! its notices); it returns the proposal's new row. [`perform`] runs one in a
//! write transaction and answers with the proposal as the actor now sees it.

pub mod attachments;
pub mod closing;
pub mod drafting;
pub mod handling;
pub mod requests;
pub mod review;

use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::audit::Origin;
use crate::auth::AuthUser;
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::models::proposal::ProposalRow;
use crate::error::AppResult;
pub use crate::proposals::access::{Ctx, Step, begin, blocked};
use crate::proposals::view::{ProposalView, full};
use crate::state::AppState;

/// Runs `operation` as `user`, in one write transaction, and answers with the
/// proposal as `user` sees it afterwards. The view is read once the change is
/// committed, outside the write: writes take turns (on SQLite one writer runs
/// them all), and building the view was a fifth of a submit's time there.
pub async fn perform<F>(state: &AppState, user: AuthUser, origin: Origin, operation: F) -> AppResult<ProposalView>
where
    F: FnOnce(&mut DbConn, &Ctx) -> AppResult<ProposalRow> + Send + 'static,
{
    let viewer = user.clone();
    let after = crate::acting::act(state, user, origin, operation).await?;
    let (settings, now) = (state.settings.clone(), state.clock.now());
    state.db.read(move |conn| view_for(conn, &viewer, after, &settings.workflow, now)).await
}

/// The proposal as `user` sees it.
pub fn view_for(
    conn: &mut DbConn,
    user: &AuthUser,
    p: ProposalRow,
    workflow: &WorkflowSettings,
    now: NaiveDateTime,
) -> AppResult<ProposalView> {
    let standing = crate::proposals::standing(conn, Some(user), &p, workflow, now)?;
    full(conn, p, &standing, user.unit_id.as_deref(), workflow)
}

/// The version of the proposal the client last saw: all an action needs when
/// it needs nothing else.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    pub version: i32,
}
