//! The workflow's API: one module per stage. Every action handler has the same
//! shape: `begin` (load, stand, decide), change, `commit` (save + audit) in one
//! transaction, and answer with the proposal as the caller now sees it.

pub mod attachments;
pub mod closing;
pub mod drafting;
pub mod handling;
pub mod requests;
pub mod review;

use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::config::WorkflowSettings;
use crate::db::DbConn;
use crate::db::models::proposal::ProposalRow;
use crate::error::AppResult;
use crate::proposals::view::{ProposalView, full};

pub fn configure(cfg: &mut ServiceConfig) {
    drafting::configure(cfg);
    handling::configure(cfg);
    requests::configure(cfg);
    closing::configure(cfg);
    review::configure(cfg);
    attachments::configure(cfg);
}

/// The version of the proposal the client last saw.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    pub version: i32,
}

/// The proposal as `user` sees it after an action.
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
