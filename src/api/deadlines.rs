//! 期限: what is due and what is overdue, by unit.

use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::{AppResult, Problem};
use crate::listing::Page;
use crate::proposals::due::{self, DueItem, DueQuery};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_due);
}

/// The open reply and opinion deadlines due within N working days (overdue
/// ones included), soonest first; provisional ones are marked. The office,
/// leaders and the administrator see every unit's; a unit sees its own.
#[utoipa::path(tag = "deadlines", params(DueQuery), responses((status = 200, body = Page<DueItem>), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/deadlines")]
async fn list_due(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<DueQuery>,
) -> AppResult<web::Json<Page<DueItem>>> {
    let (now, office, settings) = (state.clock.now(), state.office.clone(), state.settings.clone());
    let query = query.into_inner();
    state.db.read(move |conn| due::list(conn, &user, &office, &settings.workflow, now, &query)).await.map(web::Json)
}
