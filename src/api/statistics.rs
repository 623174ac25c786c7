//! The office's statistics (提案统计) of a session, and the public's share of
//! them. The figures and how each is computed: docs/statistics.md.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::domain::Permission;
use crate::error::{AppError, AppResult, Problem};
use crate::state::AppState;
use crate::statistics::{ProposalFigures, Report, SessionRef};
use crate::validate::Check;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(office_statistics).service(public_statistics);
}

/// Which figures to compute.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatisticsQuery {
    /// 会议: the session the proposals were handed in to.
    pub session_id: String,
    /// "proposal" (提案, the default) or "suggestion" (建议): each kind is counted on its own.
    pub kind: Option<String>,
}

/// What everybody may read: the session's totals, nothing per unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStatistics {
    pub session: SessionRef,
    pub kind: String,
    #[serde(serialize_with = "crate::timestamps::utc")]
    pub as_of: chrono::NaiveDateTime,
    pub totals: ProposalFigures,
}

/// The session and kind asked for; an unknown session answers 404.
async fn report(state: &AppState, query: StatisticsQuery) -> AppResult<std::sync::Arc<Report>> {
    let kind = query.kind.unwrap_or_else(|| "proposal".into());
    let mut check = Check::new();
    if state.settings.workflow.kind(&kind).is_none() {
        check.fail("kind", "invalid", "未知的类别");
    }
    check.finish()?;
    if !crate::ids::is_id(&query.session_id) {
        return Err(AppError::not_found().with_detail("该会议不存在"));
    }
    let now = state.clock.now();
    let cache = state.statistics.clone();
    let session_id = query.session_id;
    state
        .db
        .read(move |conn| {
            let session = crate::statistics::session(conn, &session_id)?;
            cache.report(conn, session, &kind, now)
        })
        .await
}

/// 提案统计: a session's figures for one kind, in total and broken down by
/// sector, handling unit, topic, submitter type and key or not. For the
/// office, leaders and the administrator.
#[utoipa::path(
    tag = "statistics",
    params(StatisticsQuery),
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
    query: web::Query<StatisticsQuery>,
) -> AppResult<web::Json<Report>> {
    user.require(Permission::ReadStatistics)?;
    let report = report(&state, query.into_inner()).await?;
    Ok(web::Json(Report::clone(&report)))
}

/// A session's totals for one kind, as the public may read them (no sign-in):
/// no breakdown by unit, sector or anything else.
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
    let report = report(&state, query.into_inner()).await?;
    Ok(web::Json(PublicStatistics {
        session: report.session.clone(),
        kind: report.kind.clone(),
        as_of: report.as_of,
        totals: report.totals.clone(),
    }))
}
