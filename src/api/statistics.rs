//! The office's statistics (提案统计) of any scope, and the public's share of
//! a session's. The figures and how each is computed: docs/statistics.md.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::domain::Permission;
use crate::error::{AppResult, Problem};
use crate::state::AppState;
use crate::statistics::{
    ProposalFigures, ProposalGroupRow, Report, ScopeQuery, SessionRef, UnitFigures, session_report,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(office_statistics).service(public_statistics);
}

/// Which session's figures the public asks for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatisticsQuery {
    /// 会议: the session the proposals were handed in to.
    pub session_id: String,
    /// "proposal" (提案, the default) or "suggestion" (建议): each kind is counted on its own.
    pub kind: Option<String>,
}

/// What everybody may read: the session's totals, and the figures of each
/// handling unit and sector (the breakdowns by topic, submitter and key stay with the office).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStatistics {
    pub session: SessionRef,
    pub kind: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub as_of: chrono::NaiveDateTime,
    pub totals: ProposalFigures,
    pub by_sector: Vec<ProposalGroupRow>,
    pub by_unit: Vec<UnitFigures>,
}

/// 提案统计: the figures of a session, a term, a calendar year or any range
/// of days, plenary and between-session proposals apart or together, for
/// one kind, in total and broken down by sector, handling unit (with their
/// ranking), topic, submitter type and kind, key or not, and key proposals
/// by mode and leader. Computed anew on every request. For the office,
/// leaders and the administrator.
#[utoipa::path(
    tag = "statistics",
    params(ScopeQuery),
    responses(
        (status = 200, body = Report),
        (status = 400, body = Problem),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/statistics")]
async fn office_statistics(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ScopeQuery>,
) -> AppResult<web::Json<Report>> {
    user.require(Permission::ReadStatistics)?;
    let query = query.into_inner();
    let workflow = state.settings.workflow.clone();
    let scope = state.db.read(move |conn| crate::statistics::scope::resolve(conn, &workflow, query)).await?;
    Ok(web::Json(crate::statistics::report(&state, scope).await?))
}

/// A session's totals for one kind, with each unit's and sector's figures,
/// as the public may read them (no sign-in).
#[utoipa::path(
    tag = "public",
    params(StatisticsQuery),
    responses((status = 200, body = PublicStatistics), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem))
)]
#[get("/public/statistics")]
async fn public_statistics(
    state: web::Data<AppState>,
    query: web::Query<StatisticsQuery>,
) -> AppResult<web::Json<PublicStatistics>> {
    let query = query.into_inner();
    let (session, report) = session_report(&state, query.session_id, query.kind).await?;
    Ok(web::Json(PublicStatistics {
        session,
        kind: report.kind,
        as_of: report.as_of,
        totals: report.totals,
        by_sector: report.by_sector,
        by_unit: report.by_unit,
    }))
}
